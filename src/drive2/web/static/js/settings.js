// Settings (#/settings): the account, its LINE account (link with LINE Login or a code for
// the bot, unlink), and an email and password for an account made with LINE.
import { api, ApiError } from "./api.js";
import { announce, clear, h } from "./dom.js";
import { lineButton, lineLoginEnabled, startUrl } from "./line.js";

function row(label, value) {
  return h("div", { class: "setting-row" }, h("dt", {}, label), h("dd", {}, value));
}

function errorLine() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

function showError(el, err) {
  el.textContent = err.message;
  el.hidden = false;
}

function accountSection(me) {
  return h(
    "section",
    { class: "panel", "aria-labelledby": "account-heading" },
    h("h2", { id: "account-heading" }, "Account"),
    h(
      "dl",
      { class: "settings-list" },
      row("Name", me.display_name || "—"),
      row("Email", me.email || "None yet"),
    ),
  );
}

async function linkCode(panel) {
  clear(panel);
  try {
    const body = await api("/line/link-code", { method: "POST" });
    panel.append(
      h("p", {}, "Send this code to the Drive2 LINE account: ", h("strong", { class: "line-code" }, body.code)),
      h("p", { class: "hint" }, `Valid until ${new Date(body.expires_at).toLocaleString()}.`),
    );
  } catch (err) {
    const text =
      err instanceof ApiError && (err.status === 404 || err.status === 503)
        ? "The Drive2 LINE bot is not set up on this server."
        : `Could not make a link code: ${err.message}`;
    panel.append(h("p", {}, text));
  }
}

function lineSection(me, reload) {
  const error = errorLine();
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "line-heading" },
    h("h2", { id: "line-heading" }, "LINE"),
  );
  if (me.line_user_id) {
    section.append(
      h(
        "p",
        { id: "line-status" },
        `Linked to LINE${me.display_name ? ` as ${me.display_name}` : ""}. You can sign in with LINE, and the Drive2 LINE bot sends you news of your files.`,
      ),
    );
    if (me.has_password) {
      const unlink = h("button", { type: "button", class: "button secondary" }, "Unlink LINE");
      unlink.addEventListener("click", async () => {
        unlink.disabled = true;
        try {
          await api("/users/me/line", { method: "DELETE" });
          announce("LINE unlinked. Your files stay in Drive2.");
          await reload();
        } catch (err) {
          showError(error, err);
          unlink.disabled = false;
        }
      });
      section.append(unlink, h("p", { class: "hint" }, "Your files stay in Drive2."));
    } else {
      section.append(
        h("p", { class: "hint" }, "To unlink LINE, add an email and password first, so you can still sign in."),
      );
    }
  } else {
    section.append(h("p", { id: "line-status" }, "No LINE account is linked."));
    if (lineLoginEnabled()) {
      section.append(lineButton("Link your LINE account", startUrl({ next: "/#/settings", link: true })));
    }
    if (me.line_enabled) {
      // The bot's link code: only where the server has the LINE bot.
      const panel = h("div", { class: "line-code-panel", role: "status" });
      const codeButton = h("button", { type: "button", class: "link-button" }, "Link the LINE bot with a code instead");
      codeButton.addEventListener("click", () => linkCode(panel));
      section.append(h("p", {}, codeButton), panel);
    }
    if (!me.line_enabled && !lineLoginEnabled()) {
      section.append(h("p", { class: "hint" }, "LINE is not set up on this server."));
    }
  }
  section.append(error);
  return section;
}

function passwordSection(me, reload) {
  const section = h(
    "section",
    { class: "panel", "aria-labelledby": "password-heading" },
    h("h2", { id: "password-heading" }, "Email and password"),
  );
  if (me.has_password) {
    section.append(h("p", {}, `You can also sign in with ${me.email} and your password.`));
    return section;
  }
  const error = errorLine();
  const submit = h("button", { type: "submit", class: "button primary" }, "Add email and password");
  const form = h(
    "form",
    { class: "settings-form" },
    h("p", { class: "hint" }, "Add them to sign in without LINE too."),
    h("div", { class: "field" }, h("label", { for: "new-email" }, "Email"),
      h("input", { id: "new-email", type: "email", autocomplete: "email", required: true, maxlength: "320" })),
    h("div", { class: "field" }, h("label", { for: "new-password" }, "New password"),
      h("input", { id: "new-password", type: "password", autocomplete: "new-password", required: true, minlength: "8", maxlength: "1024" })),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      await api("/users/me/email-password", {
        method: "POST",
        json: { email: form.elements["new-email"].value.trim(), password: form.elements["new-password"].value },
      });
      announce("Email and password added.");
      await reload();
    } catch (err) {
      showError(error, err);
      submit.disabled = false;
    }
  });
  section.append(form);
  return section;
}

export function settingsView(ctx) {
  const heading = h("h1", { tabindex: "-1" }, "Settings");
  const body = h("div", { class: "settings" });
  const element = h("section", { class: "settings-view" }, heading, body);

  async function reload() {
    let me;
    try {
      me = await api("/users/me");
    } catch (err) {
      clear(body).append(h("p", { class: "form-error", role: "alert" }, err.message));
      return;
    }
    clear(body).append(accountSection(me), lineSection(me, reload), passwordSection(me, reload));
    if (ctx.refreshStorage) await ctx.refreshStorage();
  }

  reload();
  return { element, focus: heading };
}
