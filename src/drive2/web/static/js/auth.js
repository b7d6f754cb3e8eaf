// Sign in and sign up. The server answers sign-in with an HttpOnly cookie; no token is
// ever visible to scripts on the page.
import { api } from "./api.js";
import { h } from "./dom.js";
import { lineButton, lineLoginEnabled, startUrl } from "./line.js";

function field(id, label, attrs) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, required: true, ...attrs }),
  );
}

// "Sign in with LINE", when the server has LINE Login: back to `returnTo` afterwards.
function withLine(returnTo) {
  if (!lineLoginEnabled()) return null;
  return h(
    "div",
    { class: "line-sign-in" },
    lineButton("Sign in with LINE", startUrl({ next: returnTo })),
    h("p", { class: "or" }, "or with your email"),
  );
}

function authForm({ title, submitLabel, passwordAutocomplete, onSubmit, footer, returnTo }) {
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary" }, submitLabel);
  const form = h(
    "form",
    { class: "auth-form", novalidate: false },
    h("h1", {}, title),
    withLine(returnTo),
    field("email", "Email", { type: "email", autocomplete: "email", maxlength: "320" }),
    field("password", "Password", {
      type: "password",
      autocomplete: passwordAutocomplete,
      minlength: passwordAutocomplete === "new-password" ? "8" : null,
      maxlength: "1024",
      "aria-describedby": passwordAutocomplete === "new-password" ? "password-hint" : null,
    }),
    passwordAutocomplete === "new-password"
      ? h("p", { class: "hint", id: "password-hint" }, "At least 8 characters.")
      : null,
    error,
    submit,
    footer,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      await onSubmit(form.elements.email.value.trim(), form.elements.password.value);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      form.elements.password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return h("section", { class: "auth" }, form);
}

export function signInView(onSignedIn, returnTo = "/#/") {
  return authForm({
    returnTo,
    title: "Sign in to Drive2",
    submitLabel: "Sign in",
    passwordAutocomplete: "current-password",
    onSubmit: async (email, password) => {
      await api("/auth/session", { method: "POST", json: { email, password } });
      await onSignedIn();
    },
    footer: h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account")),
  });
}

export function signUpView(onSignedIn, returnTo = "/#/") {
  return authForm({
    returnTo,
    title: "Create your Drive2 account",
    submitLabel: "Create account",
    passwordAutocomplete: "new-password",
    onSubmit: async (email, password) => {
      await api("/auth/register", { method: "POST", json: { email, password } });
      await api("/auth/session", { method: "POST", json: { email, password } });
      await onSignedIn();
    },
    footer: h("p", {}, "Have an account? ", h("a", { href: "#/signin" }, "Sign in")),
  });
}
