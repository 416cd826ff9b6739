// Health dashboard: draw the stored checks' history from the JSON embedded in the page.
(function () {
  "use strict";

  const source = document.getElementById("health-history-data");
  if (!source) return;
  const history = JSON.parse(source.textContent);
  const labels = history.labels.map((iso) => new Date(iso).toLocaleString());

  function line(id, label, data, color) {
    new Chart(document.getElementById(id), {
      type: "line",
      data: { labels, datasets: [{ label, data, borderColor: color, backgroundColor: color,
        pointRadius: 2, spanGaps: true }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
    });
  }

  line("chart-db-latency", "ms", history.databaseLatencyMs, "#417690");
  line("chart-error-rate", "%", history.errorRate, "#c53030");
  line("chart-active-sessions", "sessions", history.activeSessions, "#2f855a");
})();
