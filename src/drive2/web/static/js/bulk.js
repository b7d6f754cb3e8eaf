// The bar that acts on the selected files: one request for all of them
// (POST /files/bulk), each file succeeding or failing on its own; and the zip download.
import { api, apiRaw } from "./api.js";
import { announce, clear, h } from "./dom.js";

const PAST = {
  trash: "moved to the trash",
  restore: "restored",
  delete_permanently: "deleted for good",
  reprocess: "queued for processing again",
  add_tags: "tagged",
  remove_tags: "untagged",
};

export async function runBulk(action, ids, tags) {
  const body = await api("/files/bulk", { method: "POST", json: { action, file_ids: ids, tags } });
  const failed = body.results.filter((r) => !r.ok);
  const done = body.results.length - failed.length;
  const noun = (n) => (n === 1 ? "1 file" : `${n} files`);
  let text = `${noun(done)} ${PAST[action]}.`;
  if (failed.length) {
    const reasons = [...new Set(failed.map((r) => r.error))].join("; ");
    text += ` ${noun(failed.length)} could not be: ${reasons}.`;
  }
  return { text, failed: failed.length };
}

export async function downloadZip(ids) {
  const response = await apiRaw("/files/archive", { method: "POST", json: { file_ids: ids } });
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = disposition.match(/filename="([^"]+)"/);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: match ? match[1] : "drive2-files.zip", hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// actions: [{ label, run: async (ids, tags) => message, danger?, confirm? }]; withTags adds
// the tag field with Add tag / Remove tag. onDone runs after every action.
export function bulkBar(selection, { actions, withTags = false, onDone }) {
  const count = h("span", { class: "bulk-count", id: "bulk-count", "aria-live": "polite" });
  const message = h("p", { class: "notice bulk-message", role: "status" });
  const allBox = h("input", { type: "checkbox", id: "select-all", class: "select-box" });
  const buttons = h("div", { class: "bulk-actions" });
  const element = h(
    "div",
    { class: "bulk-bar", role: "region", "aria-label": "Selected files" },
    h("label", { class: "select-all", for: "select-all" }, allBox, " Select all"),
    count,
    buttons,
    message,
  );
  allBox.addEventListener("change", () => selection.setAll(allBox.checked));

  async function perform(action) {
    const ids = selection.ids();
    if (!ids.length) return;
    if (action.confirm && !window.confirm(action.confirm(ids.length))) return;
    message.classList.remove("error");
    message.textContent = "Working…";
    try {
      const outcome = await action.run(ids);
      const text = typeof outcome === "string" ? outcome : outcome.text;
      message.classList.toggle("error", Boolean(outcome && outcome.failed));
      message.textContent = text;
      announce(text);
      if (!action.keepSelection) selection.clear();
    } catch (err) {
      message.classList.add("error");
      message.textContent = `Could not ${action.label.toLowerCase()}: ${err.message}`;
      announce(message.textContent);
    }
    if (onDone) onDone();
  }

  for (const action of actions) {
    buttons.append(
      h("button", { type: "button", class: `button ${action.danger ? "danger" : "secondary"}`, onclick: () => perform(action) }, action.label),
    );
  }
  if (withTags) {
    const input = h("input", { id: "bulk-tag", maxlength: "128", placeholder: "tag", autocomplete: "off" });
    const tagAction = (action, label) => ({
      label,
      run: (ids) => {
        const tag = input.value.trim();
        if (!tag) throw new Error("type a tag first");
        return runBulk(action, ids, [tag]).then((r) => {
          input.value = "";
          return r;
        });
      },
    });
    const form = h(
      "form",
      { class: "bulk-tags" },
      h("label", { for: "bulk-tag" }, "Tag selected files"),
      input,
      h("button", { type: "submit", class: "button secondary" }, "Add tag"),
      h("button", { type: "button", class: "button secondary", onclick: () => perform(tagAction("remove_tags", "Remove tag")) }, "Remove tag"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      perform(tagAction("add_tags", "Add tag"));
    });
    buttons.append(form);
  }
  buttons.append(h("button", { type: "button", class: "link-button", onclick: () => selection.clear() }, "Clear selection"));

  function update(shownIds) {
    const n = selection.size();
    clear(count).append(n === 1 ? "1 selected" : `${n} selected`);
    buttons.hidden = n === 0;
    element.classList.toggle("active", n > 0);
    const shown = shownIds || [];
    allBox.checked = shown.length > 0 && shown.every((id) => selection.has(id));
    allBox.indeterminate = n > 0 && !allBox.checked;
  }
  update();
  return { element, update, say: (text) => { message.textContent = text; } };
}
