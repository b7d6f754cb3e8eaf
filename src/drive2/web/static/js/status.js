// The status badge and progress bar shared by the drive and the file page.
import { h } from "./dom.js";
import { hasWarnings, stageLabel } from "./format.js";

const LABEL = {
  pending: "Pending",
  processing: "Processing",
  completed: "Completed",
  failed: "Failed",
};

export function statusText(file) {
  const label = LABEL[file.status] || file.status;
  if (file.status === "processing") {
    const stage = stageLabel(file.stage);
    return `${label} ${file.progress}%${stage ? ` · ${stage}` : ""}`;
  }
  if (hasWarnings(file)) return "Completed with warnings";
  return label;
}

export function statusBadge(file) {
  const warn = hasWarnings(file);
  return h(
    "span",
    { class: `badge badge-${warn ? "warning" : file.status}`, dataset: { status: file.status } },
    statusText(file),
  );
}

export function progressBar(file) {
  if (file.status !== "processing" && file.status !== "pending") return null;
  return h("progress", {
    class: "status-progress",
    max: "100",
    value: String(file.progress || 0),
    "aria-label": `Processing progress of ${file.filename}`,
  });
}
