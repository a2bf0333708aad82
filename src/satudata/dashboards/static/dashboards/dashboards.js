/* Draws server-built Vega-Lite specs (inlined with json_script) with the vendored vega-embed,
   in pages and in panels that htmx loads later; a click on a map area sets the dashboard's
   kecamatan/desa filter. Numbers use the Indonesian locale (1.234,5). */
(function () {
  "use strict";

  var LOCALE = { decimal: ",", thousands: ".", grouping: [3], currency: ["Rp", ""] };

  function fail(element) {
    element.removeAttribute("role");
    element.classList.add("chart-failed");
    element.textContent = element.dataset.failedText || "";
  }

  function filterByRegion(formId, code) {
    var form = document.getElementById(formId);
    if (!form || !code) return;
    var parts = code.split(".");
    var kecamatan = form.querySelector("[name=kecamatan]");
    var desa = form.querySelector("[name=desa]");
    if (!kecamatan || parts.length < 3) return;
    kecamatan.value = parts.slice(0, 3).join(".");
    if (desa) {
      if (parts.length >= 4) {
        if (!desa.querySelector('option[value="' + code + '"]')) {
          var option = document.createElement("option");
          option.value = code;
          option.textContent = code;
          desa.appendChild(option);
        }
        desa.disabled = false;
        desa.value = code;
      } else {
        desa.value = "";
      }
    }
    kecamatan.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function draw(element) {
    if (element.dataset.drawn) return;
    element.dataset.drawn = "1";
    var source = document.getElementById(element.dataset.specId);
    if (!source || typeof window.vegaEmbed !== "function") {
      fail(element);
      return;
    }
    var spec = JSON.parse(source.textContent);
    // The page shows the title as a heading that wraps on a phone; images keep it in the spec.
    if (element.hasAttribute("data-html-title")) delete spec.title;
    var isMap = element.classList.contains("chart-canvas-map");
    window
      .vegaEmbed(element, spec, {
        actions: false,
        renderer: isMap ? "canvas" : "svg",
        formatLocale: LOCALE,
      })
      .then(function (result) {
        element.dataset.rendered = "1";
        if (isMap && element.dataset.filterForm) {
          result.view.addEventListener("click", function (_event, item) {
            var datum = item && item.datum;
            var code = datum && datum.properties && datum.properties.kode;
            if (code) filterByRegion(element.dataset.filterForm, String(code));
          });
        }
      })
      .catch(function () {
        fail(element);
      });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-vega-chart]").forEach(draw);
  }

  function ready() {
    drawAll(document);
    if (window.htmx) {
      window.htmx.onLoad(function (element) {
        if (element.querySelectorAll) drawAll(element);
      });
      // Back/forward: htmx puts back a snapshot of the page, in which canvases are empty;
      // draw every chart of it again.
      document.body.addEventListener("htmx:historyRestore", function () {
        document.querySelectorAll("[data-vega-chart]").forEach(function (element) {
          delete element.dataset.drawn;
          delete element.dataset.rendered;
          element.classList.remove("chart-failed");
          element.textContent = "";
          draw(element);
        });
      });
      document.body.addEventListener("htmx:afterSwap", function (event) {
        var target = event.detail && event.detail.target;
        if (target && target.hasAttribute("aria-busy")) target.setAttribute("aria-busy", "false");
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
