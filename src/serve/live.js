// cairn serve: reloads this tab when its page changes, and shows build
// errors over the page. Injected by `cairn serve` only, never by `build`.
(function () {
  "use strict";
  var version = null;
  var overlay = null;
  function page() {
    var p = decodeURIComponent(location.pathname).replace(/^\//, "");
    return p === "" || p.slice(-1) === "/" ? p + "index.html" : p;
  }
  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "cairn-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,23,26,.94);color:#fff;padding:2rem;font:14px/1.5 ui-monospace,monospace";
      var h = document.createElement("h2");
      h.textContent = "cairn: the site could not be rebuilt";
      h.style.cssText = "color:#ffb4a2;font:600 1.2rem system-ui,sans-serif;margin:0 0 1rem";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      var note = document.createElement("p");
      note.textContent = "The last good version of the site is still served. Fix the file and this message goes away.";
      note.style.cssText = "font-family:system-ui,sans-serif;color:#cfd6dc";
      overlay.appendChild(h);
      overlay.appendChild(pre);
      overlay.appendChild(note);
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  function swapCss() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("cairn", Date.now());
      links[i].href = url.toString();
    }
  }
  var events = null;
  var restored = false;
  function onmessage(e) {
    var s = JSON.parse(e.data);
    if (s.error) { show(s.error); return; }
    hide();
    if (version === null) { version = s.version; return; }
    var wasRestored = restored;
    restored = false;
    if (s.version === version) { return; }
    version = s.version;
    if (wasRestored) { location.reload(); return; }
    var changed = s.changed;
    if (changed === "all" || changed.indexOf(page()) >= 0) { location.reload(); return; }
    if (changed.some(function (p) { return /\.css$/.test(p); })) { swapCss(); }
  }
  // Close the stream when the page is hidden or put in the back/forward
  // cache: open streams pin one of the browser's six connections per host.
  function connect() {
    if (!events) { events = new EventSource("/__cairn/events"); events.onmessage = onmessage; }
  }
  window.addEventListener("pagehide", function () { if (events) { events.close(); events = null; } });
  window.addEventListener("pageshow", function (e) { restored = e.persisted; connect(); });
  connect();
})();
