// Small DOM helpers. Text always goes in as text nodes, never as HTML, so file names,
// snippets and metadata from uploaded files cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Binary units throughout (a 50 GiB quota reads "50 GiB"), named as such.
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes) {
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? String(iso) : dateFormat.format(when);
}

// The words of a query, longest first so a longer match wins over its own prefix.
export function queryTerms(query) {
  const words = String(query || "")
    .toLowerCase()
    .split(/[\s,.;:!?"'()[\]{}]+/u)
    .filter((w) => w.length > 0);
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The text with each query word wrapped in <mark>, built from text nodes only.
export function highlight(text, terms) {
  const fragment = document.createDocumentFragment();
  const source = String(text || "");
  if (!terms.length) {
    fragment.append(source);
    return fragment;
  }
  const pattern = new RegExp(terms.map(escapeRegExp).join("|"), "giu");
  let last = 0;
  for (const match of source.matchAll(pattern)) {
    if (match[0].length === 0) continue;
    fragment.append(source.slice(last, match.index));
    fragment.append(h("mark", {}, match[0]));
    last = match.index + match[0].length;
  }
  fragment.append(source.slice(last));
  return fragment;
}

export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node makes screen readers read the same message again.
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

export function kindOf(contentType) {
  const type = String(contentType || "");
  if (type.startsWith("image/")) return "image";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("text/")) return "text";
  if (/officedocument|opendocument|msword|ms-excel|ms-powerpoint|rtf/.test(type)) return "document";
  return "file";
}

const KIND_LABEL = {
  image: "IMG",
  pdf: "PDF",
  video: "VID",
  audio: "AUD",
  text: "TXT",
  document: "DOC",
  file: "FILE",
};

export function kindLabel(contentType) {
  return KIND_LABEL[kindOf(contentType)];
}
