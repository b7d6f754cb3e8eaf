// Uploads, kept by the page rather than by one view: they go on (and stay in sight, in a
// panel at the bottom) while the user opens a file or the trash. Each can be cancelled while
// it waits or runs, and tried again after it failed or was cancelled. Leaving the page while
// any runs asks first.
import { uploadFile } from "./api.js";
import { announce, append, clear, h } from "./dom.js";
import { publish } from "./events.js";

const PARALLEL_UPLOADS = 3;
const DONE_FADE_MS = 8000;

const queue = [];
const rows = new Set();
let running = 0;
let panel = null;
let list = null;
let title = null;
let refreshStorage = () => {};

function busy() {
  return [...rows].some((row) => row.state === "waiting" || row.state === "running");
}

window.addEventListener("beforeunload", (event) => {
  if (!busy()) return;
  event.preventDefault();
  event.returnValue = ""; // the browser shows its own "leave the page?" question
});

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
    trashed_at: null,
    metadata: {},
    local: true,
  };
}

function ensurePanel() {
  if (panel) return;
  title = h("h2", { id: "uploads-title" }, "Uploads");
  const close = h(
    "button",
    { type: "button", class: "link-button", id: "uploads-close", onclick: closeFinished },
    "Clear finished",
  );
  list = h("ul", { class: "uploads", id: "uploads", "aria-labelledby": "uploads-title" });
  panel = h(
    "section",
    { class: "upload-panel", id: "upload-panel", "aria-labelledby": "uploads-title", hidden: true },
    h("div", { class: "upload-panel-head" }, title, close),
    list,
  );
  document.body.append(panel);
}

function update() {
  const active = [...rows].filter((r) => r.state === "waiting" || r.state === "running").length;
  title.textContent = active ? `Uploading ${active} of ${rows.size}` : "Uploads";
  panel.hidden = rows.size === 0;
}

function closeFinished() {
  for (const row of [...rows]) if (row.state !== "waiting" && row.state !== "running") remove(row);
}

function remove(row) {
  rows.delete(row);
  row.li.remove();
  update();
}

function setState(row, state, ...note) {
  row.state = state;
  row.li.dataset.state = state;
  row.li.classList.toggle("failed", state === "failed" || state === "cancelled");
  row.li.classList.toggle("done", state === "done" || state === "duplicate");
  append(clear(row.note), note);
  clear(row.buttons);
  if (state === "waiting" || state === "running") {
    row.buttons.append(
      h("button", { type: "button", class: "link-button", "aria-label": `Cancel upload of ${row.file.name}`, onclick: () => cancel(row) }, "Cancel"),
    );
  } else if (state === "failed" || state === "cancelled") {
    row.buttons.append(
      h("button", { type: "button", class: "link-button", "aria-label": `Retry upload of ${row.file.name}`, onclick: () => retry(row) }, "Retry"),
      h("button", { type: "button", class: "link-button", "aria-label": `Dismiss ${row.file.name}`, onclick: () => remove(row) }, "Dismiss"),
    );
  }
  update();
}

function cancel(row) {
  if (row.state === "waiting") {
    const at = queue.indexOf(row);
    if (at >= 0) queue.splice(at, 1);
    setState(row, "cancelled", "cancelled");
    announce(`Upload of ${row.file.name} cancelled`);
  } else if (row.controller) {
    row.controller.abort(); // runUpload sees the rejection and marks the row
  }
}

function retry(row) {
  row.bar.value = 0;
  setState(row, "waiting", "waiting");
  queue.push(row);
  pump();
}

async function runUpload(row) {
  row.controller = new AbortController();
  setState(row, "running", "0%");
  try {
    const body = await uploadFile(
      row.file,
      (fraction) => {
        const percent = Math.round(fraction * 100);
        row.bar.value = percent;
        if (row.state === "running") row.note.textContent = `${percent}%`;
      },
      row.controller.signal,
    );
    row.bar.value = 100;
    if (body.duplicate) {
      setState(
        row,
        "duplicate",
        "Already in your drive: ",
        h("a", { href: `#/files/${body.file_id}` }, body.filename),
      );
    } else {
      setState(row, "done", "uploaded");
      publish(pendingFile(body));
      window.setTimeout(() => {
        if (row.state === "done") remove(row);
      }, DONE_FADE_MS);
    }
    announce(`${row.file.name} uploaded`);
    refreshStorage();
  } catch (err) {
    if (row.controller.signal.aborted) {
      setState(row, "cancelled", "cancelled");
      announce(`Upload of ${row.file.name} cancelled`);
    } else {
      setState(row, "failed", err.status === 413 ? `too large: ${err.message}` : err.message);
      announce(`${row.file.name} could not be uploaded: ${err.message}`);
    }
  } finally {
    row.controller = null;
  }
}

function pump() {
  while (running < PARALLEL_UPLOADS && queue.length) {
    const row = queue.shift();
    running += 1;
    runUpload(row).finally(() => {
      running -= 1;
      pump();
    });
  }
}

export function startUploads(files, ctx) {
  if (ctx && ctx.refreshStorage) refreshStorage = ctx.refreshStorage;
  ensurePanel();
  for (const file of files) {
    const bar = h("progress", { max: "100", value: "0", "aria-label": `Upload progress of ${file.name}` });
    const note = h("span", { class: "upload-note" });
    const buttons = h("span", { class: "upload-buttons" });
    const li = h("li", { class: "upload" }, h("span", { class: "upload-name", title: file.name }, file.name), bar, note, buttons);
    const row = { file, li, bar, note, buttons, state: "waiting", controller: null };
    rows.add(row);
    list.prepend(li);
    setState(row, "waiting", "waiting");
    queue.push(row);
  }
  pump();
}

export function uploadsRunning() {
  return busy();
}
