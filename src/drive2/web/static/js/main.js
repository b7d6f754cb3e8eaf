// The app shell: who is signed in, the header, and the views by URL hash
// (#/ the drive, #/files/<id> a file, #/settings, #/signin, #/signup).
import { api, ApiError, whenSignedOut } from "./api.js";
import { signInView, signUpView } from "./auth.js";
import { clear, formatBytes, h } from "./dom.js";
import { driveView } from "./drive.js";
import { connectEvents, disconnectEvents } from "./events.js";
import { fileView } from "./file.js";
import { setUpAsk } from "./ask.js";
import { returnPath, signInInsideLine } from "./line.js";
import { setUpSearch } from "./search.js";
import { askToSignInAgain, rememberPlace, takePlace } from "./session.js";
import { settingsView } from "./settings.js";
import { trashView } from "./trash.js";
import { stopWatchingReindex, watchReindex } from "./reindex.js";

const view = document.getElementById("view");
const topbar = document.getElementById("topbar");
let me = null;
let current = null;
// Where a signed-out visitor was going: "Sign in with LINE" brings them back there.
let returnTo = "/#/";

function go(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

async function refreshStorage() {
  try {
    me = await api("/users/me");
  } catch {
    return;
  }
  const used = me.storage_used_bytes;
  const quota = me.storage_quota_bytes;
  const storage = clear(document.getElementById("storage"));
  storage.append(
    h("label", { for: "storage-meter" }, `${formatBytes(used)} of ${formatBytes(quota)} used`),
    h("meter", { id: "storage-meter", min: "0", max: String(quota), value: String(used), high: String(quota * 0.9) }),
  );
  // An account made with LINE may have no email yet: its LINE name then.
  document.getElementById("who").textContent = me.email || me.display_name || "";
}

function show(next) {
  // A control that changed the address (a filter, the sort) keeps the focus in the new view,
  // so choosing with the keyboard goes on where it was.
  const before = document.activeElement;
  const keep = before && before.id && view.contains(before) && /^(SELECT|INPUT)$/.test(before.tagName) ? before.id : null;
  if (current && current.destroy) current.destroy();
  current = next;
  clear(view).append(next.element);
  const same = keep && next.element.querySelector(`#${CSS.escape(keep)}`);
  if (same) {
    same.focus({ preventScroll: true });
    return;
  }
  (next.focus || view).setAttribute("tabindex", "-1");
  (next.focus || view).focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

async function signedIn() {
  topbar.hidden = false;
  connectEvents();
  watchReindex();
  await refreshStorage();
  go(takePlace());
}

function signedOut({ byChoice = false } = {}) {
  me = null;
  topbar.hidden = true;
  disconnectEvents();
  stopWatchingReindex();
  if (byChoice) {
    // Signing out on purpose ends the visit: the next sign-in starts at the drive.
    takePlace();
    returnTo = "/#/";
    go("#/signin");
  } else if (!/^#\/sign(in|up)$/.test(window.location.hash)) {
    returnTo = returnPath(window.location.hash);
    go("#/signin");
  }
}

// A request answered 401: while the page was signed in, the session ended under it.
function sessionLost() {
  if (!me) {
    rememberPlace(window.location.hash);
    signedOut();
    return;
  }
  disconnectEvents();
  askToSignInAgain(me.email, async () => {
    connectEvents();
    await refreshStorage();
  });
}

async function route() {
  const hash = window.location.hash || "#/";
  if (hash === "#/signup" || hash === "#/signin") {
    document.title = hash === "#/signup" ? "Create account · Drive2" : "Sign in · Drive2";
    topbar.hidden = true;
    show({ element: (hash === "#/signup" ? signUpView : signInView)(signedIn, returnTo) });
    return;
  }
  if (!me) return; // the start-up check below decides where to go
  const ctx = { go, refreshStorage, me };
  if (hash === "#/trash") {
    show(trashView(ctx));
    return;
  }
  if (hash === "#/settings") {
    document.title = "Settings · Drive2";
    show(settingsView(ctx));
    return;
  }
  const fileMatch = hash.match(/^#\/files\/([0-9a-f-]{36})(?:\?(.*))?$/);
  if (fileMatch) {
    // #/files/<id>?quote=…: opened from an answer's citation, the passage is shown marked.
    const quote = new URLSearchParams(fileMatch[2] || "").get("quote");
    show(fileView(fileMatch[1], { ...ctx, quote }));
    return;
  }
  document.title = "My files · Drive2";
  const query = hash.includes("?") ? hash.slice(hash.indexOf("?") + 1) : "";
  show(driveView(new URLSearchParams(query), ctx));
}

whenSignedOut(sessionLost);
window.addEventListener("hashchange", route);
document.getElementById("sign-out").addEventListener("click", async () => {
  try {
    await api("/auth/logout", { method: "POST" });
  } finally {
    signedOut({ byChoice: true });
  }
});
setUpSearch(document.getElementById("search-input"), document.getElementById("search-results"), go);
setUpAsk(document.getElementById("search-input"), document.getElementById("search-results"), document.getElementById("ask-toggle"));

(async function start() {
  try {
    // Inside LINE (LIFF) this comes first: liff.init() finishes LINE's redirect before the
    // app reads the URL, and the LIFF ID token signs the browser in without a password.
    await signInInsideLine();
  } catch (err) {
    console.warn("Signing in inside LINE did not work:", err);
  }
  try {
    me = await api("/users/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      // api() has already sent a signed-out page to #/signin unless it was there.
      if (/^#\/sign(in|up)$/.test(window.location.hash)) route();
    } else {
      show({ element: h("p", { class: "form-error", role: "alert" }, `Drive2 is not answering: ${err.message}`) });
    }
    return;
  }
  // Signed in already (a LINE sign-in came back here): a place remembered on the way out is
  // used up, not kept for a later sign-in.
  takePlace();
  topbar.hidden = false;
  connectEvents();
  watchReindex();
  await refreshStorage();
  route();
})();
