// The trash (#/trash): files moved there wait, restorable, until they are deleted for good
// (one by one, all at once, or by the server after the retention period).
import { api } from "./api.js";
import { bulkBar, runBulk } from "./bulk.js";
import { announce, clear, formatBytes, formatDate, h } from "./dom.js";
import { onFileChange } from "./events.js";
import { shortType } from "./format.js";
import { createSelection, selectBox, syncBoxes } from "./select.js";

const PAGE_SIZE = 200;
const DAY_MS = 24 * 3600 * 1000;

function purgeDate(file, days) {
  if (!days || !file.trashed_at) return null;
  return new Date(new Date(file.trashed_at).getTime() + days * DAY_MS).toISOString();
}

export function trashView(ctx) {
  const files = new Map();
  const days = (ctx.me && ctx.me.trash_retention_days) || 0;
  const heading = h("h1", { id: "trash-heading" }, "Trash");
  const message = h("p", { class: "notice", role: "status" });
  const items = h("div", { class: "items", id: "trash-items" });
  const selection = createSelection(() => {
    syncBoxes(items, selection);
    bar.update([...files.keys()]);
  });
  selection.setOrder(() => [...files.keys()]);
  const bar = bulkBar(selection, {
    onDone: () => load(),
    actions: [
      { label: "Restore", run: (ids) => runBulk("restore", ids) },
      {
        label: "Delete forever",
        danger: true,
        confirm: (n) => `Delete ${n === 1 ? "this file" : `these ${n} files`} for good? This cannot be undone.`,
        run: (ids) => runBulk("delete_permanently", ids),
      },
    ],
  });

  function say(text, error = false) {
    message.classList.toggle("error", error);
    message.textContent = text;
    announce(text);
  }

  const confirmEmpty = h(
    "dialog",
    { class: "confirm", "aria-labelledby": "empty-title" },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: "empty-title" }, "Empty the trash?"),
      h("p", {}, "Every file in the trash, with its preview, text and search entries, is deleted for good. This cannot be undone."),
      h(
        "div",
        { class: "dialog-buttons" },
        h("button", { value: "cancel", class: "button secondary", autofocus: true }, "Cancel"),
        h("button", { value: "empty", class: "button danger" }, "Empty trash"),
      ),
    ),
  );
  confirmEmpty.addEventListener("close", async () => {
    if (confirmEmpty.returnValue !== "empty") return;
    try {
      await api("/trash/empty", { method: "POST" });
      say("The trash is empty.");
      ctx.refreshStorage();
      load();
    } catch (err) {
      say(`Could not empty the trash: ${err.message}`, true);
    }
  });
  const emptyButton = h("button", { type: "button", class: "button danger", onclick: () => confirmEmpty.showModal() }, "Empty trash");

  async function restoreOne(file) {
    try {
      await api(`/files/${encodeURIComponent(file.id)}/restore`, { method: "POST" });
      say(`${file.filename} is back in your files.`);
      load();
    } catch (err) {
      say(`Could not restore ${file.filename}: ${err.message}`, true);
    }
  }

  async function deleteOne(file) {
    if (!window.confirm(`Delete “${file.filename}” for good? This cannot be undone.`)) return;
    try {
      await api(`/files/${encodeURIComponent(file.id)}?permanent=true`, { method: "DELETE" });
      say(`${file.filename} was deleted for good.`);
      ctx.refreshStorage();
      load();
    } catch (err) {
      say(`Could not delete ${file.filename}: ${err.message}`, true);
    }
  }

  function row(file) {
    const purge = purgeDate(file, days);
    return h(
      "tr",
      { dataset: { fileId: file.id }, class: selection.has(file.id) ? "selected" : null },
      h("td", { class: "select-cell" }, selectBox(file, selection)),
      h("td", {}, h("a", { href: `#/files/${file.id}` }, file.filename)),
      h("td", { "data-label": "Type", title: file.content_type }, shortType(file.content_type)),
      h("td", { "data-label": "Size", class: "num" }, formatBytes(file.size_bytes)),
      h("td", { "data-label": "Trashed" }, h("time", { datetime: file.trashed_at }, formatDate(file.trashed_at))),
      h("td", { "data-label": "Deleted for good" }, purge ? h("time", { datetime: purge }, formatDate(purge)) : "when you empty the trash"),
      h(
        "td",
        { class: "row-actions" },
        h("button", { type: "button", class: "button secondary", "aria-label": `Restore ${file.filename}`, onclick: () => restoreOne(file) }, "Restore"),
        h("button", { type: "button", class: "button danger", "aria-label": `Delete ${file.filename} forever`, onclick: () => deleteOne(file) }, "Delete forever"),
      ),
    );
  }

  function render(total) {
    clear(items);
    emptyButton.disabled = files.size === 0;
    if (!files.size) {
      items.append(h("p", { class: "empty" }, "The trash is empty."));
    } else {
      items.append(
        h(
          "table",
          { class: "file-table trash-table" },
          h("caption", { class: "visually-hidden" }, "Files in the trash"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Select")),
              ["Name", "Type", "Size", "Trashed", "Deleted for good", "Actions"].map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          h("tbody", {}, [...files.values()].map(row)),
        ),
      );
      if (total > files.size) items.append(h("p", { class: "hint" }, `Showing the ${files.size} most recent of ${total}.`));
    }
    selection.keepOnly([...files.keys()]);
    bar.update([...files.keys()]);
  }

  async function load() {
    try {
      const body = await api(`/files?trashed=true&limit=${PAGE_SIZE}`);
      files.clear();
      for (const f of body.items) files.set(f.id, f);
      render(body.total);
    } catch (err) {
      clear(items).append(h("p", { class: "form-error", role: "alert" }, `Could not load the trash: ${err.message}`));
    }
  }

  // Files trashed or restored elsewhere (another tab, LINE) come and go here too.
  const unsubscribe = onFileChange((file) => {
    if (file.local) return;
    const inTrash = Boolean(file.trashed_at);
    if (inTrash !== files.has(file.id)) load();
  });

  const root = h(
    "section",
    { class: "trash", "aria-labelledby": "trash-heading" },
    h("p", {}, h("a", { href: "#/", class: "back" }, "← All files")),
    h("div", { class: "drive-head" }, h("div", {}, heading), emptyButton),
    h(
      "p",
      { class: "hint" },
      days
        ? `Files in the trash are deleted for good ${days} days after they were moved here. Until then they count toward your storage.`
        : "Files stay in the trash until you empty it. Until then they count toward your storage.",
    ),
    message,
    bar.element,
    items,
    confirmEmpty,
  );
  document.title = "Trash · Drive2";
  load();
  return { element: root, destroy: unsubscribe, focus: heading };
}
