/* Scapula intake: small progressive enhancements. Without this file the form still works: every
   question shows, the body map list is open, and the server ignores answers that do not apply. */
(function () {
  "use strict";
  var form = document.querySelector("form.intake");

  // Sliders: show the number next to the slider as it moves.
  document.querySelectorAll("input[type=range]").forEach(function (input) {
    var out = document.querySelector("output[for='" + input.id + "']");
    input.addEventListener("input", function () { if (out) out.textContent = input.value; });
  });
  if (!form) return;

  function values(name) {
    var out = [];
    form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
      if (el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.value !== "") out.push(el.value);
    });
    return out;
  }

  // Questions that earlier answers make irrelevant are hidden, and their inputs disabled so that
  // nothing hidden is sent.
  function holds(cond) {
    var given = values(cond.field);
    if (cond["in"]) return given.length > 0 && cond["in"].indexOf(given[0]) >= 0;
    if (cond.has) return given.indexOf(cond.has) >= 0;
    var n = parseFloat(String(given[0] || "").replace(",", "."));
    return !isNaN(n) && n >= cond.gte;
  }
  function applyConditions() {
    form.querySelectorAll("[data-show-if]").forEach(function (el) {
      var show = holds(JSON.parse(el.getAttribute("data-show-if")));
      el.hidden = !show;
      el.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = !show; });
    });
  }

  // Body map: each region becomes a checkbox (click, Space or Enter) tied to the list's checkbox.
  var boxes = {};
  form.querySelectorAll("input[name=body_map]").forEach(function (b) { boxes[b.value] = b; });
  var regions = form.querySelectorAll(".region");
  function syncMap() {
    var chosen = [];
    regions.forEach(function (r) {
      var box = boxes[r.getAttribute("data-key")];
      r.setAttribute("aria-checked", box && box.checked ? "true" : "false");
    });
    Object.keys(boxes).forEach(function (k) {
      if (boxes[k].checked) chosen.push(boxes[k].parentNode.textContent.trim());
    });
    var line = document.getElementById("bodymap-chosen");
    if (line) line.textContent = chosen.length ? "You chose: " + chosen.join("; ") : "Nothing chosen yet.";
  }
  regions.forEach(function (r) {
    r.setAttribute("role", "checkbox");
    r.setAttribute("tabindex", "0");
    function toggle() {
      var box = boxes[r.getAttribute("data-key")];
      if (!box) return;
      box.checked = !box.checked;
      syncMap();
    }
    r.addEventListener("click", toggle);
    r.addEventListener("keydown", function (e) {
      if (e.key === " " || e.key === "Enter") { e.preventDefault(); toggle(); }
    });
  });
  var list = form.querySelector(".region-list");
  if (list) list.open = false;
  syncMap();

  // Safety questions: "None of these" clears the others; a ticked red flag offers a short cut.
  var none = document.getElementById("safety-none");
  var reds = form.querySelectorAll("input.red-symptom");
  var notice = document.getElementById("red-notice");
  function safety(changed) {
    if (changed === none && none.checked) reds.forEach(function (r) { r.checked = false; });
    var any = Array.prototype.some.call(reds, function (r) { return r.checked; });
    if (any && none) none.checked = false;
    if (notice) notice.hidden = !any;
  }

  // Steps: one section at a time, with Next and Back; all at once when the server found errors.
  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  var stepped = form.getAttribute("data-stepped") === "yes";
  var line = document.getElementById("step-line");
  var visited = 0;
  function show(i, focus) {
    visited = Math.max(visited, i);
    steps.forEach(function (s, k) { s.classList.toggle("current", k === i); });
    document.getElementById("submit-row").classList.toggle("current", i === steps.length - 1);
    line.hidden = false;
    line.textContent = "Step " + (i + 1) + " of " + steps.length;
    if (focus) steps[i].querySelector("h2").focus();
  }
  if (stepped) {
    steps.forEach(function (s, i) {
      s.querySelector(".step-nav").hidden = false;
      var next = s.querySelector("[data-next]"), back = s.querySelector("[data-back]");
      if (next) next.addEventListener("click", function () { show(i + 1, true); });
      if (back) back.addEventListener("click", function () { show(i - 1, true); });
    });
    show(0, false);
  }
  // The short cut sends only what was reached: unvisited lists count as "not asked".
  form.querySelectorAll("[data-skip]").forEach(function (b) {
    b.addEventListener("click", function () {
      steps.forEach(function (s, k) {
        if (stepped && k > visited) s.querySelectorAll("input").forEach(function (i) { i.disabled = true; });
      });
    });
  });

  form.addEventListener("change", function (e) { applyConditions(); safety(e.target); });
  form.addEventListener("input", applyConditions);
  applyConditions();
  safety(null);
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
