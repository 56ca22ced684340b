// The visitor's phone page: follows one ticket live. The page's data comes in a JSON block,
// not in an inline script, so the Content-Security-Policy can forbid inline scripts.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("ticket-data").textContent);
  const fd = window.frontdesk;
  const t = data.texts;
  const root = document.documentElement;
  const $ = (id) => document.getElementById(id);
  const baseTitle = document.title;
  let ticket = data.ticket;
  let soundOn = false;
  let audio = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  }

  function eta(place) {
    const range = place.eta_range;
    if (range && range[1] > 0) {
      return range[0] === range[1] ? fill(t.eta_about, { n: range[1] })
        : fill(t.eta_range, { low: range[0], high: range[1] });
    }
    if (place.eta_minutes) return fill(t.eta_about, { n: place.eta_minutes });
    if (place.eta_minutes === 0) return t.eta_none;
    return t.eta_unknown;
  }

  function clock(date) {
    return date.toLocaleTimeString(data.lang, { hour: "2-digit", minute: "2-digit",
                                                timeZone: data.timezone });
  }

  function showPlace(place) {
    fd.text($("position"), place.position ?? "–");
    fd.text($("ahead"), place.people_ahead ?? "–");
    fd.text($("eta"), place.position == null ? "–" : eta(place));
  }

  function announce(text, now) {
    // Clearing first makes a screen reader speak the same sentence again if it repeats.
    const region = $(now ? "announce-now" : "announce-polite");
    fd.text(region, "");
    window.setTimeout(() => fd.text(region, text), 50);
  }

  function show(next, live) {
    const before = ticket;
    ticket = next;
    const status = next.status;
    root.dataset.status = status;
    $("status").dataset.status = status;
    fd.text($("status"), data.labels[status] || status);
    const waiting = status === "waiting";
    $("place").hidden = !waiting;
    $("watch").hidden = !waiting;
    $("actions").hidden = !waiting;
    if (!waiting) $("confirm").hidden = true;
    showPlace(next);

    const atDesk = status === "called" || status === "serving";
    $("call").hidden = !atDesk;
    $("call").dataset.status = status;
    fd.text($("call-desk"), next.desk ?? "");
    $("recalled").hidden = !(status === "called" && next.recalls > 0);
    document.title = status === "called" ? "▶ " + fill(t.called_title, { desk: next.desk })
      : baseTitle;

    let note = "";
    if (status === "serving") note = t.serving;
    else if (status === "done") note = t.done;
    else if (status === "cancelled") note = t.cancelled;
    else if (status === "no_show") {
      let until = data.reinstate_until;
      if (live && before.status !== "no_show") {
        until = clock(new Date(Date.now() + data.reinstate_minutes * 60000));
      }
      note = until && data.reinstate_minutes > 0 ? fill(t.no_show, { time: until }) : t.no_show_soon;
    }
    fd.text($("note"), note);

    if (!live) return;
    const called = status === "called" &&
      (before.status !== "called" || next.recalls !== before.recalls);
    if (called) {
      announce(fill(t.called_announce, { desk: next.desk }), true);
      alertVisitor();
    } else if (status !== before.status) {
      announce([data.labels[status], note].filter(Boolean).join(". "), false);
    }
  }

  function alertVisitor() {
    // Both only where the browser allows: vibration needs a phone that has it, sound needs
    // the visitor to have switched it on (browsers block audio nobody asked for).
    if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
    if (soundOn && audio) {
      const now = audio.currentTime;
      for (const [at, pitch] of [[0, 880], [0.35, 660]]) {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = pitch;
        gain.gain.setValueAtTime(0.3, now + at);
        gain.gain.exponentialRampToValueAtTime(0.001, now + at + 0.3);
        tone.connect(gain).connect(audio.destination);
        tone.start(now + at);
        tone.stop(now + at + 0.3);
      }
    }
    root.dataset.alerted = String(Number(root.dataset.alerted || 0) + 1);
  }

  $("sound").addEventListener("click", () => {
    soundOn = !soundOn;
    if (soundOn && !audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
    $("sound").setAttribute("aria-pressed", String(soundOn));
    fd.text($("sound"), soundOn ? t.sound_on : t.sound_off);
  });

  $("leave").addEventListener("click", () => {
    $("confirm").hidden = false;
    $("leave-no").focus();
  });
  $("leave-no").addEventListener("click", () => {
    $("confirm").hidden = true;
    $("leave").focus();
  });
  $("leave-yes").addEventListener("click", async () => {
    $("leave-yes").disabled = true;
    fd.text($("error"), "");
    try {
      show(await fd.api("POST", "/tickets/" + ticket.id + "/cancel"), true);
      $("status").focus();
    } catch (failure) {
      fd.text($("error"), t.leave_failed);
    } finally {
      $("leave-yes").disabled = false;
    }
  });

  show(ticket, false);
  const socket = fd.live({
    "ticket.updated": (next) => show(next, true),
    // The server pushes the new place when it changes: no page asks again on every change.
    "ticket.position": (place) => {
      if (ticket.status !== "waiting") return;
      const moved = place.people_ahead !== ticket.people_ahead;
      ticket = Object.assign({}, ticket, place);
      showPlace(place);
      if (moved) announce(fill(t.place_announce, { position: place.position,
                                                    ahead: place.people_ahead }), false);
    },
  });
  socket.on("connect", () => socket.emit("follow", { ticket: ticket.id }, (reply) => {
    if (!reply.ok) return;
    show(reply.ticket, true);
    root.dataset.following = ticket.id;
  }));
})();
