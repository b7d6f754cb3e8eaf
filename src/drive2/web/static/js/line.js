// Signing in with LINE: the "Sign in with LINE" button (LINE Login on the web, through
// Drive2's /auth/line/start) and, inside LINE, the LIFF app signing in with its ID token.
// The LIFF SDK is Drive2's own copy (static/vendor/liff), loaded only inside LINE.
import { api } from "./api.js";
import { h } from "./dom.js";

const LIFF_SDK = "/static/vendor/liff/sdk.js";

function meta(name) {
  const el = document.querySelector(`meta[name="${name}"]`);
  return el ? el.getAttribute("content") || "" : "";
}

export const lineLoginEnabled = () => meta("drive2-line-login") === "on";
export const liffId = () => meta("drive2-liff-id");

// Where the app should be after a sign-in: a path on this site, never another site.
export function returnPath(hash) {
  const target = hash && hash.startsWith("#/") && !/^#\/sign(in|up)\b/.test(hash) ? hash : "#/";
  return `/${target}`;
}

export function startUrl({ next = "/#/", link = false } = {}) {
  const query = new URLSearchParams({ next });
  if (link) query.set("link", "true");
  return `/api/v1/auth/line/start?${query}`;
}

export function lineButton(label, href) {
  return h("a", { class: "button line", href }, label);
}

// LINE's in-app browser says "Line/<version>" in its user agent; a LIFF URL arrives with
// liff.state in the query. Elsewhere the SDK is not even loaded.
function insideLiff() {
  return (
    /\bLine\/\d/i.test(navigator.userAgent) ||
    new URLSearchParams(window.location.search).has("liff.state")
  );
}

// Runs before the app reads or changes the URL: liff.init() finishes LINE's redirect (it
// restores the path and the #/files/<id> the LIFF link carried). Resolves true when it
// signed the browser in.
export async function signInInsideLine() {
  const id = liffId();
  if (!id || !insideLiff()) return false;
  const { default: liff } = await import(LIFF_SDK);
  await liff.init({ liffId: id });
  if (!liff.isLoggedIn()) return false; // an outside browser: the sign-in page offers LINE Login
  const session = await fetch("/api/v1/users/me", { credentials: "same-origin" });
  if (session.ok) return false; // signed in already: no need to ask LINE again
  const idToken = liff.getIDToken();
  if (!idToken) return false;
  await api("/auth/line/liff", { method: "POST", json: { id_token: idToken } });
  return true;
}
