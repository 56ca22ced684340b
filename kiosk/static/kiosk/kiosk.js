"use strict";
(function () {
  const fd = window.frontdesk;
  const form = document.getElementById("issue");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const error = document.getElementById("error");
    fd.text(error, "");
    try {
      const ticket = await fd.api("POST", "/tickets", {
        service: data.get("service"),
        language: form.dataset.language,
        needs: data.getAll("needs"),
        priority: data.get("priority") || null,
      });
      form.hidden = true;
      fd.text(document.getElementById("number"), ticket.number);
      fd.text(document.getElementById("position"), ticket.position);
      fd.text(document.getElementById("ahead"), ticket.people_ahead);
      fd.text(document.getElementById("eta"), ticket.eta_minutes);
      document.getElementById("qr").src = "/t/" + ticket.id + "/qr.svg";
      const section = document.getElementById("ticket");
      section.hidden = false;
      section.focus();
      // The next visitor must not see (or scan) this visitor's ticket: start over by itself.
      window.setTimeout(() => window.location.assign(window.location.pathname), 30000);
    } catch (failure) {
      fd.text(error, failure.message);
    }
  });
})();
