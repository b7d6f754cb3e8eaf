// One file: preview, status, summary, tags, the suggested name, metadata and actions.
import { api, fileUrl } from "./api.js";
import { announce, append, clear, formatBytes, formatDate, h, kindOf } from "./dom.js";
import { onFileChange } from "./events.js";
import { keyDateLine, metadataSection, section, textSection, warningsBox } from "./file_info.js";
import { shortType, stageLabel } from "./format.js";
import { openShareDialog } from "./share.js";
import { passageSection } from "./passage.js";
import { moneySection } from "./money.js";
import { progressBar, statusBadge } from "./status.js";

// Types a browser shows inline from the original bytes; others get the thumbnail.
const INLINE_IMAGES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"]);

function preview(file) {
  const kind = kindOf(file.content_type);
  const original = fileUrl(file.id, "download");
  const version = encodeURIComponent(file.processed_at || "");
  // A PDF opens in the browser's own viewer where there is one (all its pages); elsewhere its
  // first page's preview rendition.
  const pdfViewer = kind === "pdf" && navigator.pdfViewerEnabled;
  if (file.has_preview && (kind === "image" || (kind === "pdf" && !pdfViewer))) {
    // The preview rendition: upright, at most 1440 px, any image type (HEIC, TIFF too).
    const label = kind === "pdf" ? `First page of ${file.filename}` : `Preview of ${file.filename}`;
    return h("img", { class: "preview-media", src: `${fileUrl(file.id, "preview")}?v=${version}`, alt: label });
  }
  if (kind === "image" && INLINE_IMAGES.has(file.content_type)) {
    return h("img", { class: "preview-media", src: original, alt: `Preview of ${file.filename}` });
  }
  if (kind === "video") {
    // The download answers Range requests, so the player can seek.
    return h(
      "video",
      { class: "preview-media", controls: true, preload: "metadata", src: original, "aria-label": `Video ${file.filename}` },
      "Your browser cannot play this video; download it instead.",
    );
  }
  if (kind === "audio") {
    return h("audio", { controls: true, preload: "metadata", src: original, "aria-label": `Audio ${file.filename}` });
  }
  if (pdfViewer) {
    // The browser's own PDF viewer, on the original served inline (PDFs only, see
    // api/downloads.py); pages, zoom and find come with it.
    return h("iframe", {
      class: "pdf-viewer",
      src: `${original}?disposition=inline`,
      title: `PDF viewer: ${file.filename}`,
    });
  }
  if (file.has_thumbnail) {
    const label = kind === "pdf" ? `First page of ${file.filename}` : `Preview of ${file.filename}`;
    return h("img", { class: "preview-media", src: `${fileUrl(file.id, "thumbnail")}?v=${version}`, alt: label });
  }
  if (file.text_excerpt) return h("pre", { class: "preview-text" }, file.text_excerpt);
  return h("p", { class: "empty" }, file.status === "completed" ? "No preview for this file." : "The preview appears when processing ends.");
}

// Rename keeps the extension unless the user removes it on purpose: a name typed without one
// gets the old one back (and the message says so, with a way to drop it).
function extensionOf(name) {
  const match = /(\.[A-Za-z0-9]{1,10})$/.exec(name);
  return match && match.index > 0 ? match[1] : "";
}

