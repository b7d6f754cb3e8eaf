// One file: preview, status, summary, tags, the suggested name, metadata and actions.
import { api, fileUrl } from "./api.js";
import { announce, clear, formatBytes, formatDate, h, kindOf } from "./dom.js";
import { onFileChange } from "./events.js";
import { documentDateLine, moneySection } from "./money.js";
import { progressBar, statusBadge } from "./status.js";

// Types a browser shows inline from the original bytes; others get the thumbnail.
const INLINE_IMAGES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"]);

function preview(file) {
  const kind = kindOf(file.content_type);
  const original = fileUrl(file.id, "download");
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
  if (file.has_thumbnail) {
    const label = kind === "pdf" ? `First page of ${file.filename}` : `Preview of ${file.filename}`;
    const version = encodeURIComponent(file.processed_at || "");
    return h("img", { class: "preview-media", src: `${fileUrl(file.id, "thumbnail")}?v=${version}`, alt: label });
  }
  if (file.text_excerpt) return h("pre", { class: "preview-text" }, file.text_excerpt);
  return h("p", { class: "empty" }, file.status === "completed" ? "No preview for this file." : "The preview appears when processing ends.");
}

function section(title, ...children) {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

function humanKey(key) {
  return key.replace(/_/g, " ").replace(/\bm\b/, "(m)");
}

function scalar(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(scalar).join(", ");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${scalar(v)}`).join("; ");
  return String(value);
}

function metadataList(title, data) {
  if (!data || typeof data !== "object" || !Object.keys(data).length) return null;
  return h(
    "div",
    { class: "meta-group" },
    h("h3", {}, title),
    h("dl", {}, Object.entries(data).flatMap(([key, value]) => [h("dt", {}, humanKey(key)), h("dd", {}, scalar(value))])),
  );
}

function gpsBlock(gps) {
  if (!gps || typeof gps.latitude !== "number" || typeof gps.longitude !== "number") return null;
  const lat = gps.latitude.toFixed(6);
  const lon = gps.longitude.toFixed(6);
  const mapUrl = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`;
  return h(
    "div",
    { class: "meta-group gps" },
    h("h3", {}, "Location"),
    h("p", { class: "coords" }, `${lat}, ${lon}`, typeof gps.altitude_m === "number" ? ` · ${gps.altitude_m} m` : ""),
    h("a", { href: mapUrl, target: "_blank", rel: "noopener noreferrer" }, "Open in OpenStreetMap"),
  );
}

const GROUPS = [
  ["exif", "Camera (EXIF)"],
  ["pdf", "PDF properties"],
  ["document", "Document properties"],
  ["media", "Media"],
  ["image", "Image"],
  ["text", "Text"],
  ["ocr", "OCR"],
  ["skipped_stages", "Skipped stages"],
];

function metadataSection(file) {
  const meta = file.metadata || {};
  const blocks = [
    gpsBlock(meta.gps),
    ...GROUPS.map(([key, title]) => metadataList(title, meta[key])),
    metadataList("Other", Object.fromEntries(
      Object.entries(meta).filter(([key]) => key !== "gps" && !GROUPS.some(([k]) => k === key)),
    )),
  ].filter(Boolean);
  return section("Metadata", blocks.length ? blocks : h("p", { class: "empty" }, "No metadata yet."));
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

  function say(text) {
    message.textContent = text;
    announce(text);
  }

  async function patch(changes, done) {
    try {
      file = await api(`/files/${encodeURIComponent(fileId)}`, { method: "PATCH", json: changes });
      say(done);
      render();
    } catch (err) {
      say(`Could not save: ${err.message}`);
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
      const name = input.value.trim();
      if (name && name !== file.filename) patch({ filename: name }, `Renamed to ${name}`);
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
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const tag = input.value.trim();
      if (tag && !tags.includes(tag)) patch({ tags: [...tags, tag] }, `Tag ${tag} added`);
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

  function actions() {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title" }, "Delete this file?"),
        h("p", {}, `“${file.filename}” and its thumbnail, text and search entries will be removed. This cannot be undone.`),
        h(
          "div",
          { class: "dialog-buttons" },
          h("button", { value: "cancel", class: "button secondary", autofocus: true }, "Cancel"),
          h("button", { value: "delete", class: "button danger" }, "Delete"),
        ),
      ),
    );
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "delete") return;
      try {
        await api(`/files/${encodeURIComponent(fileId)}`, { method: "DELETE" });
        announce(`${file.filename} deleted`);
        ctx.refreshStorage();
        ctx.go("#/");
      } catch (err) {
        say(`Could not delete: ${err.message}`);
      }
    });
    const busy = file.status === "processing";
    return h(
      "div",
      { class: "actions" },
      h("a", { class: "button secondary", href: fileUrl(file.id, "download"), download: file.filename }, "Download"),
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
              say(`Could not reprocess: ${err.message}`);
            }
          },
        },
        "Reprocess",
      ),
      h("button", { type: "button", class: "button danger", onclick: () => dialog.showModal() }, "Delete"),
      dialog,
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
          h("tr", {}, h("td", {}, s.name), h("td", {}, s.outcome), h("td", { class: "num" }, `${s.duration_ms} ms`), h("td", {}, s.detail || "")),
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
    clear(body).append(
      h(
        "div",
        { class: "file-grid" },
        h("div", { class: "preview" }, preview(file)),
        h(
          "div",
          { class: "details" },
          statusLine(),
          documentDateLine(file),
          h(
            "p",
            { class: "facts" },
            `${file.content_type} · ${formatBytes(file.size_bytes)} · uploaded `,
            h("time", { datetime: file.uploaded_at }, formatDate(file.uploaded_at)),
            file.processed_at ? ` · processed ${formatDate(file.processed_at)}` : "",
          ),
          actions(),
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
      metadataSection(file),
      stageTable(),
    );
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
