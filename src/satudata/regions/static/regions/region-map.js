/* Draws the server-built Vega-Lite map of a region page (spec inlined with json_script). */
(function () {
  "use strict";

  function showFailure(element) {
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
    element.classList.add("region-map--failed");
    element.textContent = element.dataset.failedText || "";
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.specId);
    if (!source || typeof window.vegaEmbed !== "function") {
      showFailure(element);
      return;
    }
    var spec = JSON.parse(source.textContent);
    window
      .vegaEmbed(element, spec, { actions: false, renderer: "canvas" })
      .catch(function () {
        showFailure(element);
      });
  }

  document.querySelectorAll("[data-region-map]").forEach(draw);
})();
