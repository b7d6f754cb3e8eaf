// Choosing files: a checkbox on each, and shift-click to take every file between the last
// one clicked and this one (in the order they are shown).
import { h } from "./dom.js";

export function createSelection(onChange) {
  const selected = new Set();
  let anchor = null;
  let order = () => [];

  function set(id, on) {
    if (on) selected.add(id);
    else selected.delete(id);
  }

  return {
    // The ids in the order the view shows them, for ranges.
    setOrder(fn) {
      order = fn;
    },
    has: (id) => selected.has(id),
    size: () => selected.size,
    ids: () => {
      const shown = order().filter((id) => selected.has(id));
      return shown.length === selected.size ? shown : [...selected];
    },
    toggle(id, { shift = false, checked } = {}) {
      const on = checked === undefined ? !selected.has(id) : checked;
      const ids = order();
      const from = ids.indexOf(anchor);
      const to = ids.indexOf(id);
      if (shift && anchor !== null && from >= 0 && to >= 0) {
        for (const each of ids.slice(Math.min(from, to), Math.max(from, to) + 1)) set(each, on);
      } else {
        set(id, on);
      }
      anchor = id;
      onChange();
    },
    setAll(on) {
      for (const id of order()) set(id, on);
      onChange();
    },
    clear() {
      selected.clear();
      anchor = null;
      onChange();
    },
    // Forget files that are no longer shown (moved to the trash, another page).
    keepOnly(ids) {
      const shown = new Set(ids);
      for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
    },
  };
}

export function selectBox(file, selection) {
  const box = h("input", {
    type: "checkbox",
    class: "select-box",
    "aria-label": `Select ${file.filename}`,
    checked: selection.has(file.id),
    dataset: { selectId: file.id },
  });
  box.addEventListener("click", (event) => {
    selection.toggle(file.id, { shift: event.shiftKey, checked: box.checked });
  });
  return box;
}

// Every checkbox in `root` shows the selection as it is now.
export function syncBoxes(root, selection) {
  for (const box of root.querySelectorAll("input[data-select-id]")) {
    box.checked = selection.has(box.dataset.selectId);
    const item = box.closest("[data-file-id]");
    if (item) item.classList.toggle("selected", box.checked);
  }
}
