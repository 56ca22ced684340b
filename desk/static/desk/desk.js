"use strict";
(function () {
  const fd = window.frontdesk;
  const deskSelect = document.getElementById("desk");
  const message = document.getElementById("message");
  let current = null;
  const desk = () => Number(deskSelect.value);

  function show(ticket) {
    current = ticket && ["called", "serving"].includes(ticket.status) ? ticket : null;
    fd.text(document.getElementById("number"), current ? current.number : "–");
    fd.text(document.getElementById("status"), current ? current.status : "");
    fd.text(document.getElementById("language"), current ? current.language.toUpperCase() : "");
    fd.text(document.getElementById("needs"), current ? current.needs.join(", ") : "");
  }
  async function run(action) {
    fd.text(message, "");
    try { return await action(); } catch (failure) { fd.text(message, failure.message); }
  }
  document.getElementById("call-next").addEventListener("click", () => run(async () => {
    const ticket = await fd.api("POST", `/desks/${desk()}/call-next`);
    if (ticket === null) fd.text(message, document.documentElement.lang === "pl" ? "Nikt nie czeka." : "Nobody is waiting.");
    show(ticket);
  }));
  document.querySelectorAll("[data-action]").forEach((button) => button.addEventListener("click", () => run(async () => {
    if (!current) return;
    show(await fd.api("POST", `/tickets/${current.id}/${button.dataset.action}`));
  })));
  document.getElementById("alert").addEventListener("click", () => run(async () => {
    await fd.api("POST", "/alerts", { desk: desk(), kind: "help", silent: true });
    fd.text(message, "✓");
  }));
  function renderQueues(services) {
    document.getElementById("queues").replaceChildren(...services.map((s) => {
      const row = document.createElement("tr");
      for (const value of [`${s.letter} · ${s.names[document.documentElement.lang] || s.names.en}`, s.waiting, s.eta_minutes]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      }
      return row;
    }));
  }
  fd.live({
    state: (state) => {
      renderQueues(state.services);
      const mine = (state.desks || []).find((d) => d.number === desk() && d.ticket_id);
      if (mine) fd.api("GET", `/tickets/${mine.ticket_id}`).then(show);
    },
    "queue.changed": (change) => renderQueues(change.services),
    "ticket.updated": (ticket) => { if (current && ticket.id === current.id) show(ticket); },
  });
})();
