"use strict";
(function () {
  const fd = window.frontdesk;
  // Texts in the supervisor's language, rendered by the server (supervisor/board.html).
  const text = JSON.parse(document.getElementById("supervisor-text").textContent);
  const root = document.documentElement;
  const message = document.getElementById("message");
  const alerts = new Map();
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
  const clock = new Intl.DateTimeFormat(root.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: text.timezone });

  // Sound. Browsers play nothing until the page has been touched once, so the tablet asks
  // for that tap and shows plainly whether sound is on. A new alert chimes, an escalated one
  // sounds a louder siren; either repeats until someone answers.
  const sound = (function () {
    let context = null;
    const buffers = {};
    async function enable() {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return false;
      context = context || new Context();
      await context.resume();
      await Promise.all(Object.entries(text.sounds).map(async ([name, url]) => {
        if (buffers[name]) return;
        const data = await (await fetch(url)).arrayBuffer();
        buffers[name] = await context.decodeAudioData(data);
      }));
      return context.state === "running";
    }
    function play(name) {
      if (!context || context.state !== "running" || !buffers[name]) return;
      const source = context.createBufferSource();
      source.buffer = buffers[name];
      source.connect(context.destination);
      source.start();
    }
    return { enable, play, on: () => Boolean(context && context.state === "running") };
  })();
  const enableButton = document.getElementById("enable-sound");
  function enableSound() {
    sound.enable().then((on) => {
      enableButton.hidden = on;
      document.getElementById("sound-on").hidden = !on;
      root.dataset.sound = on ? "on" : "off";
      if (on) ring();
    }, () => {});
  }
  enableButton.addEventListener("click", enableSound);
  // Any first touch on the tablet counts, not only the button.
  document.addEventListener("pointerdown", () => { if (!sound.on()) enableSound(); }, { once: true });
  root.dataset.sound = "off";

  const REPEAT_MS = 4000;
  let ringTimer = null;
  // What should sound now: the siren while any unanswered alert is escalated, else the chime.
  function ringing() {
    const open = [...alerts.values()].filter((a) => a.status === "raised");
    if (open.some((a) => a.escalated_at)) return "escalated";
    return open.length ? "alert" : "";
  }
  function ring() {
    clearTimeout(ringTimer);
    const name = ringing();
    root.dataset.ringing = name;
    if (!name) return;
    sound.play(name);
    if (navigator.vibrate) navigator.vibrate(name === "escalated" ? [600, 200, 600, 200, 600] : [300, 150, 300]);
    root.dataset.rings = String(Number(root.dataset.rings || 0) + 1);
    ringTimer = setTimeout(ring, REPEAT_MS);
  }

  function act(method, path, body) {
    fd.text(message, "");
    return fd.api(method, path, body).catch((failure) => { fd.text(message, failure.message); throw failure; });
  }
  function button(label, className, describedBy, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.setAttribute("aria-describedby", describedBy);
    if (className) element.className = className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }
  function fact(list, term, value) {
    if (value == null || value === "") return;
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
  function deskLabel(desk) {
    return desk == null ? text.no_desk : `${desk} · ${text.desk_names[desk] || ""}`.replace(/ · $/, "");
  }
  function renderAlerts() {
    // Most urgent first: escalated and unanswered, then unanswered, then those being handled.
    const urgency = (a) => (a.status === "raised" ? (a.escalated_at ? 0 : 1) : 2);
    const open = [...alerts.values()].sort((a, b) => urgency(a) - urgency(b) || (a.raised_at < b.raised_at ? 1 : -1));
    // Keep a keyboard user's place: the alert that had focus gets it back after the redraw.
    const focused = document.activeElement && document.activeElement.closest("#alerts li");
    document.getElementById("no-alerts").hidden = open.length > 0;
    fd.text(document.getElementById("alert-count"), open.length ? `(${open.length})` : "");
    document.getElementById("alerts").replaceChildren(...open.map((alert) => {
      const item = document.createElement("li");
      item.className = `alert-card alert-raised status-${alert.status}${alert.escalated_at ? " escalated" : ""}`;
      item.tabIndex = -1;
      item.dataset.alert = alert.id;
      item.dataset.status = alert.status;
      const title = document.createElement("h3");
      title.id = `alert-${alert.id}-text`;
      title.textContent = `${text.kinds[alert.kind] || alert.kind} · ${text.desk} ${alert.desk ?? "–"}`;
      item.appendChild(title);
      if (alert.escalated_at && alert.status === "raised") item.appendChild(badge(text.escalated, "badge escalated-badge"));
      if (alert.silent) item.appendChild(badge(text.silent, "badge silent-badge"));
      const facts = document.createElement("dl");
      facts.className = "alert-facts";
      fact(facts, text.desk, deskLabel(alert.desk));
      if (alert.desk != null) fact(facts, text.clerk, alert.raised_by);
      fact(facts, text.ticket, alert.ticket_number);
      fact(facts, text.raised_at, clock.format(new Date(alert.raised_at)));
      item.appendChild(facts);
      const state = document.createElement("p");
      state.className = "alert-state";
      state.textContent = alert.status === "acknowledged"
        ? fill(text.coming, { name: alert.acknowledged_by })
        : text.statuses[alert.status] || alert.status;
      item.appendChild(state);
      const actions = document.createElement("p");
      actions.className = "alert-actions";
      if (alert.status === "raised") {
        actions.appendChild(button(text.acknowledge, "danger", title.id, () => act("POST", `/alerts/${alert.id}/ack`).then(upsert, () => {})));
      }
      if (text.role !== "security") {
        const label = alert.desk == null ? text.resolve_plain : text.resolve;
        actions.appendChild(button(label, "secondary", title.id, () => act("POST", `/alerts/${alert.id}/resolve`).then((closed) => {
          upsert(closed);
          if (closed.incident_id) window.location.assign(`/supervisor/incidents/${closed.incident_id}`);
        }, () => {})));
      }
      item.appendChild(actions);
      return item;
    }));
    if (focused) {
      const again = document.querySelector(`#alerts li[data-alert="${focused.dataset.alert}"]`);
      if (again) (again.querySelector("button") || again).focus();
    }
  }
  function badge(label, className) {
    const element = document.createElement("p");
    element.className = className;
    element.textContent = label;
    return element;
  }
  function announce(alert, template) {
    fd.text(document.getElementById("alert-announcer"), fill(template, {
      kind: text.kinds[alert.kind] || alert.kind, desk: alert.desk ?? text.no_desk,
    }));
  }
  function upsert(alert) {
    const known = alerts.get(alert.id);
    if (alert.status === "resolved") alerts.delete(alert.id); else alerts.set(alert.id, alert);
    renderAlerts();
    const newly = !known && alert.status === "raised";
    const escalatedNow = alert.escalated_at && !(known && known.escalated_at) && alert.status === "raised";
    if (newly) announce(alert, alert.escalated_at ? text.escalated_alert : text.new_alert);
    else if (escalatedNow) announce(alert, text.escalated_alert);
    // A new or newly escalated alert sounds at once; otherwise the repeat keeps its rhythm.
    if (newly || escalatedNow || !ringing()) ring();
  }
  // Security hears only escalated alerts: an acknowledgement or close of another is not theirs.
  function fromServer(alert) {
    if (text.role === "security" && !alert.escalated_at && !alerts.has(alert.id)) return;
    upsert(alert);
  }
  const live = {
    state: (state) => {
      alerts.clear();
      (state.alerts || []).forEach((a) => alerts.set(a.id, a));
      renderAlerts();
      ring();
      if (board) board.state(state);
    },
    "alert.raised": fromServer, "alert.acknowledged": fromServer, "alert.escalated": fromServer, "alert.resolved": fromServer,
  };
  setInterval(() => { if (alerts.size) renderAlerts(); }, 30000);

  // The live board: desks, queues, long waits, today's out-of-turn calls, printer, displays.
  const board = document.getElementById("board") ? (function () {
    let desks = [];
    let services = [];
    let extra = { services: [], desks: [], long_waits: [], out_of_order_calls: [], queue_jump_demands: [] };
    const lang = root.lang;
    function cells(row, values) {
      for (const value of values) {
        const cell = document.createElement("td");
        if (value instanceof Node) cell.appendChild(value); else cell.textContent = value;
        row.appendChild(cell);
      }
    }
    function deskState(d) {
      const held = extra.desks.find((h) => h.number === d.number);
      if (!d.open) return text.closed;
      if (d.paused) return d.break_reason ? `${text.on_break} (${text.reason}: ${d.break_reason})` : text.on_break;
      if (d.ticket_status === "serving") return fill(text.serving, { number: d.ticket, minutes: held ? held.minutes : 0 });
      if (d.ticket) return fill(text.called, { number: d.ticket });
      return text.idle;
    }
    function renderDesks() {
      document.getElementById("desks").replaceChildren(...desks.map((d) => {
        const row = document.createElement("tr");
        row.dataset.desk = d.number;
        row.className = d.open ? (d.paused ? "desk-paused" : "desk-open") : "desk-closed";
        let action = "";
        if (d.open && !d.ticket) {
          action = button(text.close_desk, "secondary small", `desk-${d.number}-name`, () => act("POST", `/desks/${d.number}/close`).then(refresh, () => {}));
        }
        const name = document.createElement("span");
        name.id = `desk-${d.number}-name`;
        name.textContent = `${d.number} · ${d.name}`;
        cells(row, [name, d.clerk || "–", deskState(d), d.ticket || "–", action]);
        return row;
      }));
    }
    function renderQueues() {
      const longest = new Map(extra.services.map((s) => [s.code, s.longest_wait_minutes]));
      document.getElementById("queues").replaceChildren(...services.map((s) => {
        const row = document.createElement("tr");
        row.dataset.service = s.code;
        const wait = longest.get(s.code);
        const eta = s.eta_range ? `${s.eta_range[0]}–${s.eta_range[1]}` : s.eta_minutes;
        cells(row, [`${s.letter} · ${s.names[lang] || s.names.en}`, s.waiting, wait == null ? "–" : fill(text.minutes, { minutes: wait }), fill(text.minutes, { minutes: eta })]);
        return row;
      }));
    }
    function list(id, items, render) {
      document.getElementById(`no-${id}`).hidden = items.length > 0;
      document.getElementById(id).replaceChildren(...items.map((item) => {
        const li = document.createElement("li");
        li.textContent = render(item);
        return li;
      }));
    }
    function renderExtra() {
      list("long-waits", extra.long_waits, (t) => `${t.number} · ${fill(text.minutes, { minutes: t.minutes })}`);
      list("out-of-order", extra.out_of_order_calls, (c) => `${c.time} · ${c.number} · ${text.desk} ${c.desk} · ${c.reason} · ${c.actor}`);
      list("queue-jumps", extra.queue_jump_demands, (j) => `${j.time} · ${text.desk} ${j.desk} · ${j.actor}${j.note ? " · " + j.note : ""}`);
      renderQueues();
      renderDesks();
    }
    // Changes come in bursts (a call is three events): one read of the board per burst.
    let pending = null;
    function refresh() {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        Promise.all([fd.api("GET", "/state"), fd.api("GET", "/board")]).then(([state, more]) => {
          desks = state.desks || desks;
          services = state.services || services;
          extra = more;
          renderExtra();
        }, () => {});
      }, 300);
    }
    setInterval(refresh, 30000);
    return {
      state: (state) => { desks = state.desks || []; services = state.services || []; renderDesks(); renderQueues(); refresh(); },
      queues: (change) => {
        const byCode = new Map(change.services.map((s) => [s.code, s]));
        services = services.map((s) => byCode.get(s.code) || s);
        renderQueues();
        refresh();
      },
      refresh,
    };
  })() : null;

  if (board) {
    // The hall displays connected now: a dark TV is otherwise noticed only by those who miss
    // their call.
    const renderDisplays = (status) => {
      document.getElementById("no-displays").hidden = status.displays.length > 0;
      document.getElementById("displays").replaceChildren(...status.displays.map((d) => {
        const item = document.createElement("li");
        item.textContent = d.name;
        return item;
      }));
    };
    const renderPrinter = (status) => {
      let line = status.online ? text.printer_ok : fill(text.printer_down, { message: status.message || "" });
      if (status.pending) line += " " + fill(text.printer_pending, { count: status.pending });
      const printer = document.getElementById("printer");
      printer.className = status.online ? "" : "error";
      fd.text(printer, line);
    };
    const hallMessage = document.getElementById("hall-message");
    document.getElementById("hall-message-form").addEventListener("submit", (event) => {
      event.preventDefault();
      act("PUT", "/office-message", { text: hallMessage.value }).then(() => fd.text(message, text.message_shown), () => {});
    });
    Object.assign(live, {
      "displays.status": renderDisplays,
      "printer.status": renderPrinter,
      "office.message": (line) => { if (document.activeElement !== hallMessage) hallMessage.value = line.text; },
      "queue.changed": board.queues,
      "desk.changed": board.refresh, "ticket.called": board.refresh, "ticket.updated": board.refresh, "ticket.issued": board.refresh,
    });
  }
  fd.live(live);
})();
