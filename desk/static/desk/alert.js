"use strict";
// The desk's supervisor alert (the #alert-panel section of desk/console.html): one tap on a
// kind sends it, Ctrl+Alt+N sends the Nth kind from the keyboard. A silent alert changes
// nothing a visitor across the counter could notice: no sound, no banner, no colour, only a
// short line in the clerk's usual muted text. The clerk learns who is coming either way.
(function () {
  const fd = window.frontdesk;
  const panel = document.getElementById("alert-panel");
  if (!panel) return;
  const text = JSON.parse(document.getElementById("alert-text").textContent);
  const banner = document.getElementById("alert-banner");
  const quiet = document.getElementById("alert-quiet");
  const silentBox = document.getElementById("alert-silent");
  const kinds = [...panel.querySelectorAll("button[data-kind]")];
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
  const clock = new Intl.DateTimeFormat(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const mine = new Map(); // alert id -> alert, for the alerts of this desk still open
  let sending = false;
  const newest = () => [...mine.values()].sort((a, b) => (a.raised_at < b.raised_at ? 1 : -1))[0];

  function desk() {
    if (panel.dataset.desk) return Number(panel.dataset.desk);
    const select = document.getElementById("desk");
    return select ? Number(select.value) : null;
  }
  function kindName(id) {
    const found = kinds.find((b) => b.dataset.kind === id);
    return found ? found.textContent.trim() : id;
  }
  // The silent choice is the clerk's standing preference, so it survives a reload.
  silentBox.checked = localStorage.getItem("frontdesk.alert.silent") === "1";
  silentBox.addEventListener("change", () => localStorage.setItem("frontdesk.alert.silent", silentBox.checked ? "1" : "0"));

  function show(alert) {
    const time = (iso) => clock.format(new Date(iso));
    if (alert.silent) {
      // Terse on purpose: meaningful to the clerk, nothing to a visitor reading upside down.
      let line = `✓ ${time(alert.raised_at)}`;
      if (alert.acknowledged_by) line += ` → ${alert.acknowledged_by}`;
      fd.text(quiet, line);
      return;
    }
    banner.hidden = false;
    fd.text(banner, alert.acknowledged_by
      ? fill(text.coming, { name: alert.acknowledged_by, time: time(alert.acknowledged_at) })
      : fill(text.sent, { kind: kindName(alert.kind), time: time(alert.raised_at) }));
  }
  function closed(alert) {
    mine.delete(alert.id);
    if (!alert.silent) { banner.hidden = true; fd.text(banner, ""); }
    // A blank line, not an empty one: the line keeps its height, so nothing below it moves.
    quiet.replaceChildren("\u00a0");
    if (alert.incident_id) {
      quiet.replaceChildren();
      const link = document.createElement("a");
      link.href = `/supervisor/incidents/${alert.incident_id}`;
      link.textContent = alert.silent ? `✓ ${text.report}` : `${text.resolved} ${text.report}`;
      quiet.appendChild(link);
    }
    const open = newest();
    if (open) show(open);
  }
  async function send(kind) {
    if (sending) return; // a second press while the first is on its way is the same call for help
    sending = true;
    const silent = silentBox.checked;
    try {
      const alert = await fd.api("POST", "/alerts", { desk: desk(), kind, silent });
      mine.set(alert.id, alert);
      show(alert);
    } catch (failure) {
      // A failed call for help must be seen even in silent mode: the clerk has to try again.
      banner.hidden = false;
      fd.text(banner, fill(text.failed, { message: failure.message }));
    } finally {
      sending = false;
    }
  }
  kinds.forEach((button) => button.addEventListener("click", () => send(button.dataset.kind)));
  document.addEventListener("keydown", (event) => {
    if (!event.ctrlKey || !event.altKey || event.metaKey) return;
    const index = Number(event.code.replace(/^(Digit|Numpad)/, "")) - 1;
    if (!/^(Digit|Numpad)[1-9]$/.test(event.code) || !kinds[index]) return;
    event.preventDefault();
    send(kinds[index].dataset.kind);
  });

  function update(alert) {
    if (alert.desk !== desk() || !(mine.has(alert.id) || alert.status !== "resolved")) return;
    if (alert.status === "resolved") { closed(alert); return; }
    mine.set(alert.id, alert);
    show(alert);
  }
  fd.live({
    state: (state) => {
      // After a reload the desk still knows its open alerts and who is coming.
      mine.clear();
      (state.alerts || []).filter((a) => a.desk === desk() && a.kind !== "long_wait").forEach((a) => mine.set(a.id, a));
      const open = newest();
      if (open) show(open);
    },
    "alert.acknowledged": update,
    "alert.escalated": update,
    "alert.resolved": update,
  });
})();
