// Ask mode beside search: the question goes to GET /ask on Enter; the answer is shown with
// its sources as cards that open the file page at the quoted passage.
import { api } from "./api.js";
import { announce, clear, h } from "./dom.js";

const PLACEHOLDERS = {
  search: "Search files by words or meaning",
  ask: "Ask a question about your files",
};

function citationCard(citation, index) {
  const params = new URLSearchParams({ quote: citation.quote });
  return h(
    "li",
    {},
    h(
      "a",
      { class: "citation", href: `#/files/${citation.file_id}?${params}`, dataset: { fileId: citation.file_id } },
      h("span", { class: "citation-name" }, `${index + 1}. ${citation.filename}`),
      h("q", { class: "citation-quote" }, citation.quote),
    ),
  );
}

function answerView(question, body) {
  const mode = body.mode === "extractive" ? "quoted from your files" : `written by ${body.mode} from your files`;
  return h(
    "section",
    { class: "answer", "aria-label": `Answer to ${question}` },
    h("p", { class: body.found ? "answer-text" : "answer-text empty", id: "answer-text" }, body.answer),
    body.found ? h("p", { class: "hint" }, `Answer ${mode}.`) : null,
    body.citations.length
      ? h("ol", { class: "citations", "aria-label": "Sources" }, body.citations.map(citationCard))
      : null,
  );
}

export function setUpAsk(input, panel, toggle) {
  let controller = null;

  function setMode(mode) {
    input.dataset.mode = mode;
    // The button names what it switches to; its look says which mode is on.
    toggle.dataset.mode = mode;
    toggle.textContent = mode === "ask" ? "Search" : "Ask";
    toggle.title = mode === "ask" ? "Back to searching your files" : "Ask a question about your files instead of searching";
    input.placeholder = PLACEHOLDERS[mode];
    input.setAttribute("aria-label", mode === "ask" ? "Ask your files" : "Search your files");
    panel.hidden = true;
    input.focus();
  }

  async function askNow(question) {
    if (controller) controller.abort();
    controller = new AbortController();
    clear(panel).append(h("p", { class: "hint", role: "status" }, "Looking through your files…"));
    panel.hidden = false;
    try {
      const params = new URLSearchParams({ q: question, limit: "3" });
      const body = await api(`/ask?${params}`, { signal: controller.signal });
      clear(panel).append(answerView(question, body));
      announce(body.found ? `Answer: ${body.answer}` : body.answer);
    } catch (err) {
      if (err.name === "AbortError") return;
      clear(panel).append(h("p", { class: "form-error" }, `Could not answer: ${err.message}`));
    }
  }

  toggle.addEventListener("click", () => setMode(input.dataset.mode === "ask" ? "search" : "ask"));
  input.addEventListener("keydown", (event) => {
    if (input.dataset.mode !== "ask") return;
    const first = panel.querySelector("a.citation");
    if (event.key === "Enter" && input.value.trim()) {
      event.preventDefault();
      askNow(input.value.trim());
    } else if (event.key === "ArrowDown" && first && !panel.hidden) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Escape") {
      panel.hidden = true;
    }
  });
  setMode("search");
  input.blur();
}
