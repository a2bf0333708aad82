// Sync health chart: one point per recent run, coloured by outcome (Vega-Lite, vendored).
document.addEventListener("DOMContentLoaded", function () {
  var data = document.getElementById("sync-health-data");
  var target = document.getElementById("sync-health-chart");
  if (!data || !target || typeof vegaEmbed !== "function") return;
  var values = JSON.parse(data.textContent);
  if (!values.length) return;
  vegaEmbed(target, {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: Math.max(300, (target.parentElement.clientWidth || 800) - 120), height: 220,
    data: { values: values },
    mark: { type: "point", filled: true, size: 80 },
    encoding: {
      x: { field: "waktu", type: "temporal", title: null },
      y: { field: "konektor", type: "nominal", title: null },
      color: { field: "status", type: "nominal", title: null },
      tooltip: [{ field: "konektor" }, { field: "waktu", type: "temporal" }, { field: "status" },
                { field: "baris" }, { field: "detik" }]
    }
  }, { actions: false, renderer: "svg" });
});
