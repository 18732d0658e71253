"use strict";
(function () {
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark.q[data-q]"));
  var warnings = Array.prototype.slice.call(document.querySelectorAll(".warning"));
  var checks = Array.prototype.slice.call(document.querySelectorAll(".check"));
  var pairs = Array.prototype.slice.call(document.querySelectorAll("section.pair"));
  var button = document.getElementById("next-warning");

  function sameQuotation(mark) {
    var number = mark.getAttribute("data-q");
    return marks.filter(function (other) { return other.getAttribute("data-q") === number; });
  }
  function highlight(mark, name, on) {
    sameQuotation(mark).forEach(function (other) { other.classList.toggle(name, on); });
  }
  function side(mark) {
    var cell = mark.closest("[data-side]");
    return cell ? cell.getAttribute("data-side") : "";
  }
  // Enter on a quotation: its first piece in the other column (source <-> translation).
  function counterpart(mark) {
    var here = side(mark);
    var there = here === "de" ? "en" : "de";
    var found = sameQuotation(mark).filter(function (other) { return side(other) === there; });
    return found.length ? found[0] : null;
  }
  function show(element) {
    element.focus({ preventScroll: true });
    element.scrollIntoView({ block: "center" });
  }
  marks.forEach(function (mark) {
    mark.addEventListener("mouseenter", function () { highlight(mark, "hovered", true); });
    mark.addEventListener("mouseleave", function () { highlight(mark, "hovered", false); });
    mark.addEventListener("focus", function () { highlight(mark, "focused", true); });
    mark.addEventListener("blur", function () { highlight(mark, "focused", false); });
    mark.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      var other = counterpart(mark);
      if (other) { event.preventDefault(); show(other); }
    });
  });

  // Steps through ``items`` (warnings, sentences to check first), naming the position on
  // ``control``'s label.
  function stepper(items, control, label) {
    var current = -1;
    function step(by) {
      if (!items.length) { return; }
      current = (current + by + items.length) % items.length;
      show(items[current]);
      if (control) { control.textContent = label + " (" + (current + 1) + "/" + items.length + ")"; }
    }
    if (control) { control.addEventListener("click", function () { step(1); }); }
    return step;
  }
  var stepWarning = stepper(warnings, button, "Next warning");
  var stepCheck = stepper(checks, document.getElementById("next-check"), "Next to check");

  function stepParagraph(step) {
    if (!pairs.length) { return; }
    var now = pairs.indexOf(document.activeElement && document.activeElement.closest("section.pair"));
    var next = now < 0 ? (step > 0 ? 0 : pairs.length - 1) : now + step;
    if (next >= 0 && next < pairs.length) { show(pairs[next]); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    var actions = {
      j: function () { stepParagraph(1); },
      k: function () { stepParagraph(-1); },
      n: function () { stepWarning(1); },
      p: function () { stepWarning(-1); },
      c: function () { stepCheck(1); },
      C: function () { stepCheck(-1); }
    };
    if (Object.prototype.hasOwnProperty.call(actions, event.key)) {
      event.preventDefault();
      actions[event.key]();
    }
  });
})();
