"use strict";
(function () {
  const fd = window.frontdesk;
  // Texts in the clerk's language, rendered by the server (desk/console.html).
  const text = JSON.parse(document.getElementById("desk-text").textContent);
  const deskSelect = document.getElementById("desk");
  const message = document.getElementById("message");
  const actions = document.querySelectorAll("[data-action]");
  let current = null;
  const desk = () => Number(deskSelect.value);

  function show(ticket) {
    current = ticket && ["called", "serving"].includes(ticket.status) ? ticket : null;
    fd.text(document.getElementById("number"), current ? current.number : "–");
    fd.text(document.getElementById("status"), current ? text.statuses[current.status] || current.status : "–");
    fd.text(document.getElementById("language"), current ? text.languages[current.language] || current.language : "–");
    const needs = current ? current.needs.map((id) => text.needs[id] || id) : [];
    fd.text(document.getElementById("needs"), needs.length ? needs.join(", ") : "–");
    actions.forEach((button) => {
      const action = button.dataset.action;
      button.disabled = !current || (current.status === "serving" && ["recall", "start", "no-show"].includes(action));
    });
  }
  async function run(action) {
    fd.text(message, "");
    try { return await action(); } catch (failure) { fd.text(message, failure.message); }
  }
  // The ticket this desk holds now (after a reload, or when another desk is chosen).
  function load() {
    return fd.api("GET", "/state").then((state) => {
      const mine = (state.desks || []).find((d) => d.number === desk() && d.ticket_id);
      return mine ? fd.api("GET", `/tickets/${mine.ticket_id}`) : null;
    }).then(show, (failure) => fd.text(message, failure.message));
  }
  deskSelect.addEventListener("change", load);
  document.getElementById("call-next").addEventListener("click", () => run(async () => {
    const ticket = await fd.api("POST", `/desks/${desk()}/call-next`);
    if (ticket === null) fd.text(message, text.nobody_waiting);
    show(ticket);
  }));
  actions.forEach((button) => button.addEventListener("click", () => run(async () => {
    if (!current) return;
    show(await fd.api("POST", `/tickets/${current.id}/${button.dataset.action}`));
  })));
  document.getElementById("alert").addEventListener("click", () => run(async () => {
    const kind = document.getElementById("alert-kind").value;
    await fd.api("POST", "/alerts", { desk: desk(), kind, silent: true });
    fd.text(message, text.alert_sent);
  }));
  // queue.changed carries only the services that changed: merge them into the last snapshot.
  let services = [];
  function mergeQueues(changed) {
    const byCode = new Map(changed.map((s) => [s.code, s]));
    renderQueues(services.map((s) => byCode.get(s.code) || s));
  }
  function renderQueues(all) {
    services = all;
    const lang = document.documentElement.lang;
    document.getElementById("queues").replaceChildren(...services.map((s) => {
      const row = document.createElement("tr");
      for (const value of [`${s.letter} · ${s.names[lang] || s.names.en}`, s.waiting, s.eta_minutes]) {
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
    "queue.changed": (change) => mergeQueues(change.services),
    "ticket.updated": (ticket) => { if (current && ticket.id === current.id) show(ticket); },
  });
})();
