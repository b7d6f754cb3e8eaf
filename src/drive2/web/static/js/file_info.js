// Parts of a file's page that explain the file: warnings from processing, the key date,
// metadata in plain words, and the extracted text.
import { apiRaw } from "./api.js";
import { clear, formatDate, h } from "./dom.js";
import { GROUP_TITLES, hasWarnings, keyDate, metadataRows, skippedStages } from "./format.js";
import { formatDay } from "./money.js";

const TEXT_PREVIEW_CHARS = 20_000;
const texts = new Map(); // "id:processed_at" -> the text, so a re-render does not fetch again

export function section(title, ...children) {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

// "Completed with warnings", and why, at the top of the page.
export function warningsBox(file) {
  if (!hasWarnings(file)) return null;
  return h(
    "div",
    { class: "warning-box", role: "status", id: "file-warnings" },
    h("strong", {}, "Completed with warnings"),
    h(
      "ul",
      {},
      skippedStages(file).map(({ what, why }) => h("li", {}, what, why ? h("span", { class: "why" }, ` (${why})`) : null)),
    ),
  );
}

export function keyDateLine(file) {
  const found = keyDate(file);
  if (!found) return null;
  const when = /T/.test(found.value) ? formatDate(found.value) : formatDay(found.value);
  // The document's own date (a slip's, an invoice's) is a calendar day, read as written.
  const id = found.value === file.document_date ? "document-date" : null;
  return h("p", { class: "key-date", id: "key-date" }, `${found.label} `, h("time", { datetime: found.value, id }, when));
}

const THAI_COUNTRY_WORDS = ["ประเทศ", "สาธารณรัฐ", "สหพันธรัฐ", "หมู่เกาะ", "เกาะ", "นคร", "ราช"];

// Where the picture was taken, in English and in Thai as the summary writes it.
function placeBlock(place) {
  if (!place || typeof place.name !== "string") return null;
  const english = [place.name];
  if (place.admin1 && !place.name.includes(place.admin1)) english.push(place.admin1);
  english.push(place.country);
  // "เชียงใหม่ ประเทศไทย" (ประเทศ, "country", unless the name says it).
  const country = THAI_COUNTRY_WORDS.some((w) => (place.country_th || "").startsWith(w))
    ? place.country_th
    : `ประเทศ${place.country_th}`;
  const thai = [place.name_th || place.name, place.admin1_th]
    .filter((part, i, parts) => part && !parts.slice(0, i).some((p) => p && p.includes(part)))
    .concat([country]);
  return h(
    "div",
    { class: "meta-group place" },
    h("h3", {}, "Place"),
    h("p", { class: "place-name" }, english.join(", ")),
    place.country_th ? h("p", { class: "place-name", lang: "th" }, thai.join(" ")) : null,
  );
}

const KINDS = { photo: "Photo", screenshot: "Screenshot", document: "Picture of a document" };

function pictureBlock(picture) {
  if (!picture || !picture.kind) return null;
  const labels = (picture.labels || []).map((l) => `${l.label} (${l.label_th}) ${Math.round(l.score * 100)}%`);
  return h(
    "div",
    { class: "meta-group picture" },
    h("h3", {}, "In the picture"),
    h("dl", {},
      h("dt", {}, "Kind"), h("dd", {}, KINDS[picture.kind] || picture.kind),
      h("dt", {}, "Labels"), h("dd", {}, labels.length ? labels.join(", ") : "none confident enough"),
    ),
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

function group(title, rows) {
  if (!rows.length) return null;
  return h(
    "div",
    { class: "meta-group" },
    h("h3", {}, title),
    h("dl", {}, rows.flatMap(([label, text]) => [h("dt", {}, label), h("dd", {}, text)])),
  );
}

const NOT_METADATA = new Set(["gps", "skipped_stages", "place", "picture"]);

export function metadataSection(file) {
  const meta = file.metadata || {};
  const titled = new Set(GROUP_TITLES.map(([key]) => key));
  const other = Object.entries(meta).filter(
    ([key, value]) => !titled.has(key) && !NOT_METADATA.has(key) && (typeof value !== "object" || value === null),
  );
  const blocks = [
    placeBlock(meta.place),
    pictureBlock(meta.picture),
    gpsBlock(meta.gps),
    ...GROUP_TITLES.map(([key, title]) => group(title, metadataRows(key, meta[key]))),
    group("Other", metadataRows("other", Object.fromEntries(other))),
  ].filter(Boolean);
  return section("Details", blocks.length ? blocks : h("p", { class: "empty" }, "No details yet."));
}

// The whole extracted text, loaded when the section is shown.
export function textSection(file) {
  const body = h("div", { class: "file-text-wrap" }, h("p", { class: "empty" }, "Loading the text…"));
  const panel = section("Text", body);
  if (file.status !== "completed") {
    clear(body).append(h("p", { class: "empty" }, "The text appears when processing ends."));
    return panel;
  }
  const key = `${file.id}:${file.processed_at}`;
  const loading = texts.has(key)
    ? Promise.resolve(texts.get(key))
    : apiRaw(`/files/${encodeURIComponent(file.id)}/text`).then((r) => r.text());
  loading
    .then((text) => {
      texts.set(key, text);
      clear(body);
      if (!text.trim()) {
        body.append(h("p", { class: "empty" }, "No text was found in this file."));
        return;
      }
      const pre = h("pre", { class: "file-text", id: "file-text", tabindex: "0", "aria-label": "The text of the file" });
      pre.textContent = text.slice(0, TEXT_PREVIEW_CHARS);
      body.append(pre);
      if (text.length > TEXT_PREVIEW_CHARS) {
        const more = h("button", { type: "button", class: "button secondary" }, `Show all ${text.length.toLocaleString()} characters`);
        more.addEventListener("click", () => {
          pre.textContent = text;
          more.remove();
        });
        body.append(more);
      }
    })
    .catch((err) => {
      clear(body).append(h("p", { class: "form-error" }, `Could not load the text: ${err.message}`));
    });
  return panel;
}
