/* Draws the department's report charts with the vendored Chart.js.
   Each <canvas data-chart="ID"> reads its data from the JSON in <script id="ID"> (Django's json_script),
   so no inline script is needed. Animation is off: officers read figures, and screenshots stay stable. */
(function () {
  "use strict";

  var PALETTE = ["#3949ab", "#2e7d32", "#c77700", "#b23a48", "#00838f", "#6a4c93", "#7a869a", "#8d6e63"];

  function dataset(spec, index, type) {
    var color = PALETTE[index % PALETTE.length];
    var result = Object.assign({}, spec);
    if (type === "doughnut" || type === "pie") {
      result.backgroundColor = spec.data.map(function (_, i) { return PALETTE[i % PALETTE.length]; });
      result.borderColor = "#ffffff";
    } else {
      result.backgroundColor = color;
      result.borderColor = color;
    }
    return result;
  }

  function axis(title, stacked) {
    return {
      stacked: stacked,
      beginAtZero: true,
      title: { display: Boolean(title), text: title },
      ticks: { precision: 0 },
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var round = spec.type === "doughnut" || spec.type === "pie";
    var options = {
      // Numbers on the axes are written the way the page's language writes them.
      locale: document.documentElement.lang || undefined,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: round ? "right" : "bottom" } },
    };
    if (!round) {
      options.scales = { x: axis(spec.x_title, spec.stacked), y: axis(spec.y_title, spec.stacked) };
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (each, index) { return dataset(each, index, spec.type); }),
      },
      options: options,
    });
    canvas.dataset.drawn = "true";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
