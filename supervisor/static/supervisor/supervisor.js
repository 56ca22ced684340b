"use strict";
(function () {
  const fd = window.frontdesk;
  const alerts = new Map();
  function renderAlerts() {
    document.getElementById("alerts").replaceChildren(...[...alerts.values()].map((alert) => {
      const item = document.createElement("li");
      item.className = "alert-raised";
      item.textContent = `${alert.kind} · ${alert.desk ?? ""} · ${alert.status}${alert.escalated_at ? " · !" : ""} `;
      if (alert.status === "raised") {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = "OK";
        button.setAttribute("aria-label", `Acknowledge alert ${alert.id}`);
        button.addEventListener("click", () => fd.api("POST", `/alerts/${alert.id}/ack`));
        item.appendChild(button);
      }
      return item;
    }));
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
  fd.live({
    state: (state) => { alerts.clear(); (state.alerts || []).forEach(upsert); renderDesks(state.desks || []); },
    "alert.raised": upsert, "alert.acknowledged": upsert, "alert.escalated": upsert, "alert.resolved": upsert,
    "desk.changed": () => fd.api("GET", "/state").then((state) => renderDesks(state.desks)),
  });
})();
