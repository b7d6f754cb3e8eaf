// On a file's page opened from an answer: the quoted passage inside the file's text,
// marked, with some text around it, scrolled into view.
import { api, fileUrl } from "./api.js";
import { h } from "./dom.js";

const CONTEXT_CHARS = 400;

function squash(text) {
  return String(text || "").replace(/\s+/g, " ").trim();
}

// Where the quote is in the text, ignoring case and spacing; -1 when it is not there.
function locate(text, quote) {
  const flat = squash(text);
  const wanted = squash(quote).replace(/…$/u, "").replace(/^…/u, "");
  const at = flat.toLowerCase().indexOf(wanted.toLowerCase());
  return { flat, at, length: wanted.length };
}

export function passageSection(fileId, quote) {
  const holder = h("div", { class: "passage", id: "passage" }, h("p", { class: "hint" }, "Finding the passage…"));
  const section = h(
    "section",
    { class: "panel passage-panel", "aria-labelledby": "section-passage" },
    h("h2", { id: "section-passage" }, "Quoted passage"),
    holder,
  );
  (async () => {
    let text = "";
    try {
      const response = await fetch(fileUrl(fileId, "text"), { credentials: "same-origin" });
      text = response.ok ? await response.text() : "";
    } catch {
      text = "";
    }
    const { flat, at, length } = locate(text, quote);
    holder.textContent = "";
    if (at < 0) {
      holder.append(h("blockquote", {}, h("mark", {}, quote)));
      return;
    }
    const start = Math.max(0, at - CONTEXT_CHARS);
    const end = Math.min(flat.length, at + length + CONTEXT_CHARS);
    const mark = h("mark", { id: "quoted", tabindex: "-1" }, flat.slice(at, at + length));
    holder.append(
      h(
        "blockquote",
        {},
        start > 0 ? "…" : "",
        flat.slice(start, at),
        mark,
        flat.slice(at + length, end),
        end < flat.length ? "…" : "",
      ),
    );
    mark.scrollIntoView({ block: "center" });
  })();
  return section;
}
