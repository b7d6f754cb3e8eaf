// The drive: upload (picker and drag and drop, with progress), filters, sorting, paging,
// a grid and a list view, all kept up to date by the live status stream.
import { api, fileUrl, uploadFile } from "./api.js";
import { announce, clear, formatBytes, formatDate, h, kindLabel } from "./dom.js";
import { onFileChange, publish } from "./events.js";
import { progressBar, statusBadge } from "./status.js";

const PAGE_SIZE = 48;
const PARALLEL_UPLOADS = 3;

export const TYPES = [
  ["", "All types"],
  ["image", "Images"],
  ["application/pdf", "PDFs"],
  [
    "vnd.openxmlformats-officedocument,vnd.oasis.opendocument,msword,vnd.ms-excel," +
      "vnd.ms-powerpoint,rtf",
    "Documents",
  ],
  ["text", "Text"],
  ["video", "Video"],
  ["audio", "Audio"],
];
const STATUSES = [
  ["", "Any status"],
  ["pending", "Pending"],
  ["processing", "Processing"],
  ["completed", "Completed"],
  ["failed", "Failed"],
];
const SORTS = [
  ["-uploaded_at", "Newest first"],
  ["uploaded_at", "Oldest first"],
  ["filename", "Name A–Z"],
  ["-filename", "Name Z–A"],
  ["-size_bytes", "Largest first"],
  ["size_bytes", "Smallest first"],
  ["-document_date", "Date (newest)"],
  ["document_date", "Date (oldest)"],
];

function select(id, label, options, value) {
  const el = h(
    "select",
    { id, name: id },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
  );
  return h("div", { class: "field compact" }, h("label", { for: id }, label), el);
}

export function thumbnail(file, size = "small") {
  if (file.has_thumbnail) {
    const version = encodeURIComponent(file.processed_at || file.uploaded_at || "");
    return h("img", {
      class: `thumb-img thumb-${size}`,
      src: `${fileUrl(file.id, "thumbnail")}?v=${version}`,
      alt: "",
      loading: "lazy",
      decoding: "async",
    });
  }
  return h("span", { class: `thumb-kind thumb-${size}`, "aria-hidden": "true" }, kindLabel(file.content_type));
}

function card(file) {
  return h(
    "li",
    { class: "card", dataset: { fileId: file.id, status: file.status } },
    h(
      "a",
      { class: "card-link", href: `#/files/${file.id}` },
      h("span", { class: "thumb" }, thumbnail(file)),
      h("span", { class: "name", title: file.filename }, file.filename),
    ),
    h(
      "span",
      { class: "meta" },
      `${formatBytes(file.size_bytes)} · `,
      h("time", { datetime: file.uploaded_at }, formatDate(file.uploaded_at)),
    ),
    h("span", { class: "status" }, statusBadge(file), progressBar(file)),
  );
}

function row(file) {
  return h(
    "tr",
    { dataset: { fileId: file.id, status: file.status } },
    h(
      "td",
      {},
      h(
        "div",
        { class: "name-cell" },
        h("span", { class: "thumb" }, thumbnail(file, "tiny")),
        h("a", { href: `#/files/${file.id}` }, file.filename),
      ),
    ),
    h("td", { "data-label": "Type" }, file.content_type),
    h("td", { "data-label": "Size", class: "num" }, formatBytes(file.size_bytes)),
    h(
      "td",
      { "data-label": "Uploaded" },
      h("time", { datetime: file.uploaded_at }, formatDate(file.uploaded_at)),
    ),
    h("td", { "data-label": "Status" }, statusBadge(file), progressBar(file)),
  );
}

// What the upload answer says, shaped like a file until the stream brings the full row.
function pendingFile(body) {
  return {
    id: body.file_id,
    filename: body.filename,
    content_type: body.content_type,
    size_bytes: body.size_bytes,
    status: body.status,
    progress: 0,
    stage: "queued",
    uploaded_at: new Date().toISOString(),
    processed_at: null,
    has_thumbnail: false,
    local: true,
  };
}

