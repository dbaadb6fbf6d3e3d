// Escalation Center console: the little the pages need beyond htmx.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function span(seconds) {
    seconds = Math.floor(Math.abs(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + (m < 10 ? "0" : "") + m + "m";
    if (m) return m + "m";
    return s + "s";
  }

  // Countdowns and ages tick without asking the server.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
      if (isNaN(left)) return;
      el.textContent = left >= 0 ? "in " + span(left) : "overdue " + span(left);
      el.classList.toggle("late", left < 0);
      var row = el.closest("tr.row");
      if (row && left < 0) row.classList.add("overdue");
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var ago = (now - Date.parse(el.getAttribute("data-since"))) / 1000;
      if (!isNaN(ago)) el.textContent = span(ago);
    });
  }

  // Defaults for empty time inputs: now + N minutes, in UTC as the labels say.
  function defaults(root) {
    root.querySelectorAll("input[data-default-in]").forEach(function (el) {
      if (el.value) return;
      var minutes = parseInt(el.getAttribute("data-default-in"), 10);
      el.value = new Date(Date.now() + minutes * 60000).toISOString().slice(0, 16);
    });
  }

  // Live pages: the server says "changed" over SSE; htmx re-reads the parts
  // that listen for ec:changed.
  function listen() {
    var url = document.body.getAttribute("data-stream");
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    source.addEventListener("changed", function () {
      document.body.setAttribute("data-last-change", String(Date.now()));
      if (window.htmx) window.htmx.trigger(document.body, "ec:changed");
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    defaults(document);
    tick();
    setInterval(tick, 1000);
    listen();
  });
  document.addEventListener("htmx:load", function (event) { defaults(event.target); });
})();
