"use strict";
// Inline handlers are refused by the page's CSP, so the print button is wired here.
document.getElementById("print").addEventListener("click", () => window.print());
