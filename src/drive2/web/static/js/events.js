// The live status stream: one EventSource per signed-in page, fanned out to the views.

const listeners = new Set();
let source = null;

export function onFileChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Views learn of their own changes (an upload, a rename) the same way as of the worker's.
export function publish(file) {
  for (const listener of [...listeners]) listener(file);
}

export function connectEvents() {
  if (source) return;
  // The browser reconnects on its own and resumes with Last-Event-ID.
  source = new EventSource("/api/v1/files/events", { withCredentials: true });
  source.addEventListener("file", (event) => {
    try {
      publish(JSON.parse(event.data));
    } catch {
      // a malformed event is dropped; the next one carries the full state again
    }
  });
  source.addEventListener("open", () => document.body.classList.remove("offline"));
  source.addEventListener("error", () => document.body.classList.add("offline"));
}

export function disconnectEvents() {
  if (source) source.close();
  source = null;
}
