// Talks to API v1 with the session cookie. Every request carries the CSRF header the
// server requires of cookie-signed changes; other sites cannot send it.

const BASE = "/api/v1";
const CSRF = { "X-Drive2-CSRF": "1" };

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `request failed (${status})`);
    this.status = status;
  }
}

let onUnauthorised = () => {};

export function whenSignedOut(handler) {
  onUnauthorised = handler;
}

async function detailOf(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
  } catch {
    // not JSON: fall through to the status text
  }
  return response.statusText;
}

export async function api(path, { method = "GET", json, signal } = {}) {
  const headers = { ...CSRF, Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", signal };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(BASE + path, init);
  if (response.status === 401 && !path.startsWith("/auth/")) onUnauthorised();
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  if (response.status === 204) return null;
  return response.json();
}

export const fileUrl = (id, what) => `${BASE}/files/${encodeURIComponent(id)}/${what}`;

// A route that answers plain text or bytes (the extracted text, a zip).
export async function apiRaw(path, { method = "GET", json } = {}) {
  const headers = { ...CSRF };
  const init = { method, headers, credentials: "same-origin" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(BASE + path, init);
  if (response.status === 401) onUnauthorised();
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  return response;
}

// One upload with real progress: fetch cannot report upload progress, XMLHttpRequest can.
// An AbortSignal cancels it.
export function uploadFile(file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    if (signal) {
      if (signal.aborted) {
        reject(new ApiError(0, "the upload was cancelled"));
        return;
      }
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.open("POST", `${BASE}/files/upload`);
    xhr.withCredentials = true;
    xhr.setRequestHeader("X-Drive2-CSRF", "1");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      const body = xhr.response || {};
      if (xhr.status === 200 || xhr.status === 202) resolve(body);
      else {
        if (xhr.status === 401) onUnauthorised();
        reject(new ApiError(xhr.status, body.detail || `upload failed (${xhr.status})`));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "the connection was lost")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "the upload was cancelled")));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
