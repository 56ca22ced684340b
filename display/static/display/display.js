"use strict";
(function () {
  const body = document.getElementById("calls");
  let calls = [];
  let audio = null;
  function render() {
    body.replaceChildren(...calls.slice(0, 8).map((call, index) => {
      const row = document.createElement("tr");
      if (index === 0) row.className = "fresh";
      for (const value of [call.number, call.desk]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      }
      return row;
    }));
  }
  function announce(call) {
    // A short chime, then the number spoken in the visitor's language.
    try {
      // One audio context for the screen's life: browsers cap how many a page may open.
      audio = audio || new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio device: the screen still shows the call */ }
    if ("speechSynthesis" in window) {
      const words = { pl: "Numer {n}, stanowisko {d}", uk: "Номер {n}, вікно {d}", en: "Number {n}, desk {d}" };
      const text = (words[call.language] || words.en).replace("{n}", call.number.split("").join(" ")).replace("{d}", call.desk);
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = { pl: "pl-PL", uk: "uk-UA", en: "en-GB" }[call.language] || "pl-PL";
      window.speechSynthesis.speak(utterance);
    }
  }
  window.frontdesk.live({
    state: (state) => { calls = state.calls; render(); },
    "ticket.called": (call) => {
      calls = [call, ...calls.filter((c) => c.number !== call.number)];
      render();
      announce(call);
    },
  });
})();