export function fileView(fileId, ctx) {
  let file = null;
  let stages = [];
  const heading = h("h1", { id: "file-heading", class: "file-title" }, "Loading…");
  const body = h("div", { class: "file-body" });
  const message = h("p", { class: "notice", role: "status" });
  const root = h(
    "article",
    { class: "file-page", "aria-labelledby": "file-heading" },
    h("p", {}, h("a", { href: "#/", class: "back" }, "← All files")),
    heading,
    message,
    body,
  );

  function say(text, { error = false, extra = null } = {}) {
    message.classList.toggle("error", error);
    append(clear(message), [text, extra ? " " : null, extra]);
    announce(text);
  }

  async function patch(changes, done) {
    try {
      file = await api(`/files/${encodeURIComponent(fileId)}`, { method: "PATCH", json: changes });
      render();
      const text = typeof done === "function" ? done(file) : done;
      if (Array.isArray(text)) say(text[0], { extra: text[1] });
      else say(text);
      return true;
    } catch (err) {
      say(`Could not save: ${err.message}`, { error: true });
      return false;
    }
  }

  function nameEditor() {
    const input = h("input", { id: "rename-input", value: file.filename, maxlength: "1024", required: true });
    const form = h(
      "form",
      { class: "inline-form" },
      h("label", { for: "rename-input" }, "File name"),
      input,
      h("button", { type: "submit", class: "button secondary" }, "Rename"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const typed = input.value.trim();
      if (!typed || typed === file.filename) return;
      const kept = extensionOf(file.filename);
      const addBack = kept && !extensionOf(typed);
      const wanted = addBack ? typed + kept : typed;
      patch({ filename: wanted }, (saved) => {
        const said = `Saved as “${saved.filename}”.`;
        if (!addBack) return saved.filename === wanted ? said : `${said} (Some characters cannot be used in a name.)`;
        const drop = h(
          "button",
          { type: "button", class: "link-button", onclick: () => patch({ filename: typed }, (f) => `Saved as “${f.filename}”, without an extension.`) },
          `Remove ${kept}`,
        );
        return [`${said} The ${kept} ending was kept so the file still opens with the right program.`, drop];
      });
    });
    return form;
  }

  function suggestion() {
    const suggested = file.ai && file.ai.suggested_filename;
    if (!suggested) return null;
    const same = suggested === file.filename;
    return h(
      "div",
      { class: "suggestion" },
      h("span", {}, "Suggested name: ", h("strong", { class: "suggested-name" }, suggested)),
      same
        ? h("span", { class: "hint" }, " (in use)")
        : h("button", { type: "button", class: "button primary", onclick: () => patch({ filename: suggested }, `Renamed to ${suggested}`) }, "Use this name"),
    );
  }

  function tagEditor() {
    const tags = [...(file.tags || [])];
    const input = h("input", { id: "tag-input", maxlength: "128", placeholder: "new tag", autocomplete: "off" });
    const form = h(
      "form",
      { class: "inline-form" },
      h("label", { for: "tag-input" }, "Add a tag"),
      input,
      h("button", { type: "submit", class: "button secondary" }, "Add tag"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const tag = input.value.trim();
      if (!tag) return;
      // Tags are kept in lower case, words separated by single spaces.
      const stored = tag.toLowerCase().split(/\s+/).join(" ");
      if (tags.includes(stored)) {
        say(
          stored === tag
            ? `“${tag}” is already a tag of this file.`
            : `“${tag}” is already a tag of this file, as “${stored}” (tags are kept in lower case).`,
        );
        return;
      }
      const done = stored === tag ? `Tag ${stored} added` : `Tag added as “${stored}” (tags are kept in lower case).`;
      if (await patch({ tags: [...tags, tag] }, done)) document.getElementById("tag-input")?.focus();
    });
    return h(
      "div",
      { class: "tags-editor" },
      h(
        "ul",
        { class: "tags", "aria-label": "Tags" },
        tags.length
          ? tags.map((tag) =>
              h(
                "li",
                { class: "tag" },
                h("a", { href: `#/?tag=${encodeURIComponent(tag)}` }, tag),
                h("button", { type: "button", class: "tag-remove", "aria-label": `Remove tag ${tag}`, onclick: () => patch({ tags: tags.filter((t) => t !== tag) }, `Tag ${tag} removed`) }, "×"),
              ),
            )
          : h("li", { class: "hint" }, "No tags yet."),
      ),
      form,
    );
  }

  async function moveToTrash() {
    try {
      await api(`/files/${encodeURIComponent(fileId)}`, { method: "DELETE" });
    } catch (err) {
      say(`Could not move it to the trash: ${err.message}`, { error: true });
      return;
    }
    announce(`${file.filename} moved to the trash`);
    load();
    const undo = h("button", { type: "button", class: "link-button", onclick: () => restore() }, "Undo");
    say(`Moved to the trash.`, { extra: undo });
  }

  async function restore() {
    try {
      file = await api(`/files/${encodeURIComponent(fileId)}/restore`, { method: "POST" });
      say("Restored: the file is back in your files.");
      render();
    } catch (err) {
      say(`Could not restore it: ${err.message}`, { error: true });
    }
  }

  function deleteForever() {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title" }, "Delete this file for good?"),
        h("p", {}, `“${file.filename}” and its preview, text and search entries will be removed. This cannot be undone.`),
        h(
          "div",
          { class: "dialog-buttons" },
          h("button", { value: "cancel", class: "button secondary", autofocus: true }, "Cancel"),
          h("button", { value: "delete", class: "button danger" }, "Delete forever"),
        ),
      ),
    );
    dialog.addEventListener("close", async () => {
      dialog.remove();
      if (dialog.returnValue !== "delete") return;
      try {
        await api(`/files/${encodeURIComponent(fileId)}?permanent=true`, { method: "DELETE" });
        announce(`${file.filename} deleted for good`);
        ctx.refreshStorage();
        ctx.go("#/trash");
      } catch (err) {
        say(`Could not delete: ${err.message}`, { error: true });
      }
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  function trashedBanner() {
    if (!file.trashed_at) return null;
    return h(
      "div",
      { class: "trash-banner", role: "status" },
      h("p", {}, "This file is in the trash since ", h("time", { datetime: file.trashed_at }, formatDate(file.trashed_at)), "."),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "button primary", onclick: () => restore() }, "Restore"),
        h("button", { type: "button", class: "button danger", onclick: () => deleteForever() }, "Delete forever"),
      ),
    );
  }

  function actions() {
    const download = h("a", { class: "button secondary", href: fileUrl(file.id, "download"), download: file.filename }, "Download");
    if (file.trashed_at) return h("div", { class: "actions" }, download);
    const busy = file.status === "processing";
    return h(
      "div",
      { class: "actions" },
      download,
      h("button", { type: "button", class: "button secondary", onclick: () => openShareDialog(file) }, "Share"),
      h(
        "button",
        {
          type: "button",
          class: "button secondary",
          disabled: busy,
          title: busy ? "Wait until processing ends" : null,
          onclick: async () => {
            try {
              await api(`/files/${encodeURIComponent(fileId)}/reprocess`, { method: "POST" });
              file = { ...file, status: "pending", progress: 0, stage: "queued", error: null };
              say("Processing again…");
              render();
            } catch (err) {
              say(`Could not reprocess: ${err.message}`, { error: true });
            }
          },
        },
        "Reprocess",
      ),
      h("button", { type: "button", class: "button danger", onclick: () => moveToTrash() }, "Move to trash"),
    );
  }

  function stageTable() {
    if (!stages.length) return null;
    return h(
      "table",
      { class: "stages" },
      h("caption", {}, "Processing stages"),
      h("thead", {}, h("tr", {}, ["Stage", "Outcome", "Time", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        stages.map((s) =>
          h("tr", {}, h("td", { title: s.name }, stageLabel(s.name)), h("td", {}, s.outcome), h("td", { class: "num" }, `${s.duration_ms} ms`), h("td", {}, s.detail || "")),
        ),
      ),
    );
  }

  function statusLine() {
    return h(
      "div",
      { class: "file-status", id: "file-status" },
      statusBadge(file),
      progressBar(file),
      file.error ? h("p", { class: "form-error" }, file.error) : null,
    );
  }

  function render() {
    heading.textContent = file.filename;
    document.title = `${file.filename} · Drive2`;
    // dom.append, not Element.append: it leaves out the parts that are null.
    append(clear(body), [
      trashedBanner(),
      warningsBox(file),
      h(
        "div",
        { class: "file-grid" },
        h("div", { class: `preview${kindOf(file.content_type) === "pdf" ? " preview-pdf" : ""}` }, preview(file)),
        h(
          "div",
          { class: "details" },
          statusLine(),
          keyDateLine(file),
          h(
            "p",
            { class: "facts" },
            h("span", { title: file.content_type }, shortType(file.content_type)),
            ` · ${formatBytes(file.size_bytes)} · uploaded `,
            h("time", { datetime: file.uploaded_at }, formatDate(file.uploaded_at)),
            file.processed_at ? ` · processed ${formatDate(file.processed_at)}` : "",
          ),
          actions(),
          ctx.quote ? passageSection(fileId, ctx.quote) : null,
          section(
            "Summary",
            file.ai && file.ai.summary
              ? h("p", { class: "summary" }, file.ai.summary)
              : h("p", { class: "empty" }, file.status === "completed" ? "No summary for this file." : "The summary appears when processing ends."),
            file.ai ? h("p", { class: "hint" }, `by ${file.ai.provider} (${file.ai.model})`) : null,
          ),
          moneySection(file),
          section("Name", suggestion(), nameEditor()),
          section("Tags", tagEditor()),
        ),
      ),
      textSection(file),
      metadataSection(file),
      stageTable(),
    ]);
  }

  async function load() {
    try {
      const [loaded, status] = await Promise.all([
        api(`/files/${encodeURIComponent(fileId)}`),
        api(`/files/${encodeURIComponent(fileId)}/status`),
      ]);
      file = loaded;
      stages = status.stages || [];
      render();
    } catch (err) {
      heading.textContent = err.status === 404 ? "File not found" : "Could not load this file";
      clear(body).append(h("p", { class: "form-error", role: "alert" }, err.message));
    }
  }

  const unsubscribe = onFileChange((changed) => {
    if (changed.id !== fileId || !file || changed.local) return;
    const statusChanged = changed.status !== file.status;
    const renamed = changed.filename !== file.filename;
    const finished = statusChanged && (changed.status === "completed" || changed.status === "failed");
    file = { ...file, ...changed };
    const line = body.querySelector("#file-status");
    if (finished) {
      announce(`${file.filename} ${file.status}`);
      load(); // the stage records and the rest come with the finished row
    } else if (statusChanged || !line || renamed) {
      render();
    } else {
      // Only progress moved: leave the forms alone, in case someone is typing in them.
      line.replaceWith(statusLine());
    }
  });

  load();
  return { element: root, destroy: unsubscribe, focus: heading };
}
