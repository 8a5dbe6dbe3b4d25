// Progressive enhancement only: every page works without this file.
// Loaded as a static file because the Content-Security-Policy forbids inline script.
(function () {
  "use strict";
  // Filter forms apply as soon as a choice changes (the Filter button stays for keyboards and no-JS).
  document.querySelectorAll("form[data-autosubmit] select, form[data-autosubmit] input[type=checkbox]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // The bulletin editor's preview follows the text as it is typed (the Preview button does the same
  // without JavaScript): the server renders and checks it, this only swaps the fragment in.
  var editor = document.querySelector("form[data-preview]");
  var preview = document.getElementById("bulletin-preview");
  if (editor && preview && window.fetch && window.FormData) {
    var timer = null;
    var refresh = function () {
      fetch(editor.getAttribute("data-preview"), { method: "POST", body: new FormData(editor), credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;  // server-rendered: Markdown without raw HTML, cleaned by nh3
          var fresh = holder.querySelector("#bulletin-preview");
          var current = document.getElementById("bulletin-preview");
          if (fresh && current) { current.replaceWith(fresh); }
        })
        .catch(function () { /* the Preview button still works */ });
    };
    editor.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    });
  }
  // "/" jumps to search, as in most consoles, unless the analyst is typing somewhere.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
    if (event.key === "/" && !typing) {
      var q = document.getElementById("q");
      if (q) { event.preventDefault(); q.focus(); }
    }
  });
})();
// A table wider than the screen scrolls in its own box (console.css, phone widths): made focusable so
// that a keyboard alone can scroll it. Checked again when the window changes size (a phone turned).
(function () {
  "use strict";
  function focusableWhenScrolling() {
    document.querySelectorAll("table.list").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  focusableWhenScrolling();
  window.addEventListener("resize", focusableWhenScrolling);
})();
