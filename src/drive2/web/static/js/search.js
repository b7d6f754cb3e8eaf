// Search as you type: hybrid search, debounced, results with the query words marked.
import { api } from "./api.js";
import { clear, h, highlight, kindLabel, queryTerms } from "./dom.js";

const DEBOUNCE_MS = 250;
const WHY = {
  name: "file name",
  tag: "tag",
  phrase: "exact phrase",
  keyword: "words",
  semantic: "meaning",
};

// "Matched: file name · words · meaning": why the result was found, from the API's matched.
function why(item) {
  const reasons = (item.matched || []).filter((m) => m in WHY).map((m) => WHY[m]);
  return reasons.length ? `Matched: ${reasons.join(" · ")}` : "";
}

export function setUpSearch(input, panel, go) {
  let timer = 0;
  let controller = null;
  let lastQuery = "";

  function close() {
    panel.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function links() {
    return [...panel.querySelectorAll("a.result, a.citation")];
  }

  function show(query, items) {
    clear(panel);
    const terms = queryTerms(query);
    if (!items.length) {
      panel.append(h("p", { class: "empty" }, `Nothing found for “${query}”.`));
    } else {
      panel.append(
        h(
          "ul",
          { "aria-label": `Results for ${query}` },
          items.map((item) =>
            h(
              "li",
              {},
              h(
                "a",
                { class: "result", href: `#/files/${item.file_id}`, dataset: { fileId: item.file_id } },
                h("span", { class: "thumb-kind thumb-tiny", "aria-hidden": "true" }, kindLabel(item.content_type)),
                h(
                  "span",
                  { class: "result-text" },
                  h("span", { class: "result-name" }, highlight(item.filename, terms)),
                  h("span", { class: "snippet" }, highlight(item.snippet, terms)),
                  h("span", { class: "why", title: `score ${item.score}` }, why(item)),
                ),
              ),
            ),
          ),
        ),
      );
    }
    panel.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function run(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    // Said at once, so a slow answer is not mistaken for "nothing found".
    clear(panel).append(h("p", { class: "searching", role: "status" }, "Searching…"));
    panel.setAttribute("aria-busy", "true");
    panel.hidden = false;
    try {
      const params = new URLSearchParams({ q: query, mode: "hybrid", limit: "10" });
      const body = await api(`/search?${params}`, { signal: controller.signal });
      if (query === lastQuery) show(query, body.items);
    } catch (err) {
      if (err.name === "AbortError") return;
      clear(panel).append(h("p", { class: "form-error" }, `Search failed: ${err.message}`));
      panel.hidden = false;
    } finally {
      if (query === lastQuery) panel.removeAttribute("aria-busy");
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    if (input.dataset.mode === "ask") return; // ask.js answers on Enter instead
    const query = input.value.trim();
    lastQuery = query;
    if (!query) {
      close();
      return;
    }
    timer = window.setTimeout(() => run(query), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (input.dataset.mode === "ask") return;
    const found = links();
    if (event.key === "ArrowDown" && found.length) {
      event.preventDefault();
      found[0].focus();
    } else if (event.key === "Enter" && found.length) {
      event.preventDefault();
      go(found[0].getAttribute("href"));
    } else if (event.key === "Escape") {
      close();
    }
  });

  panel.addEventListener("keydown", (event) => {
    const found = links();
    const index = found.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && index < found.length - 1) {
      event.preventDefault();
      found[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index > 0 ? found[index - 1] : input).focus();
    } else if (event.key === "Escape") {
      close();
      input.focus();
    }
  });

  panel.addEventListener("click", (event) => {
    if (event.target.closest("a.result, a.citation")) close();
  });

  document.addEventListener("click", (event) => {
    if (!event.target.closest("#search")) close();
  });

  return { close };
}
