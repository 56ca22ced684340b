// Shared helpers for every screen: the JSON API and the live connection.
"use strict";
window.frontdesk = (function () {
  async function api(method, path, body) {
    const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    // Every write proves it comes from this page: the server refuses cookie-authenticated
    // writes without the token from <meta name="csrf-token">.
    if (method !== "GET" && method !== "HEAD") options.headers["X-CSRFToken"] = csrfToken();
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/api/v1" + path, options);
    if (response.status === 204) return null;
    const data = await response.json();
    if (!response.ok) {
      const error = new Error(data.error ? data.error.message : response.statusText);
      error.code = data.error && data.error.code;
      throw error;
    }
    return data;
  }

  // The server sends a full `state` on every (re)connect, so a screen that lost its
  // connection is whole again without reloading. <html data-live> tells where the connection
  // stands ("connected", "ready" once the snapshot is shown, "offline"), for styles and tests.
  function live(handlers) {
    // Retry at most every 2 s (with the client's own jitter): a screen is whole again within a
    // few seconds of the server coming back, and a reconnect storm costs one cached snapshot.
    const socket = io({
      transports: ["websocket", "polling"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
    });
    const root = document.documentElement;
    for (const [name, handler] of Object.entries(handlers)) socket.on(name, handler);
    // The snapshot may arrive just before the "connect" event: keep whichever says more.
    let shown = false;
    socket.on("state", () => { shown = true; root.dataset.live = "ready"; });
    socket.on("connect", () => { root.dataset.live = shown ? "ready" : "connected"; });
    socket.on("disconnect", () => { shown = false; root.dataset.live = "offline"; });
    return socket;
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function text(element, value) { element.textContent = value == null ? "" : String(value); }

  return { api, live, text };
})();
