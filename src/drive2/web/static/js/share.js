// The share dialog of a file: make a link (it is shown once: only its hash is kept), copy
// it, see the links made before, revoke one.
import { api } from "./api.js";
import { announce, append, clear, formatDate, h } from "./dom.js";

const EXPIRY = [
  ["1", "1 day"],
  ["7", "7 days"],
  ["30", "30 days"],
  ["", "Never (until revoked)"],
];

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // No clipboard permission: select it so Ctrl+C works.
    input.focus();
    input.select();
    return false;
  }
}

export function openShareDialog(file) {
  const status = h("p", { class: "notice", role: "status" });
  const made = h("div", { class: "share-made", hidden: true });
  const list = h("ul", { class: "share-list", "aria-label": "Links to this file" });
  const expiry = h(
    "select",
    { id: "share-expiry" },
    EXPIRY.map(([value, label]) => h("option", { value, selected: value === "7" }, label)),
  );
  const create = h("button", { type: "submit", class: "button primary" }, "Create link");
  const form = h(
    "form",
    { class: "inline-form share-form" },
    h("label", { for: "share-expiry" }, "Link works for"),
    expiry,
    create,
  );
  const dialog = h(
    "dialog",
    { class: "confirm share-dialog", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title" }, `Share “${file.filename}”`),
    h("p", { class: "hint" }, "Anyone with the link can see and download this file, without an account."),
    form,
    made,
    status,
    h("h3", {}, "Links"),
    list,
    h(
      "div",
      { class: "dialog-buttons" },
      h("button", { type: "button", class: "button secondary", onclick: () => dialog.close() }, "Close"),
    ),
  );

  function say(text, error = false) {
    status.classList.toggle("error", error);
    status.textContent = text;
    announce(text);
  }

  async function revoke(share) {
    try {
      await api(`/shares/${encodeURIComponent(share.id)}`, { method: "DELETE" });
      say("The link was revoked; it no longer opens the file.");
      made.hidden = true;
      refresh();
    } catch (err) {
      say(`Could not revoke the link: ${err.message}`, true);
    }
  }

  function item(share) {
    const until = share.expires_at ? `${share.active ? "until" : "expired"} ${formatDate(share.expires_at)}` : "no expiry";
    const downloads = share.download_count === 1 ? "1 download" : `${share.download_count} downloads`;
    return h(
      "li",
      { class: `share-item${share.active ? "" : " expired"}`, dataset: { shareId: share.id } },
      h(
        "span",
        { class: "share-what" },
        h("code", {}, `…/s/${share.token_prefix}…`),
        ` made ${formatDate(share.created_at)} · ${until} · ${downloads}`,
      ),
      h("button", { type: "button", class: "button secondary", "aria-label": `Revoke the link made ${formatDate(share.created_at)}`, onclick: () => revoke(share) }, "Revoke"),
    );
  }

  async function refresh() {
    try {
      const body = await api(`/files/${encodeURIComponent(file.id)}/shares`);
      append(clear(list), [body.items.length ? body.items.map(item) : h("li", { class: "hint" }, "No links yet.")]);
    } catch (err) {
      clear(list).append(h("li", { class: "form-error" }, `Could not load the links: ${err.message}`));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    create.disabled = true;
    try {
      const days = expiry.value ? Number(expiry.value) : null;
      const share = await api(`/files/${encodeURIComponent(file.id)}/shares`, {
        method: "POST",
        json: { expires_in_days: days },
      });
      const url = h("input", { id: "share-url", readonly: true, value: share.url, "aria-label": "The new link" });
      const copyButton = h("button", { type: "button", class: "button primary" }, "Copy link");
      copyButton.addEventListener("click", async () => {
        say((await copy(url)) ? "Link copied." : "Press Ctrl+C (or ⌘C) to copy the selected link.");
      });
      clear(made).append(
        h("div", { class: "inline-form" }, url, copyButton),
        h("p", { class: "hint" }, "Copy it now: Drive2 keeps no copy of the link and cannot show it again."),
      );
      made.hidden = false;
      say(share.expires_at ? `Link made; it works until ${formatDate(share.expires_at)}.` : "Link made; it works until you revoke it.");
      url.focus();
      url.select();
      refresh();
    } catch (err) {
      say(`Could not make a link: ${err.message}`, true);
    } finally {
      create.disabled = false;
    }
  });

  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  refresh();
  dialog.showModal();
  return dialog;
}
