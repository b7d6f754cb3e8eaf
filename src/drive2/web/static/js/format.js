// Words for people: short file types, processing stages and metadata, instead of MIME
// types, stage ids and internal keys.
import { formatDate } from "./dom.js";

const TYPES = [
  [/^image\//, "Photo"],
  [/^video\//, "Video"],
  [/^audio\//, "Audio"],
  [/^application\/pdf$/, "PDF"],
  [/wordprocessingml|^application\/msword$|opendocument\.text|^application\/rtf$/, "Word"],
  [/spreadsheetml|^application\/vnd\.ms-excel$|opendocument\.spreadsheet|^text\/csv$/, "Spreadsheet"],
  [/presentationml|^application\/vnd\.ms-powerpoint$|opendocument\.presentation/, "Slides"],
  [/^message\/rfc822$/, "Email"],
  [/^text\/html$/, "Web page"],
  [/^text\//, "Text"],
  [/zip|compressed|x-tar|gzip/, "Archive"],
];

export function shortType(contentType) {
  const type = String(contentType || "").split(";")[0].trim().toLowerCase();
  for (const [pattern, label] of TYPES) if (pattern.test(type)) return label;
  return "File";
}

const STAGES = {
  queued: "waiting",
  starting: "starting",
  "waiting to retry": "waiting to try again",
  detect_type: "checking the file",
  metadata: "reading details",
  extract_text: "reading text",
  ocr: "recognising text",
  thumbnail: "making a preview",
  preview: "making a preview",
  ai_analysis: "summarising",
  embed: "indexing for search",
  done: "done",
};

export function stageLabel(stage) {
  if (!stage) return "";
  return STAGES[stage] || String(stage).replace(/_/g, " ");
}

// What a skipped stage means for the person looking at the file.
const SKIPPED = {
  metadata: "Details such as the date taken could not be read",
  extract_text: "The text could not be read",
  ocr: "Text could not be recognised in the images",
  thumbnail: "No preview image could be made",
  preview: "No preview could be made",
  ai_analysis: "No summary or tags could be made",
  embed: "Search by meaning does not cover this file",
};

export function skippedStages(file) {
  const skipped = (file.metadata && file.metadata.skipped_stages) || {};
  return Object.entries(skipped).map(([stage, reason]) => ({
    what: SKIPPED[stage] || `The ${stageLabel(stage)} step was skipped`,
    why: String(reason || ""),
  }));
}

export function hasWarnings(file) {
  return file.status === "completed" && skippedStages(file).length > 0;
}

// --- metadata -----------------------------------------------------------------------------

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function duration(seconds) {
  const s = Math.round(Number(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function number(value) {
  return typeof value === "number" ? value.toLocaleString() : String(value);
}

function plain(value) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(plain).filter(Boolean).join(", ");
  if (typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}: ${plain(v)}`).join("; ");
  }
  if (typeof value === "string" && ISO_DATE.test(value) && value.length > 10) return formatDate(value);
  return number(value);
}

// Per group: [key, label, format?]; keys not named here are shown with a tidied name,
// except those in HIDDEN (limits and internals of the pipeline).
const LABELS = {
  exif: [
    ["taken_at", "Taken"],
    ["camera_make", "Camera make"],
    ["camera_model", "Camera"],
    ["lens_model", "Lens"],
    ["exposure_time", "Exposure", (v) => `${v} s`],
    ["f_number", "Aperture", (v) => `f/${v}`],
    ["iso", "ISO"],
    ["focal_length_mm", "Focal length", (v) => `${v} mm`],
  ],
  pdf: [
    ["title", "Title"],
    ["author", "Author"],
    ["subject", "Subject"],
    ["keywords", "Keywords"],
    ["created_at", "Created"],
    ["modified_at", "Modified"],
    ["page_count", "Pages"],
    ["creator", "Made with"],
    ["producer", "Saved by"],
  ],
  document: [
    ["title", "Title"],
    ["author", "Author"],
    ["last_modified_by", "Last edited by"],
    ["created_at", "Created"],
    ["modified_at", "Modified"],
    ["pages", "Pages"],
    ["words", "Words"],
    ["slides", "Slides"],
    ["sheets", "Sheets"],
  ],
  media: [
    ["duration_seconds", "Length", duration],
    ["created_at", "Recorded"],
    ["width", "Width", (v) => `${v} px`],
    ["height", "Height", (v) => `${v} px`],
    ["frame_rate", "Frame rate", (v) => `${Math.round(Number(v) * 100) / 100} fps`],
  ],
  image: [
    ["width", "Width", (v) => `${v} px`],
    ["height", "Height", (v) => `${v} px`],
  ],
  text: [
    ["pages", "Pages"],
    ["chars", "Characters"],
    ["truncated", "Length", (v) => (v ? "Very long: only the beginning is kept for search" : "")],
  ],
  ocr: [
    ["languages", "Languages", (v) => String(v).replace("eng", "English").replace("tha", "Thai").replace("+", ", ")],
    ["pages_ocr", "Pages recognised", (v) => (Array.isArray(v) ? v.join(", ") : plain(v))],
    ["pages_failed", "Pages not recognised", (v) => Object.keys(v || {}).join(", ")],
  ],
  other: [
    ["encrypted", "Protected by a password", (v) => (v ? "yes" : "")],
  ],
  email: [
    ["from", "From"],
    ["to", "To"],
    ["cc", "Cc"],
    ["subject", "Subject"],
    ["date", "Sent"],
    ["attachments", "Attachments"],
  ],
};

const HIDDEN = new Set([
  "detected_type",
  "max_chars",
  "extractor",
  "engine",
  "dpi",
  "seconds",
  "pages_over_cap",
  "orientation",
  "bit_rate",
  "format",
  "pdf_version",
  "pdfa",
  "revision",
  "rotation",
]);

export const GROUP_TITLES = [
  ["exif", "Camera"],
  ["pdf", "PDF properties"],
  ["document", "Document properties"],
  ["email", "Email"],
  ["media", "Video and audio"],
  ["image", "Image"],
  ["text", "Text"],
  ["ocr", "Text recognition"],
];

// [label, text] rows of one metadata group, in a sensible order, internals left out.
export function metadataRows(group, data) {
  if (!data || typeof data !== "object") return [];
  const known = LABELS[group] || [];
  const rows = [];
  for (const [key, label, format] of known) {
    if (!(key in data)) continue;
    const text = format ? format(data[key]) : plain(data[key]);
    if (text) rows.push([label, text]);
  }
  const named = new Set(known.map(([key]) => key));
  for (const [key, value] of Object.entries(data)) {
    if (named.has(key) || HIDDEN.has(key)) continue;
    const text = plain(value);
    if (text) rows.push([key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()), text]);
  }
  return rows;
}

// The date that matters most, for the top of the page: when a photo was taken, a recording
// made, a document written.
export function keyDate(file) {
  const meta = file.metadata || {};
  const pick = [
    [meta.exif && meta.exif.taken_at, "Taken"],
    [meta.media && meta.media.created_at, "Recorded"],
    [file.document_date, "Dated"],
    [meta.document && meta.document.created_at, "Written"],
    [meta.pdf && meta.pdf.created_at, "Created"],
    [meta.email && meta.email.date, "Sent"],
  ].find(([value]) => value);
  return pick ? { label: pick[1], value: pick[0] } : null;
}
