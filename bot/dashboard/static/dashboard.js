// Draws the dashboard's charts from the JSON block the server rendered (no inline script,
// so the Content-Security-Policy can forbid it). Every chart has a table beside it with the
// same numbers; the chart is the glance, the table the record.
(function () {
  "use strict";
  var PALETTE = ["#3563e9", "#2e9e5b", "#d1495b", "#c9a227", "#7b4fd6", "#1b9aaa", "#e07a2d", "#6b7280"];

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  }

  function config(spec) {
    var single = spec.datasets.length === 1;
    var datasets = spec.datasets.map(function (d, i) {
      var color = spec.colors && single ? spec.colors : (spec.type === "doughnut" ? PALETTE : PALETTE[i % PALETTE.length]);
      return Object.assign({
        backgroundColor: color,
        borderColor: spec.type === "line" ? color : (spec.type === "doughnut" ? "#fff" : color),
        borderWidth: spec.type === "line" ? 2 : 1,
        spanGaps: true,
        tension: 0.2
      }, d);
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: { legend: { display: !single || spec.type === "doughnut", position: "bottom" } }
    };
    if (spec.type !== "doughnut") {
      options.scales = {
        x: { stacked: !!spec.stacked },
        y: { stacked: !!spec.stacked, beginAtZero: true }
      };
      if (spec.y_max) { options.scales.y.max = spec.y_max; }
      if (spec.dual_axis) {
        options.scales.y = { position: "left", min: 0, max: 5, title: { display: true, text: "CSAT" } };
        options.scales.y2 = { position: "right", min: -100, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "NPS" } };
      }
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw() {
    var block = document.getElementById("chart-specs");
    if (!block || typeof window.Chart === "undefined") { return; }
    JSON.parse(block.textContent || "[]").forEach(function (spec) {
      var canvas = document.querySelector('canvas[data-chart="' + spec.id + '"]');
      if (!canvas) { return; }
      new window.Chart(canvas, config(spec));
      canvas.setAttribute("data-rendered", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { autosubmit(); draw(); });
})();
