// API request log charts: every element with data-vega-spec="<id of a json_script>" gets the
// Vega-Lite spec drawn by the vendored vega-embed (no network, no inline script).
(function () {
  "use strict";
  function draw() {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    document.querySelectorAll("[data-vega-spec]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-vega-spec"));
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      if (!spec.data || !spec.data.values || !spec.data.values.length) {
        return;
      }
      // vega-embed makes its element inline-block, which has no width of its own: the
      // "container" width of the spec would then be 0.
      element.style.display = "block";
      element.style.width = "100%";
      window.vegaEmbed(element, spec, { actions: false, renderer: "svg" });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
