// The hall display. Calls are queued so that each one, however many arrive at once, has its
// moment on screen and is announced in order; the snapshot sent on every (re)connect makes
// the screen whole again without a reload; a heartbeat notices a connection that died quietly.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("display-config").textContent);
  const $ = (id) => document.getElementById(id);
  const root = document.documentElement;
  const subset = config.services ? new Set(config.services) : null;
  // How long a call stays the newest at least. The browser tests shorten it (they queue bursts).
  const MOMENT_MS = window.frontdeskDisplayMomentMs || 6000;
  const RECENT = 6;
  const HEARTBEAT_MS = 15000;
  const HEARTBEAT_TIMEOUT_MS = 5000;
  // Calls made while the screen was offline are still announced if they are this recent.
  const CATCH_UP_MS = 120000;
  const CLIP_TIMEOUT_MS = 6000;

  let shown = [];        // calls on screen, newest first
  const pending = [];    // calls waiting for their moment, oldest first
  const known = new Set();
  let running = false;
  let firstState = true;
  let clockOffset = 0;   // the server's clock minus ours, so every display shows one time

  const key = (call) => `${call.number}|${call.recalls}|${call.called_at}`;
  const ours = (service) => subset === null || subset.has(service);

  // Screen

  function renderNow() {
    const call = shown[0];
    $("now-empty").hidden = Boolean(call);
    $("now-call").hidden = !call;
    $("now-recall").hidden = !(call && call.recalls > 0);
    if (!call) return;
    window.frontdesk.text($("now-number"), call.number);
    window.frontdesk.text($("now-desk"), call.desk);
  }

  function renderRecent() {
    $("calls").replaceChildren(...shown.slice(1, RECENT + 1).map((call) => {
      const row = document.createElement("tr");
      const number = document.createElement("td");
      number.textContent = call.number;
      if (call.recalls > 0) {
        const mark = document.createElement("span");
        mark.className = "recall-mark";
        mark.textContent = config.text.recall;
        number.appendChild(mark);
      }
      const desk = document.createElement("td");
      desk.textContent = call.desk;
      row.append(number, desk);
      return row;
    }));
    // Only whole rows: a number cut in half reads as another number.
    const bottom = $("recent").getBoundingClientRect().bottom;
    for (const row of $("calls").rows) row.hidden = row.getBoundingClientRect().bottom > bottom + 1;
  }

  function show(call) {
    shown = [call, ...shown.filter((c) => c.number !== call.number)].slice(0, RECENT + 1);
    renderNow();
    renderRecent();
  }

  function renderQueues(services) {
    for (const service of services) {
      const item = document.querySelector(`#waiting li[data-code="${CSS.escape(service.code)}"]`);
      if (item) item.querySelector(".count").textContent = String(service.waiting);
    }
  }

  function renderMessage(message) {
    const line = $("office-message");
    line.textContent = message.text || "";
    line.hidden = !message.text;
  }

  function tick() {
    const now = new Date(Date.now() + clockOffset);
    $("clock").textContent = now.toLocaleTimeString("pl-PL",
      { hour: "2-digit", minute: "2-digit", timeZone: config.timezone });
    $("clock").setAttribute("datetime", now.toISOString());
  }

  // Sound

  let manifest = null;
  let context = null;
  const player = new Audio();
  // Fetched when played, not when chosen: a screen that is muted downloads nothing.
  player.preload = "none";

  function loadClips() {
    return fetch(config.audio + "manifest.json", { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => { manifest = data; })
      .catch(() => { manifest = null; });
  }

  // "A017" → "A", 17; a number is said from at most three clips: hundreds, tens, 1-19.
  function splitNumber(number) {
    const found = /^([A-Z])0*(\d+)$/.exec(number);
    return found ? { letter: found[1], value: Number(found[2]) } : null;
  }
  function numberParts(value) {
    const parts = [];
    const hundreds = Math.floor(value / 100) * 100;
    const rest = value % 100;
    if (hundreds) parts.push(hundreds);
    if (rest >= 20) {
      parts.push(Math.floor(rest / 10) * 10);
      if (rest % 10) parts.push(rest % 10);
    } else if (rest) {
      parts.push(rest);
    }
    return parts;
  }

  function hasVoice(language) {
    if (!("speechSynthesis" in window)) return false;
    return window.speechSynthesis.getVoices().some((v) => v.lang.toLowerCase().startsWith(language));
  }

  // What to play for a call: the chime, the call in the office's language, and again in the
  // visitor's language when it is another. Clips first (they work offline and sound the same
  // on every screen); the browser's voice only for a language without clips that it speaks.
  function plan(call, clips, voiceFor) {
    const steps = [clips ? { clip: clips.chime } : { tone: true }];
    const parts = splitNumber(call.number);
    const languages = [config.office_language];
    if (call.language && call.language !== config.office_language && config.phrases[call.language]) {
      languages.push(call.language);
    }
    for (const language of languages) {
      const set = clips && clips.languages[language];
      if (set && parts && parts.value > 0 && parts.value < 1000 && call.desk < 1000) {
        for (const piece of set.phrase) {
          if (piece === "number") {
            steps.push({ clip: `${language}/letter-${parts.letter.toLowerCase()}.ogg` });
            for (const n of numberParts(parts.value)) steps.push({ clip: `${language}/n-${n}.ogg` });
          } else if (piece === "desk") {
            for (const n of numberParts(call.desk)) steps.push({ clip: `${language}/n-${n}.ogg` });
          } else {
            steps.push({ clip: `${language}/word-${piece.split(":")[1]}.ogg` });
          }
        }
      } else if (voiceFor(language)) {
        const said = parts ? `${parts.letter} ${parts.value}` : call.number;
        steps.push({
          speak: config.phrases[language].replace("{number}", said).replace("{desk}", call.desk),
          lang: config.speech_locales[language],
        });
      }
    }
    return steps;
  }

  function playClip(path) {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); player.onended = player.onerror = null; resolve(); };
      // A clip that never ends (a broken file, a stalled device) must not stop the queue.
      const timer = setTimeout(done, CLIP_TIMEOUT_MS);
      player.onended = done;
      player.onerror = done;
      player.src = config.audio + path;
      const started = player.play();
      if (started && started.catch) {
        started.catch((error) => {
          if (error && error.name === "NotAllowedError") soundBlocked();
          done();
        });
      }
    });
  }

  function speak(text, lang) {
    return new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      const voice = window.speechSynthesis.getVoices().find((v) => v.lang === lang)
        || window.speechSynthesis.getVoices().find((v) => v.lang.startsWith(lang.slice(0, 2)));
      if (voice) utterance.voice = voice;
      const timer = setTimeout(resolve, 10000);
      utterance.onend = utterance.onerror = () => { clearTimeout(timer); resolve(); };
      window.speechSynthesis.speak(utterance);
    });
  }

  function tone() {
    try {
      context = context || new AudioContext();
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = 784;
      gain.gain.setValueAtTime(0.2, context.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.5);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start();
      oscillator.stop(context.currentTime + 0.5);
    } catch (e) { /* no audio device: the call is still shown */ }
    return new Promise((resolve) => setTimeout(resolve, 500));
  }

  async function announce(call) {
    for (const step of plan(call, manifest, hasVoice)) {
      if (step.clip) await playClip(step.clip);
      else if (step.speak) await speak(step.speak, step.lang);
      else await tone();
    }
  }

  // Browsers keep a page silent until someone touches it, unless started with
  // --autoplay-policy=no-user-gesture-required (README). Ask once, then stay out of the way.
  function soundBlocked() { $("enable-sound").hidden = false; }
  $("enable-sound").addEventListener("click", () => {
    context = context || new AudioContext();
    context.resume();
    player.src = config.audio + (manifest ? manifest.chime : "");
    player.play().catch(() => {});
    $("enable-sound").hidden = true;
  });
  try {
    context = new AudioContext();
    if (context.state !== "running") soundBlocked();
  } catch (e) { /* no audio at all: nothing to enable */ }

  // The queue of calls

  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  async function run() {
    if (running) return;
    running = true;
    while (pending.length) {
      const call = pending.shift();
      const started = Date.now();
      show(call);
      try { await announce(call); } catch (e) { /* the next call must still come */ }
      await sleep(Math.max(0, MOMENT_MS - (Date.now() - started)));
    }
    running = false;
  }

  function enqueue(call) {
    if (!ours(call.service) || known.has(key(call))) return;
    known.add(key(call));
    pending.push(call);
    run();
  }

  // Live connection

  function onState(state) {
    clockOffset = Date.parse(state.at) - Date.now();
    tick();
    const calls = state.calls.filter((call) => ours(call.service));
    if (firstState) {
      firstState = false;
      for (const call of calls) known.add(key(call));
      shown = calls.slice(0, RECENT + 1);
      renderNow();
      renderRecent();
    } else {
      // Back after a gap: what was called meanwhile is shown (and, if recent, announced) in
      // the order it happened; everything else is simply brought up to date.
      const now = Date.parse(state.at);
      const missed = calls.filter((call) => !known.has(key(call))).reverse();
      for (const call of missed) {
        if (now - Date.parse(call.called_at) < CATCH_UP_MS) enqueue(call);
        else known.add(key(call));
      }
      const queued = new Set(pending.map(key));
      shown = calls.filter((call) => !queued.has(key(call))).slice(0, RECENT + 1);
      renderNow();
      renderRecent();
    }
    renderQueues(state.services);
  }

  const socket = window.frontdesk.live({
    state: onState,
    "ticket.called": enqueue,
    "queue.changed": (change) => renderQueues(change.services),
    "office.message": renderMessage,
  });

  function status() {
    const live = root.dataset.live === "ready";
    $("live-text").textContent = live ? config.text.connected : config.text.offline;
  }
  new MutationObserver(status).observe(root, { attributes: true, attributeFilter: ["data-live"] });
  status();

  // The server answers every heartbeat at once; silence means the connection is dead even if
  // the socket looks open (a proxy, a sleeping switch), so start a fresh one.
  setInterval(() => {
    if (!socket.connected) return;
    socket.timeout(HEARTBEAT_TIMEOUT_MS).emit("heartbeat", {}, (error) => {
      if (!error) return;
      root.dataset.live = "stale";
      socket.disconnect();
      socket.connect();
    });
  }, HEARTBEAT_MS);
  // A server that shut us out on purpose (a restart) is not retried by Socket.IO itself.
  socket.on("disconnect", (reason) => {
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 2000);
  });

  window.addEventListener("resize", renderRecent);
  setInterval(tick, 1000);
  tick();
  loadClips();
  window.frontdeskDisplay = { plan: (call, clips, voices) => plan(call, clips, (l) => voices.includes(l)) };
})();
