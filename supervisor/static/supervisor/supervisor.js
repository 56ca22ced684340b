"use strict";
(function () {
  const fd = window.frontdesk;
  // Texts in the supervisor's language, rendered by the server (supervisor/board.html).
  const text = JSON.parse(document.getElementById("supervisor-text").textContent);
  const message = document.getElementById("message");
  const alerts = new Map();
  function act(path) {
    fd.text(message, "");
    fd.api("POST", path).catch((failure) => fd.text(message, failure.message));
  }
  function button(label, path, className, describedBy) {
    const element = document.createElement("button");
    element.setAttribute("aria-describedby", describedBy);
    element.type = "button";
    if (className) element.className = className;
    element.textContent = label;
    element.addEventListener("click", () => act(path));
    return element;
  }
  function renderAlerts() {
    const open = [...alerts.values()].sort((a, b) => (a.raised_at < b.raised_at ? 1 : -1));
    // Keep a keyboard user's place: the alert that had focus gets it back after the redraw.
    const focused = document.activeElement && document.activeElement.closest("#alerts li");
    document.getElementById("no-alerts").hidden = open.length > 0;
    document.getElementById("alerts").replaceChildren(...open.map((alert) => {
      const item = document.createElement("li");
      item.className = "alert-raised";
      item.tabIndex = -1;
      item.dataset.alert = alert.id;
      item.dataset.status = alert.status;
      const parts = [text.kinds[alert.kind] || alert.kind];
      if (alert.desk != null) parts.push(`${text.desk} ${alert.desk}`);
      parts.push(text.statuses[alert.status] || alert.status);
      if (alert.escalated_at) parts.push(text.escalated);
      const label = document.createElement("span");
      label.id = `alert-${alert.id}-text`;
      label.textContent = parts.join(" · ");
      item.appendChild(label);
      if (alert.status === "raised") item.appendChild(button(text.acknowledge, `/alerts/${alert.id}/ack`, "", label.id));
      item.appendChild(button(text.resolve, `/alerts/${alert.id}/resolve`, "secondary", label.id));
      return item;
    }));
    if (focused) {
      const again = document.querySelector(`#alerts li[data-alert="${focused.dataset.alert}"]`);
      if (again) (again.querySelector("button") || again).focus();
    }
  }
  function refreshDesks() {
    fd.api("GET", "/state").then((state) => renderDesks(state.desks || []), () => {});
  }
  function renderDesks(desks) {
    document.getElementById("desks").replaceChildren(...desks.map((d) => {
      const row = document.createElement("tr");
      for (const value of [`${d.number} · ${d.name}`, d.clerk || "–", d.ticket || "–"]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      }
      return row;
    }));
  }
  function upsert(alert) {
    if (alert.status === "resolved") alerts.delete(alert.id); else alerts.set(alert.id, alert);
    renderAlerts();
  }
  // The hall displays connected now: a dark TV is otherwise noticed only by those who miss
  // their call.
  function renderDisplays(status) {
    document.getElementById("no-displays").hidden = status.displays.length > 0;
    document.getElementById("displays").replaceChildren(...status.displays.map((d) => {
      const item = document.createElement("li");
      item.textContent = d.name;
      return item;
    }));
  }
  const hallMessage = document.getElementById("hall-message");
  document.getElementById("hall-message-form").addEventListener("submit", (event) => {
    event.preventDefault();
    fd.text(message, "");
    fd.api("PUT", "/office-message", { text: hallMessage.value })
      .then(() => fd.text(message, text.message_shown), (failure) => fd.text(message, failure.message));
  });
  fd.live({
    "displays.status": renderDisplays,
    "office.message": (line) => { if (document.activeElement !== hallMessage) hallMessage.value = line.text; },
    state: (state) => { alerts.clear(); (state.alerts || []).forEach(upsert); renderAlerts(); renderDesks(state.desks || []); },
    "alert.raised": upsert, "alert.acknowledged": upsert, "alert.escalated": upsert, "alert.resolved": upsert,
    "desk.changed": refreshDesks, "ticket.called": refreshDesks, "ticket.updated": refreshDesks,
  });
})();
