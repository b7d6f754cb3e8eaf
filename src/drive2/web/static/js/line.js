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

// The LIFF browser says "Line/<version> LIFF" in its user agent (the SDK's own test); a LIFF
// URL arrives with liff.state in the query, or with LINE's tokens after '#'. Elsewhere, LINE's
// ordinary in-app browser included, the SDK is not even loaded.
function insideLiff() {
  const agent = navigator.userAgent;
  return (
    /Line\/\d+\.\d+\.\d+ LIFF/.test(agent) ||
    new URLSearchParams(window.location.search).has("liff.state") ||
    (/Line\/\d/.test(agent) && /[#&]access_token=/.test(window.location.hash))
  );
}

// liff.init() waits for LINE's app in some cases; the page must never wait for ever.
const LIFF_INIT_TIMEOUT_MS = 15000;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = window.setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => window.clearTimeout(timer));
}

// Runs before the app reads or changes the URL: liff.init() finishes LINE's redirect (it
// restores the path and the #/files/<id> the LIFF link carried). Resolves true when it
// signed the browser in.
export async function signInInsideLine() {
  const id = liffId();
  if (!id || !insideLiff()) return false;
  const { default: liff } = await import(LIFF_SDK);
  await withTimeout(liff.init({ liffId: id }), LIFF_INIT_TIMEOUT_MS, "liff.init()");
  if (!liff.isLoggedIn()) return false; // an outside browser: the sign-in page offers LINE Login
  const session = await fetch("/api/v1/users/me", { credentials: "same-origin" });
  if (session.ok) return false; // signed in already: no need to ask LINE again
  const idToken = liff.getIDToken();
  if (!idToken) return false;
  await api("/auth/line/liff", { method: "POST", json: { id_token: idToken } });
  return true;
}
