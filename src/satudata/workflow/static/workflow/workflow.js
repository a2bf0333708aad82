// Review page: choosing a metadata field, a column or a data cell pins the comment form to it.
// Without JavaScript the form's own selects and row field do the same.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form) return;
  var target = form.querySelector("[name=target]");
  var field = form.querySelector("[name=field]");
  var column = form.querySelector("[name=column]");
  var row = form.querySelector("[name=row]");
  var body = form.querySelector("[name=body]");

  function showFor(kind) {
    form.querySelectorAll("[data-pin-for]").forEach(function (box) {
      var kinds = box.getAttribute("data-pin-for").split(" ");
      box.hidden = kinds.indexOf(kind) === -1;
    });
  }

  function pin(button) {
    var kind = button.getAttribute("data-pin-target");
    target.value = kind;
    field.value = button.getAttribute("data-pin-field") || "";
    column.value = button.getAttribute("data-pin-column") || "";
    row.value = button.getAttribute("data-pin-row") || "";
    document.querySelectorAll("[data-pin-target][aria-pressed]").forEach(function (other) {
      other.removeAttribute("aria-pressed");
    });
    button.setAttribute("aria-pressed", "true");
    showFor(kind);
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    body.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pin-target]");
    if (button) pin(button);
  });
  target.addEventListener("change", function () { showFor(target.value); });
  showFor(target.value);
})();