export function driveView(params, ctx) {
  const state = {
    type: params.get("type") || "",
    status: params.get("status") || "",
    tag: params.get("tag") || "",
    sort: params.get("sort") || "-uploaded_at",
    page: Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1),
    view: params.get("view") || localStorage.getItem("drive2.view") || "grid",
  };
  const files = new Map();
  let total = 0;

  const picker = h("input", {
    type: "file",
    id: "file-picker",
    multiple: true,
    class: "visually-hidden",
    tabindex: "-1",
    "aria-hidden": "true",
  });
  const uploadButton = h(
    "button",
    { type: "button", class: "button primary", onclick: () => picker.click() },
    "Upload files",
  );
  const heading = h("h1", { id: "drive-heading" }, "My files");
  const count = h("span", { class: "count", id: "file-count" });

  const filters = h(
    "form",
    { class: "filters", "aria-label": "Filter and sort files" },
    select("filter-type", "Type", TYPES, state.type),
    select("filter-status", "Status", STATUSES, state.status),
    h(
      "div",
      { class: "field compact" },
      h("label", { for: "filter-tag" }, "Tag"),
      h("input", {
        id: "filter-tag",
        type: "search",
        value: state.tag,
        placeholder: "any tag",
        maxlength: "128",
      }),
    ),
    select("sort", "Sort", SORTS, state.sort),
  );
  const gridButton = h("button", { type: "button", class: "toggle", "aria-pressed": String(state.view === "grid") }, "Grid");
  const listButton = h("button", { type: "button", class: "toggle", "aria-pressed": String(state.view === "list") }, "List");
  const viewSwitch = h("div", { class: "view-switch", role: "group", "aria-label": "View" }, gridButton, listButton);

  const dropHint = h(
    "div",
    { class: "drop-hint", id: "drop-zone" },
    h("p", {}, "Drag files here to upload them, or ", h("button", { type: "button", class: "link-button", onclick: () => picker.click() }, "choose files"), "."),
  );
  const uploads = h("ul", { class: "uploads", id: "uploads", "aria-label": "Uploads" });
  const items = h("div", { class: "items", id: "items" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });

  const root = h(
    "section",
    { class: "drive", "aria-labelledby": "drive-heading" },
    h("div", { class: "drive-head" }, h("div", {}, heading, count), uploadButton, picker),
    h("div", { class: "drive-tools" }, filters, viewSwitch),
    dropHint,
    uploads,
    items,
    pager,
  );

  function navigate(changes) {
    const next = { ...state, ...changes };
    const query = new URLSearchParams();
    for (const key of ["type", "status", "tag", "sort", "page", "view"]) {
      const value = String(next[key] ?? "");
      const isDefault =
        (key === "sort" && value === "-uploaded_at") || (key === "page" && value === "1") || value === "";
      if (!isDefault) query.set(key, value);
    }
    const text = query.toString();
    ctx.go(text ? `#/?${text}` : "#/");
  }

  filters.addEventListener("change", (event) => {
    const id = event.target.id;
    if (id === "filter-type") navigate({ type: event.target.value, page: 1 });
    if (id === "filter-status") navigate({ status: event.target.value, page: 1 });
    if (id === "sort") navigate({ sort: event.target.value, page: 1 });
    if (id === "filter-tag") navigate({ tag: event.target.value.trim(), page: 1 });
  });
  filters.addEventListener("submit", (event) => event.preventDefault());
  for (const [button, view] of [[gridButton, "grid"], [listButton, "list"]]) {
    button.addEventListener("click", () => {
      localStorage.setItem("drive2.view", view);
      navigate({ view });
    });
  }

  function isDefaultListing() {
    return state.page === 1 && state.sort === "-uploaded_at" && !state.type && !state.status && !state.tag;
  }

  function renderCount() {
    count.textContent = total === 1 ? "1 file" : `${total.toLocaleString()} files`;
  }

  function render() {
    clear(items);
    const list = [...files.values()];
    if (!list.length) {
      items.append(
        h("p", { class: "empty" }, isDefaultListing() ? "No files yet. Upload some to get started." : "No files match these filters."),
      );
    } else if (state.view === "list") {
      items.append(
        h(
          "table",
          { class: "file-table" },
          h("caption", { class: "visually-hidden" }, "Your files"),
          h(
            "thead",
            {},
            h("tr", {}, ["Name", "Type", "Size", "Uploaded", "Status"].map((c) => h("th", { scope: "col" }, c))),
          ),
          h("tbody", {}, list.map(row)),
        ),
      );
    } else {
      items.append(h("ul", { class: "grid" }, list.map(card)));
    }
    renderCount();
    renderPager();
  }

  function renderPager() {
    clear(pager);
    if (total <= PAGE_SIZE && state.page === 1) return;
    const first = (state.page - 1) * PAGE_SIZE + 1;
    const last = Math.min(total, state.page * PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    pager.append(
      h("button", { type: "button", class: "button secondary", disabled: state.page <= 1, onclick: () => navigate({ page: state.page - 1 }) }, "Previous"),
      h("span", { class: "range" }, `${first}–${last} of ${total.toLocaleString()} · page ${state.page} of ${pages}`),
      h("button", { type: "button", class: "button secondary", disabled: state.page >= pages, onclick: () => navigate({ page: state.page + 1 }) }, "Next"),
    );
  }

  function replaceOne(file) {
    const old = items.querySelector(`[data-file-id="${CSS.escape(file.id)}"]`);
    if (!old) return false;
    old.replaceWith(state.view === "list" ? row(file) : card(file));
    return true;
  }

  function upsert(file) {
    // The stream may have brought a newer state before the upload's own answer arrived.
    if (file.local && files.has(file.id)) return;
    if (files.has(file.id)) {
      files.set(file.id, { ...files.get(file.id), ...file });
      if (!replaceOne(files.get(file.id))) render();
      return;
    }
    if (!isDefaultListing()) return;
    // A new file (uploaded here or in another tab) goes first, as the newest one.
    const entries = [[file.id, file], ...files.entries()].slice(0, PAGE_SIZE);
    files.clear();
    for (const [id, value] of entries) files.set(id, value);
    total += 1;
    render();
  }

  async function load() {
    const query = new URLSearchParams({
      limit: String(PAGE_SIZE),
      offset: String((state.page - 1) * PAGE_SIZE),
    });
    if (state.type) query.set("type", state.type);
    if (state.status) query.set("status", state.status);
    if (state.tag) query.set("tag", state.tag);
    if (state.sort !== "-uploaded_at") query.set("sort", state.sort);
    clear(items).append(h("p", { class: "empty" }, "Loading…"));
    try {
      const body = await api(`/files?${query}`);
      files.clear();
      for (const file of body.items) files.set(file.id, file);
      total = body.total;
      render();
    } catch (err) {
      clear(items).append(h("p", { class: "form-error", role: "alert" }, `Could not load your files: ${err.message}`));
    }
  }

  // --- uploads ------------------------------------------------------------------------------
  const queue = [];
  let running = 0;

  function uploadRow(file) {
    const bar = h("progress", { max: "100", value: "0", "aria-label": `Upload progress of ${file.name}` });
    const note = h("span", { class: "upload-note" }, "waiting");
    const li = h("li", { class: "upload" }, h("span", { class: "upload-name" }, file.name), bar, note);
    uploads.prepend(li);
    return { li, bar, note };
  }

  async function runUpload(file, view) {
    view.note.textContent = "0%";
    try {
      const body = await uploadFile(file, (fraction) => {
        const percent = Math.round(fraction * 100);
        view.bar.value = percent;
        view.note.textContent = `${percent}%`;
      });
      view.bar.value = 100;
      view.li.classList.add("done");
      if (body.duplicate) {
        view.note.textContent = "already in your drive";
      } else {
        view.note.textContent = "uploaded";
        publish(pendingFile(body));
      }
      announce(`${file.name} uploaded`);
      ctx.refreshStorage();
      window.setTimeout(() => view.li.remove(), 6000);
    } catch (err) {
      view.li.classList.add("failed");
      view.note.textContent = err.status === 413 ? `too large: ${err.message}` : err.message;
      announce(`${file.name} could not be uploaded: ${err.message}`);
    }
  }

  function pump() {
    while (running < PARALLEL_UPLOADS && queue.length) {
      const [file, view] = queue.shift();
      running += 1;
      runUpload(file, view).finally(() => {
        running -= 1;
        pump();
      });
    }
  }

  function enqueue(fileList) {
    for (const file of fileList) queue.push([file, uploadRow(file)]);
    pump();
  }

  picker.addEventListener("change", () => {
    enqueue([...picker.files]);
    picker.value = "";
  });

  let dragDepth = 0;
  root.addEventListener("dragenter", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    dragDepth += 1;
    root.classList.add("dragging");
  });
  root.addEventListener("dragover", (event) => {
    if ([...event.dataTransfer.types].includes("Files")) event.preventDefault();
  });
  root.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) root.classList.remove("dragging");
  });
  root.addEventListener("drop", (event) => {
    event.preventDefault();
    dragDepth = 0;
    root.classList.remove("dragging");
    if (event.dataTransfer.files.length) enqueue([...event.dataTransfer.files]);
  });

  const unsubscribe = onFileChange((file) => {
    const known = files.get(file.id);
    upsert(file);
    if (known && known.status !== file.status && (file.status === "completed" || file.status === "failed")) {
      announce(`${file.filename} ${file.status}`);
    }
  });

  load();
  return { element: root, destroy: unsubscribe, focus: heading };
}
