// Keep the facet panel open on wide screens; on phones it starts folded under its summary.
(function () {
  var wide = window.matchMedia("(min-width: 48em)");
  function apply() {
    document.querySelectorAll("details[data-open-wide]").forEach(function (el) {
      el.open = wide.matches;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", apply);
  } else {
    apply();
  }
})();
