// The drive: upload (picker and drag and drop, with progress), filters, sorting, paging,
// a grid and a list view, all kept up to date by the live status stream.
import { api, fileUrl } from "./api.js";
import { bulkBar, downloadZip, runBulk } from "./bulk.js";
import { announce, clear, formatBytes, formatDate, h, kindLabel } from "./dom.js";
import { onFileChange } from "./events.js";
import { shortType } from "./format.js";
import { createSelection, selectBox, syncBoxes } from "./select.js";
import { progressBar, statusBadge } from "./status.js";
import { startUploads } from "./uploads.js";

const PAGE_SIZE = 48;

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

function card(file, selection) {
  return h(
    "li",
    { class: `card${selection.has(file.id) ? " selected" : ""}`, dataset: { fileId: file.id, status: file.status } },
    h("span", { class: "card-select" }, selectBox(file, selection)),
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

function row(file, selection) {
  return h(
    "tr",
    { class: selection.has(file.id) ? "selected" : null, dataset: { fileId: file.id, status: file.status } },
    h("td", { class: "select-cell" }, selectBox(file, selection)),
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
    h("td", { "data-label": "Type", title: file.content_type }, shortType(file.content_type)),
    h("td", { "data-label": "Size", class: "num" }, formatBytes(file.size_bytes)),
    h(
      "td",
      { "data-label": "Uploaded" },
      h("time", { datetime: file.uploaded_at }, formatDate(file.uploaded_at)),
    ),
    h("td", { "data-label": "Status" }, statusBadge(file), progressBar(file)),
  );
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
  const selection = createSelection(() => {
    syncBoxes(items, selection);
    bar.update([...files.keys()]);
  });
  selection.setOrder(() => [...files.keys()]);
  const bar = bulkBar(selection, {
    withTags: true,
    onDone: () => load(),
    actions: [
      { label: "Move to trash", run: (ids) => runBulk("trash", ids) },
      { label: "Reprocess", run: (ids) => runBulk("reprocess", ids) },
      {
        label: "Download zip",
        keepSelection: true,
        run: async (ids) => {
          await downloadZip(ids);
          return `A zip of ${ids.length === 1 ? "1 file" : `${ids.length} files`} is downloading.`;
        },
      },
    ],
  });

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
  const items = h("div", { class: "items", id: "items" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });

  const root = h(
    "section",
    { class: "drive", "aria-labelledby": "drive-heading" },
    h(
      "div",
      { class: "drive-head" },
      h("div", {}, heading, count),
      h("div", { class: "head-actions" }, h("a", { class: "button secondary", href: "#/trash" }, "Trash"), uploadButton),
      picker,
    ),
    h("div", { class: "drive-tools" }, filters, viewSwitch),
    dropHint,
    bar.element,
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
            h(
              "tr",
              {},
              h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Select")),
              ["Name", "Type", "Size", "Uploaded", "Status"].map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          h("tbody", {}, list.map((f) => row(f, selection))),
        ),
      );
    } else {
      items.append(h("ul", { class: "grid" }, list.map((f) => card(f, selection))));
    }
    renderCount();
    renderPager();
    selection.keepOnly([...files.keys()]);
    bar.update([...files.keys()]);
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
    old.replaceWith(state.view === "list" ? row(file, selection) : card(file, selection));
    return true;
  }

  function upsert(file) {
    // The stream may have brought a newer state before the upload's own answer arrived.
    if (file.local && files.has(file.id)) return;
    if (file.trashed_at) {
      // Moved to the trash (here, in another tab, or from LINE): it leaves the drive.
      if (files.delete(file.id)) {
        total = Math.max(0, total - 1);
        render();
      }
      return;
    }
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

  const enqueue = (list) => startUploads(list, ctx);
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
