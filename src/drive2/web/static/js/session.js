// A session that ends while the page is open (the cookie expired, the server restarted with a
// new secret): the page stays as it is, with whatever the user typed, and a dialog asks them
// to sign in again; after that they carry on where they were. A page opened without a
// session goes to sign-in and comes back to the address it was opened at.
import { api } from "./api.js";
import { h } from "./dom.js";

const NEXT_KEY = "drive2.next";
let open = null;

export function rememberPlace(hash) {
  if (hash && !/^#\/sign(in|up)/.test(hash) && hash !== "#/") sessionStorage.setItem(NEXT_KEY, hash);
}

export function takePlace() {
  const hash = sessionStorage.getItem(NEXT_KEY);
  sessionStorage.removeItem(NEXT_KEY);
  return hash && hash.startsWith("#/") ? hash : "#/";
}

export function askToSignInAgain(email, onSignedIn) {
  if (open) return;
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const password = h("input", { id: "reauth-password", type: "password", autocomplete: "current-password", required: true, maxlength: "1024" });
  const emailInput = h("input", { id: "reauth-email", type: "email", autocomplete: "email", required: true, value: email || "", maxlength: "320" });
  const form = h(
    "form",
    { class: "auth-form reauth" },
    h("h2", { id: "reauth-title" }, "Your session has ended"),
    h("p", {}, "Sign in again to carry on. This page stays as it is, with anything you typed."),
    h("div", { class: "field" }, h("label", { for: "reauth-email" }, "Email"), emailInput),
    h("div", { class: "field" }, h("label", { for: "reauth-password" }, "Password"), password),
    error,
    h("button", { type: "submit", class: "button primary" }, "Sign in"),
  );
  const dialog = h("dialog", { class: "confirm", "aria-labelledby": "reauth-title", id: "reauth" }, form);
  // Escape would leave a page that cannot save anything: the dialog stays until signed in.
  dialog.addEventListener("cancel", (event) => event.preventDefault());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await api("/auth/session", { method: "POST", json: { email: emailInput.value.trim(), password: password.value } });
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      password.focus();
      return;
    }
    dialog.close();
    dialog.remove();
    open = null;
    await onSignedIn();
  });
  document.body.append(dialog);
  open = dialog;
  dialog.showModal();
  (email ? password : emailInput).focus();
}
