// While the workers re-embed every file for a new embedding model, a quiet line in the header
// says how far they are (GET /api/v1/search/status); search keeps answering from the old
// model meanwhile, so nothing else changes for the user. Gone once the new model serves.
import { api } from "./api.js";

const EVERY_MS = 15_000;
let timer = null;

function show(line, status) {
  const building = status && (status.state === "building" || status.state === "pending");
  line.hidden = !building;
  if (building) {
    line.textContent = `Improving search: ${status.percent}% of files re-read (${status.files_done} of ${status.files_total})`;
  }
  return building;
}

export function watchReindex() {
  const line = document.getElementById("reindex");
  if (!line || timer !== null) return;
  const check = async () => {
    timer = null;
    let status = null;
    try {
      status = await api("/search/status");
    } catch {
      status = null; // signed out or the server busy: look again later
    }
    if (show(line, status) || status === null) timer = setTimeout(check, EVERY_MS);
  };
  check();
}

export function stopWatchingReindex() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  const line = document.getElementById("reindex");
  if (line) line.hidden = true;
}
