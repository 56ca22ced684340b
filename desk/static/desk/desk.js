"use strict";
// The clerk's desk console (desk/console.html). Everything shown comes from GET /desks/{n},
// fetched again whenever a live event says something this desk shows may have changed; every
// action is one API call, and the server's refusal is shown as it words it.
(function () {
  const fd = window.frontdesk;
  const config = JSON.parse(document.getElementById("desk-config").textContent);
  const text = config.text;
  const $ = (id) => document.getElementById(id);
  const deskSelect = $("desk");
  const message = $("message");
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "…");
  const clock = new Intl.DateTimeFormat(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  let view = null; // the last GET /desks/{n}
  let current = null; // the visitor this desk holds
  let busy = false;

  // The desk is a property of the device: remembered here, not on the account.
  const remembered = localStorage.getItem("frontdesk.desk");
  if (remembered && [...deskSelect.options].some((o) => o.value === remembered)) deskSelect.value = remembered;
  const desk = () => Number(deskSelect.value);
  const deskConfig = () => config.desks[String(desk())];

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = content;
    return node;
  }
  // Waits are counted on the server's clock, not the PC's (which may be wrong).
  let skew = 0;
  const minutesSince = (iso) => Math.max(0, Math.floor((Date.now() + skew - new Date(iso)) / 60000));
  const serviceName = (code) => (config.services[code] ? `${config.services[code].letter} · ${config.services[code].name}` : code);
  const language = (code) => config.languages[code] || code;

  function say(line) { fd.text(message, line || ""); }

  async function run(action) {
    if (busy) return;
    busy = true;
    say("");
    try { return await action(); } catch (failure) { say(failure.message); } finally { busy = false; }
  }

  // One render from one snapshot of the desk.
  function render(data) {
    view = data;
    skew = new Date(data.at) - Date.now();
    renderState(data);
    renderNext(data.next);
    renderVisitor(data.ticket);
    renderQueues(data);
    renderNoShows(data.no_shows);
  }

  function renderState(data) {
    let line = text.closed;
    if (data.open && data.clerk && data.clerk !== config.me) line = fill(text.taken, { clerk: data.clerk });
    else if (data.paused) line = fill(text.paused, { reason: config.break_reasons[data.break_reason] || data.break_reason || "–", time: clock.format(new Date(data.paused_at)) });
    else if (data.open) line = fill(text.open_by, { clerk: data.clerk });
    fd.text($("desk-state"), line);
    const state = data.paused ? "paused" : data.open ? "open" : "closed";
    document.body.dataset.deskState = state;
    $("desk-open").disabled = data.open && !data.paused && data.clerk === config.me;
    $("desk-pause").disabled = !data.open || Boolean(data.ticket);
    $("desk-close").disabled = !data.open || Boolean(data.ticket);
    $("call-next").disabled = Boolean(data.ticket);
  }

  function needItems(ticket, lacks) {
    return ticket.needs.map((id) => {
      const need = config.needs[id] || { name: id };
      const item = el("li");
      item.appendChild(el("strong", null, need.name));
      const missing = need.feature && lacks.includes(need.feature);
      const advice = missing ? need.without_feature || text.lacks_generic : need.instructions;
      if (advice) item.appendChild(el("span", missing ? "advice missing" : "advice", advice));
      return item;
    });
  }

  function lacksLine(lacks) {
    return fill(text.lacks, { features: lacks.map((f) => config.features[f] || f).join(", ") });
  }

  function renderNext(ticket) {
    const body = $("next-body");
    if (!ticket) { body.replaceChildren(el("p", "status", text.nobody_waiting)); return; }
    const head = el("p", "next-head");
    head.append(el("span", "next-number", ticket.number), " ", el("span", null, serviceName(ticket.service)));
    const facts = el("p", "next-facts");
    facts.append(language(ticket.language), " · ", fill(text.waited, { n: minutesSince(ticket.issued_at) }));
    if (ticket.target_desk) facts.append(" · ", text.sent_here);
    const parts = [head, facts];
    if (ticket.priority) {
      const prio = config.priorities[ticket.priority] || { name: ticket.priority };
      parts.push(el("p", "next-priority", `${prio.name} (${text.priority_statuses[ticket.priority_status] || ticket.priority_status})`));
    }
    if (ticket.needs.length) {
      const needs = el("ul", "needs compact");
      needs.append(...ticket.needs.map((id) => el("li", null, (config.needs[id] || { name: id }).name)));
      parts.push(needs);
    }
    if (ticket.desk_lacks && ticket.desk_lacks.length) parts.push(el("p", "warning", lacksLine(ticket.desk_lacks)));
    body.replaceChildren(...parts);
  }

  function renderVisitor(ticket) {
    current = ticket && ["called", "serving"].includes(ticket.status) ? ticket : null;
    $("visitor-empty").hidden = Boolean(current);
    $("visitor-card").hidden = !current;
    document.querySelectorAll("[data-action]").forEach((button) => {
      const action = button.dataset.action;
      const serving = current && current.status === "serving";
      button.disabled = !current || (serving && ["recall", "start", "no-show"].includes(action))
        || (action === "recall" && current && current.recalls >= config.recall_limit);
    });
    fd.text($("recalls"), current ? fill(text.recalls, { n: current.recalls, limit: config.recall_limit }) : "");
    if (!current) return;
    fd.text($("number"), current.number);
    fd.text($("status"), text.statuses[current.status] || current.status);
    fd.text($("service"), serviceName(current.service));
    fd.text($("language"), language(current.language));
    $("language").lang = current.language;
    fd.text($("waited"), fill(text.minutes, { n: minutesSince(current.issued_at) }));
    const lacks = current.desk_lacks || [];
    $("lacks").hidden = !lacks.length;
    if (lacks.length) $("lacks").replaceChildren(el("strong", null, lacksLine(lacks)));
    $("needs").replaceChildren(...needItems(current, lacks));
    const prio = current.priority ? config.priorities[current.priority] || { name: current.priority, rule: "" } : null;
    $("priority").hidden = !prio;
    if (prio) {
      fd.text($("priority-name"), prio.name);
      fd.text($("priority-status"), text.priority_statuses[current.priority_status] || current.priority_status);
      $("priority-status").dataset.status = current.priority_status;
      fd.text($("priority-rule"), prio.rule);
      const open = current.priority_status === "declared";
      $("priority-accept").hidden = $("priority-reject").hidden = !open;
    }
  }

  function renderQueues(data) {
    fd.text($("desks-open"), fill(text.desks_open, { n: data.desks_open }));
    const mine = new Set(deskConfig().services);
    $("queues").replaceChildren(...data.queues.map((q) => {
      const row = el("tr", mine.has(q.code) ? "mine" : null);
      const name = el("th", null, `${q.letter} · ${(config.services[q.code] || {}).name || q.code}`);
      name.scope = "row";
      row.append(name, el("td", null, q.waiting),
        el("td", null, q.longest_wait_minutes == null ? "–" : fill(text.minutes, { n: q.longest_wait_minutes })),
        el("td", null, q.desks_open));
      return row;
    }));
  }

  function renderNoShows(list) {
    fd.text($("no-show-count"), list.length);
    $("no-shows").replaceChildren(...list.map((t) => {
      const item = el("li", "no-show");
      item.append(el("span", null, `${t.number} · ${fill(text.no_show_at, { time: clock.format(new Date(t.no_show_at)) })}`));
      const button = el("button", "secondary", text.reinstate);
      button.type = "button";
      button.addEventListener("click", () => run(async () => {
        await fd.api("POST", `/tickets/${t.id}/reinstate`);
        await refresh();
      }));
      item.append(" ", button);
      return item;
    }));
  }

  async function refresh() {
    render(await fd.api("GET", `/desks/${desk()}`));
  }
  // Live events come in bursts: one refresh for each burst.
  let pending = null;
  function soon() {
    clearTimeout(pending);
    pending = setTimeout(() => refresh().catch((failure) => say(failure.message)), 250);
  }

  deskSelect.addEventListener("change", () => {
    localStorage.setItem("frontdesk.desk", deskSelect.value);
    const panel = $("alert-panel");
    if (panel) panel.dataset.desk = deskSelect.value;
    say("");
    soon();
  });

  $("desk-open").addEventListener("click", () => run(async () => { await fd.api("POST", `/desks/${desk()}/open`); await refresh(); }));
  $("desk-close").addEventListener("click", () => run(async () => { await fd.api("POST", `/desks/${desk()}/close`); await refresh(); }));
  $("desk-pause").addEventListener("click", () => run(async () => {
    const reason = $("break-reason");
    await fd.api("POST", `/desks/${desk()}/pause`, reason ? { reason: reason.value } : {});
    await refresh();
  }));

  $("call-next").addEventListener("click", () => run(async () => {
    const ticket = await fd.api("POST", `/desks/${desk()}/call-next`);
    if (ticket === null) say(text.nobody_waiting);
    await refresh();
  }));

  document.querySelectorAll("[data-action]").forEach((button) => button.addEventListener("click", () => {
    const action = button.dataset.action;
    if (action === "transfer") { openTransfer(); return; }
    run(async () => {
      if (!current) return;
      const outcome = $("outcome");
      const body = action === "finish" && outcome ? { outcome: outcome.value } : undefined;
      await fd.api("POST", `/tickets/${current.id}/${action}`, body);
      await refresh();
    });
  }));

  for (const [id, accepted] of [["priority-accept", true], ["priority-reject", false]]) {
    $(id).addEventListener("click", () => run(async () => {
      await fd.api("POST", `/tickets/${current.id}/verify-priority`, { accepted });
      await refresh();
    }));
  }

  // Transfer: the dialog ends with what to tell the visitor, their place in the new line.
  const transferDialog = $("transfer-dialog");
  let transferred = null;
  function openTransfer() {
    if (!current) return;
    transferred = null;
    fd.text($("transfer-number"), current.number);
    $("transfer-done").hidden = true;
    $("transfer-send").disabled = false;
    transferDialog.dataset.ticket = current.id;
    transferDialog.dataset.language = current.language;
    transferDialog.showModal();
  }
  $("transfer-send").addEventListener("click", () => run(async () => {
    const [kind, value] = $("transfer-to").value.split(":");
    const body = kind === "desk" ? { desk: Number(value) } : { service: value };
    const ticket = await fd.api("POST", `/tickets/${transferDialog.dataset.ticket}/transfer`, body);
    transferred = ticket;
    const place = kind === "desk" ? config.desks[value].name : serviceName(value);
    const box = $("transfer-done");
    box.replaceChildren(el("p", null, text.transferred), ...phraseBlocks("transfer", ticket.language, { position: ticket.position, place }));
    box.hidden = false;
    $("transfer-send").disabled = true;
    await refresh();
  }));

  // Out of order: pick the visitor and one of the office's reasons; the server refuses without.
  const oooDialog = $("ooo-dialog");
  $("out-of-order").addEventListener("click", () => {
    if (!view) return;
    const select = $("ooo-ticket");
    select.replaceChildren(...view.waiting.map((t) => {
      const option = el("option", null, `${t.number} · ${serviceName(t.service)} · ${language(t.language)} · ${fill(text.waited, { n: t.waited_minutes })}`);
      option.value = t.id;
      return option;
    }));
    $("ooo-reason").value = "";
    fd.text($("ooo-message"), "");
    oooDialog.showModal();
  });
  $("ooo-send").addEventListener("click", async () => {
    fd.text($("ooo-message"), "");
    try {
      await fd.api("POST", `/tickets/${$("ooo-ticket").value}/call`, { desk: desk(), reason: $("ooo-reason").value });
      oooDialog.close();
      await refresh();
    } catch (failure) {
      fd.text($("ooo-message"), failure.message);
    }
  });
  document.querySelectorAll("dialog [data-close]").forEach((button) => button.addEventListener("click", () => button.closest("dialog").close()));

  // A demand to go first: logged in one tap, and the answer is the rule, in both languages.
  $("queue-jump").addEventListener("click", () => run(async () => {
    const logged = await fd.api("POST", `/desks/${desk()}/queue-jump-demands`, current ? { ticket_id: current.id } : {});
    const rules = el("ul", "rules");
    rules.append(...logged.rules.map((r) => {
      const item = el("li", null, `${r.name}: ${r.explanation}`);
      item.lang = logged.language || config.default_language;
      return item;
    }));
    showPhrase("queue_jump", [el("p", "status", text.queue_jump_logged)], [el("p", "status", text.priority_rules), rules]);
  }));

  // The phrasebook: the office's language first, then the visitor's when it is another.
  const phrasebook = new Map();
  document.querySelectorAll("button[data-phrase]").forEach((button) => phrasebook.set(button.dataset.phrase, button));
  const phrases = JSON.parse(document.getElementById("phrase-data").textContent);
  function phraseBlocks(id, visitorLanguage, values) {
    const phrase = phrases.find((p) => p.id === id);
    if (!phrase) return [];
    const languages = [config.default_language];
    if (visitorLanguage && visitorLanguage !== config.default_language) languages.push(visitorLanguage);
    return languages.map((lang) => {
      const block = el("blockquote", "say", fill(phrase.text[lang], values || {}));
      block.lang = lang;
      return block;
    });
  }
  function showPhrase(id, before, after) {
    phrasebook.forEach((button, key) => button.setAttribute("aria-pressed", String(key === id)));
    const visitor = current ? current.language : null;
    $("phrase").replaceChildren(...(before || []), ...phraseBlocks(id, visitor, {}), ...(after || []));
  }
  phrasebook.forEach((button, id) => button.addEventListener("click", () => showPhrase(id)));

  // Keys for the frequent actions, as shown on the buttons. Single letters, so they can be
  // switched off (remembered per device), and never taken while typing or with a modifier
  // (Ctrl+Alt+N belongs to the alert panel).
  const keys = { n: "call-next", r: "[data-action=recall]", s: "[data-action=start]", f: "[data-action=finish]", x: "[data-action=no-show]", t: "[data-action=transfer]", o: "out-of-order", j: "queue-jump" };
  const keysOn = $("keys-on");
  keysOn.checked = localStorage.getItem("frontdesk.desk.keys") !== "0";
  const showKeys = () => document.body.classList.toggle("keys-off", !keysOn.checked);
  showKeys();
  keysOn.addEventListener("change", () => { localStorage.setItem("frontdesk.desk.keys", keysOn.checked ? "1" : "0"); showKeys(); });
  document.addEventListener("keydown", (event) => {
    if (!keysOn.checked || event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    if (event.target.closest("input, select, textarea, dialog") || document.querySelector("dialog[open]")) return;
    const target = keys[event.key.toLowerCase()];
    if (!target) return;
    const button = target.startsWith("[") ? document.querySelector(target) : $(target);
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });

  // Waiting times move with the clock, not only with events.
  setInterval(() => { if (view) { renderNext(view.next); renderVisitor(current && view.ticket); } }, 30000);

  const panel = $("alert-panel");
  if (panel) panel.dataset.desk = deskSelect.value;
  fd.live({
    state: () => soon(),
    "queue.changed": () => soon(),
    "ticket.issued": () => soon(),
    "ticket.updated": () => soon(),
    "desk.changed": (change) => { if (change.number === desk()) soon(); },
  });
  refresh().catch((failure) => say(failure.message));
})();
