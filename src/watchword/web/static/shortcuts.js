// Keyboard shortcuts for the queue, report and campaign pages (issue 15). Progressive enhancement:
// every action is also a link or a form that works without this file. Served as a static file
// because the Content-Security-Policy forbids inline script. The list shown to people is rendered
// by the server (web/console/common.py SHORTCUTS) in #shortcut-help and on /console/shortcuts.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
  var current = -1;
  var help = document.getElementById("shortcut-help");

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0) { rows[current].classList.remove("kb-current"); rows[current].removeAttribute("aria-current"); }
    current = index;
    rows[current].classList.add("kb-current");
    rows[current].setAttribute("aria-current", "true");
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function csrf() {
    var field = document.querySelector("input[name=csrf]");
    return field ? field.value : "";
  }

  function post(action, fields) {
    // A real form post, as the buttons make: the server checks the CSRF token and the origin.
    var form = document.createElement("form");
    form.method = "post";
    form.action = action;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function toggleHelp(show) {
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  function assignToMe() {
    var own = document.getElementById("assign-me-form");
    if (own) { own.submit(); return; }
    if (current < 0) { return; }
    var row = rows[current];
    post("/console/" + row.getAttribute("data-kind") + "/" + row.getAttribute("data-id") + "/assign", {
      csrf: csrf(), assignee: "me", back: location.pathname + location.search
    });
  }

  function verdictMenu() {
    var menu = document.getElementById("verdict");
    if (!menu) { return; }
    menu.scrollIntoView({ block: "center" });
    menu.focus();
    if (typeof menu.showPicker === "function") {
      try { menu.showPicker(); } catch (e) { /* needs a user gesture in some browsers: focus is enough */ }
    }
  }

  function open() {
    if (current < 0) { return false; }
    var link = rows[current].querySelector("a[href]");
    if (link) { location.href = link.href; return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (typing(event.target)) { return; }
    var key = event.key;
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (key === "j") { event.preventDefault(); select(current + 1); return; }
    if (key === "k") { event.preventDefault(); select(current < 0 ? 0 : current - 1); return; }
    if (key === "o" || (key === "Enter" && (event.target === document.body || event.target.tagName === "TR"))) {
      if (open()) { event.preventDefault(); }
      return;
    }
    if (key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[type=checkbox]");
      if (box) { event.preventDefault(); box.checked = !box.checked; }
      return;
    }
    if (key === "a") { event.preventDefault(); assignToMe(); return; }
    if (key === "v") { event.preventDefault(); verdictMenu(); }
  });

  document.querySelectorAll("[data-shortcut-help]").forEach(function (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); toggleHelp(true); });
  });
})();
