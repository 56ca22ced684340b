// The kiosk: one visitor at a time, step by step, on one page that never reloads mid-visit.
// Every visitor starts from nothing: the office's language, no matter, no needs, no priority.
"use strict";
(function () {
  const fd = window.frontdesk;
  const data = JSON.parse(document.getElementById("kiosk-data").textContent);
  const root = document.documentElement;
  const message = document.getElementById("message");
  const idle = document.getElementById("idle");
  const loadedAt = Date.now();
  // A bouncing finger or a double tap lands on whatever the next step put under it: the new
  // step ignores touches this long.
  const GUARD_MS = 400;
  // A kiosk runs for days: after this long, starting over also reloads (fresh texts, memory).
  const RELOAD_AFTER_MS = 30 * 60 * 1000;
  const RETRY_DELAYS_MS = [500, 1000, 2000, 4000];

  const services = new Map(data.services.map((s) => [s.code, s]));
  let printer = data.printer;
  let state;
  let idleTimer = null;
  let countdown = null;
  let guardTimer = null;
  let offline = false;

  function fresh() {
    return { lang: data.default_language, step: "service", service: null, needs: new Set(),
             priority: null, busy: false, ticket: null, message: null };
  }

  function texts() { return data.texts[state.lang]; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  }
  function steps() {
    return ["service"].concat(data.has_needs ? ["needs"] : [],
                              data.has_priorities ? ["priority"] : []);
  }
  function panel() { return document.querySelector(`.kiosk-panel[data-lang="${state.lang}"]`); }
  function all(selector) { return document.querySelectorAll(selector); }

  function show(focus) {
    root.lang = state.lang;
    document.title = texts().title + " · frontdesk";
    for (const p of all(".kiosk-panel")) p.hidden = p.dataset.lang !== state.lang;
    for (const s of all(".step")) s.hidden = s.dataset.step !== state.step;
    for (const b of all("[data-set-lang]")) {
      b.setAttribute("aria-pressed", String(b.dataset.setLang === state.lang));
    }
    for (const b of all("[data-need]")) {
      b.setAttribute("aria-pressed", String(state.needs.has(b.dataset.need)));
    }
    for (const b of all('[data-action="needs-done"]')) b.disabled = state.needs.size === 0;
    root.dataset.step = state.step;
    showMessage();
    if (state.ticket) showTicket();
    if (focus) {
      const heading = panel().querySelector(`.step[data-step="${state.step}"] h1`);
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  function go(step) {
    state.step = step;
    guard();
    show(true);
    watchIdle();
  }

  function guard() {
    for (const f of all("fieldset.guard")) f.disabled = true;
    root.dataset.guard = "on";
    window.clearTimeout(guardTimer);
    guardTimer = window.setTimeout(() => {
      for (const f of all("fieldset.guard")) f.disabled = state.busy;
      delete root.dataset.guard;
    }, GUARD_MS);
  }

  function setMessage(key) { state.message = key; showMessage(); }
  function showMessage() {
    const key = offline && !state.ticket ? "offline" : state.message;
    message.hidden = !key;
    fd.text(message, key ? texts()[key] : "");
    message.dataset.kind = key || "";
  }

  // ---- the queue as it is now, on every tile ----

  function etaText(service, prefix) {
    const t = texts();
    const range = service.eta_range;
    if (range && range[1] > 0) {
      return range[0] === range[1] ? fill(t[prefix + "eta_about"], { n: range[1] })
        : fill(t[prefix + "eta_range"], { low: range[0], high: range[1] });
    }
    if (service.eta_minutes) return fill(t[prefix + "eta_about"], { n: service.eta_minutes });
    if (service.eta_minutes === 0 || (range && range[1] === 0)) return t[prefix + "eta_none"];
    return t[prefix + "eta_unknown"];
  }

  function showServices() {
    for (const tile of all("[data-service]")) {
      const service = services.get(tile.dataset.service);
      if (!service) continue;
      const lang = tile.closest(".kiosk-panel").dataset.lang;
      const t = data.texts[lang];
      const saved = state.lang;
      state.lang = lang;  // etaText reads the panel's language
      fd.text(tile.querySelector("[data-waiting]"), fill(t.waiting, { n: service.waiting }));
      fd.text(tile.querySelector("[data-eta]"), etaText(service, ""));
      state.lang = saved;
      if (service.open) tile.removeAttribute("aria-disabled");
      else tile.setAttribute("aria-disabled", "true");
      tile.querySelector("[data-closed]").hidden = service.open;
    }
  }

  function merge(list) {
    for (const s of list || []) services.set(s.code, Object.assign(services.get(s.code) || {}, s));
    showServices();
  }

  // ---- taking the ticket ----

  function next() {
    const order = steps();
    const at = order.indexOf(state.step);
    if (at + 1 < order.length) go(order[at + 1]);
    else issue();
  }

  function back() {
    const order = steps();
    const at = order.indexOf(state.step);
    if (at > 0) go(order[at - 1]);
  }

  function newKey() {
    // getRandomValues works on plain http too (randomUUID needs a secure context).
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function post(body, key) {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return fetch("/api/v1/tickets", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Accept-Language": state.lang,
        "Content-Type": "application/json",
        "X-CSRFToken": meta ? meta.content : "",
        // One key per attempt: a retry after a lost answer returns the same ticket.
        "Idempotency-Key": key,
      },
      body: JSON.stringify(body),
    });
  }

  function wait(ms) { return new Promise((resolve) => window.setTimeout(resolve, ms)); }

  async function issue() {
    if (state.busy) return;
    state.busy = true;
    for (const f of all("fieldset.guard")) f.disabled = true;
    root.dataset.issuing = "true";
    const visitor = state;
    const body = { service: state.service, language: state.lang, needs: [...state.needs],
                   priority: state.priority };
    const key = newKey();
    let response = null;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt += 1) {
      if (attempt > 0) {
        setMessage("retrying");
        await wait(RETRY_DELAYS_MS[attempt - 1]);
      }
      if (state !== visitor) return;  // started over meanwhile
      try {
        response = await post(body, key);
        if (response.status < 500) break;
      } catch (failure) {
        response = null;
      }
    }
    delete root.dataset.issuing;
    if (state !== visitor) return;
    state.busy = false;
    if (response === null || response.status >= 500) {
      goOffline();
      reset(false);
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      state.message = null;
      state.ticket = answer;
      go("ticket");
      startCountdown();
      return;
    }
    const code = answer.error && answer.error.code;
    const known = { service_closed: "closed", service_full: "full", rate_limited: "rate_limited" };
    if (code === "service_closed" || code === "service_full") {
      const service = services.get(state.service);
      if (service) { service.open = false; showServices(); }
      state.service = null;
      go("service");
    } else {
      for (const f of all("fieldset.guard")) f.disabled = false;
    }
    setMessage(known[code] || "error");
  }

  function showTicket() {
    const ticket = state.ticket;
    const here = panel().querySelector('[data-step="ticket"]');
    const field = (name) => here.querySelector(`[data-field="${name}"]`);
    const service = services.get(ticket.service);
    fd.text(field("number"), ticket.number);
    fd.text(field("service"), service ? service.names[state.lang] : ticket.service);
    fd.text(field("ahead"), ticket.people_ahead);
    fd.text(field("eta"), etaText(ticket, "ticket_"));
    const bring = data.bring[ticket.service];
    fd.text(field("bring"), bring ? fill(texts().bring, { s: bring[state.lang] }) : "");
    const qr = "/t/" + ticket.id + "/qr.svg";
    if (field("qr").getAttribute("src") !== qr) field("qr").src = qr;
    const down = printer && (printer.online === false || printer.failed_job === ticket.id);
    const printerField = field("printer");
    fd.text(printerField, down ? texts().printer_down : texts().printing);
    printerField.dataset.printer = down ? "down" : "ok";
    here.dataset.ticket = ticket.id;
  }

  function startCountdown() {
    let left = data.ticket_seconds;
    const tick = () => {
      for (const c of all('[data-field="closing"]')) {
        const t = data.texts[c.closest(".kiosk-panel").dataset.lang];
        fd.text(c, fill(t.closing, { s: left }));
      }
      if (left <= 0) { reset(true); return; }
      left -= 1;
      countdown = window.setTimeout(tick, 1000);
    };
    tick();
  }

  // ---- forgetting the visitor ----

  function pristine() {
    return state.step === "service" && state.lang === data.default_language && !state.message;
  }

  function watchIdle() {
    window.clearTimeout(idleTimer);
    idle.hidden = true;
    if (state.step === "ticket" || pristine()) return;
    idleTimer = window.setTimeout(warnIdle, data.idle_seconds * 1000);
  }

  function warnIdle() {
    let left = data.warning_seconds;
    idle.hidden = false;
    root.dataset.idle = "warning";
    fd.text(idle.querySelector("[data-action]"), texts().still_here);
    const tick = () => {
      fd.text(document.getElementById("idle-text"), fill(texts().idle, { s: left }));
      if (left <= 0) { reset(true); return; }
      left -= 1;
      idleTimer = window.setTimeout(tick, 1000);
    };
    tick();
    idle.querySelector("[data-action]").focus();
  }

  function reset(mayReload) {
    window.clearTimeout(idleTimer);
    window.clearTimeout(countdown);
    idle.hidden = true;
    delete root.dataset.idle;
    state = fresh();
    for (const f of all("fieldset.guard")) f.disabled = false;
    for (const img of all('[data-field="qr"]')) img.removeAttribute("src");
    for (const t of all('[data-step="ticket"]')) delete t.dataset.ticket;
    if (mayReload && !offline && Date.now() - loadedAt > RELOAD_AFTER_MS) {
      window.location.reload();
      return;
    }
    go("service");
  }

  // ---- the server and the printer ----

  function goOffline() {
    offline = true;
    root.dataset.offline = "true";
    showMessage();
  }

  function goOnline() {
    if (!offline) return;
    offline = false;
    delete root.dataset.offline;
    showMessage();
  }

  // While offline, ask now and then whether the server is back: the visitor in front of
  // the screen should not have to find out by tapping.
  window.setInterval(async () => {
    if (!offline) return;
    try {
      const response = await fetch("/api/v1/services", { headers: { "Accept": "application/json" } });
      if (response.ok) { merge((await response.json()).services); goOnline(); }
    } catch (failure) { /* still offline */ }
  }, 3000);

  const socket = fd.live({
    "state": (snapshot) => { merge(snapshot.services); goOnline(); },
    "queue.changed": (change) => merge(change.services),
    "printer.status": (status) => { printer = status; if (state.ticket) showTicket(); },
  });
  socket.on("disconnect", goOffline);

  // ---- touches ----

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target || target.disabled || root.dataset.guard) return;
    const action = target.dataset.action;
    if (target.dataset.setLang) {
      state.lang = target.dataset.setLang;
      show(false);
      watchIdle();
    } else if (target.dataset.service) {
      if (state.busy || target.getAttribute("aria-disabled") === "true") return;
      state.service = target.dataset.service;
      state.message = null;
      next();
    } else if (target.dataset.need) {
      const need = target.dataset.need;
      if (state.needs.has(need)) state.needs.delete(need); else state.needs.add(need);
      show(false);
    } else if (target.dataset.priority) {
      state.priority = target.dataset.priority;
      next();
    } else if (action === "no-needs") {
      state.needs.clear();
      next();
    } else if (action === "needs-done") {
      next();
    } else if (action === "no-priority") {
      state.priority = null;
      next();
    } else if (action === "back") {
      back();
    } else if (action === "restart" || action === "done") {
      reset(true);
    } else if (action === "still-here") {
      delete root.dataset.idle;
      watchIdle();
    }
  });
  // Any touch shows someone is there; the ticket screen keeps its own clock.
  for (const name of ["pointerdown", "keydown"]) {
    document.addEventListener(name, () => {
      if (state.step !== "ticket" && idle.hidden) watchIdle();
    }, { capture: true });
  }
  // No context menu on a long press, no dragging images away, no pinch zoom.
  for (const name of ["contextmenu", "dragstart", "selectstart", "gesturestart"]) {
    document.addEventListener(name, (event) => event.preventDefault());
  }

  state = fresh();
  showServices();
  show(false);
  root.dataset.kiosk = "ready";
})();
