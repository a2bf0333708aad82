// Monitoring trend chart: promises per due month, stacked by status (vendored vega-embed).
(function () {
  "use strict";
  function draw() {
    var element = document.getElementById("monitoring-trend");
    var data = document.getElementById("monitoring-trend-data");
    if (!element || !data || typeof window.vegaEmbed !== "function") {
      return;
    }
    var values = JSON.parse(data.textContent);
    if (!values.length) {
      return;
    }
    var spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      width: "container",
      height: 220,
      data: { values: values },
      mark: "bar",
      encoding: {
        x: { field: "month", type: "ordinal", title: null },
        y: { field: "count", type: "quantitative", title: null },
        color: { field: "status", type: "nominal", title: null },
        tooltip: [{ field: "month" }, { field: "status" }, { field: "count" }],
      },
    };
    // vega-embed makes its element inline-block, which has no width of its own: the
    // "container" width would then be 0 (an empty chart).
    element.style.display = "block";
    element.style.width = "100%";
    window.vegaEmbed(element, spec, { actions: false, renderer: "svg" });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
