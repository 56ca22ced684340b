// The visitor's phone page: follows one ticket live. The page's data comes in a JSON block,
// not in an inline script, so the Content-Security-Policy can forbid inline scripts.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("ticket-data").textContent);
  const id = data.id;
  const labels = data.labels;
  const fd = window.frontdesk;
  function show(t) {
    const status = document.getElementById("status");
    status.dataset.status = t.status;
    fd.text(status, labels[t.status] || t.status);
    fd.text(document.getElementById("position"), t.position ?? "–");
    fd.text(document.getElementById("ahead"), t.people_ahead ?? "–");
    fd.text(document.getElementById("eta"), t.eta_minutes ?? "–");
    fd.text(document.getElementById("desk"), t.desk ?? "–");
  }
  const socket = fd.live({
    "ticket.updated": show,
    // The server pushes the new place when it changes: no page asks again on every change.
    "ticket.position": (p) => {
      fd.text(document.getElementById("position"), p.position ?? "–");
      fd.text(document.getElementById("ahead"), p.people_ahead ?? "–");
      fd.text(document.getElementById("eta"), p.eta_minutes ?? "–");
    },
  });
  socket.on("connect", () => socket.emit("follow", { ticket: id }, (reply) => {
    if (!reply.ok) return;
    show(reply.ticket);
    document.documentElement.dataset.following = id;
  }));
})();
