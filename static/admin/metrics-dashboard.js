// Metrics dashboard: fetch the window's data from the JSON endpoint, draw the charts, and
// fetch again every `data-refresh-seconds` without reloading the page.
(function () {
  "use strict";

  const root = document.getElementById("metrics-dashboard");
  if (!root) return;
  const palette = ["#417690", "#dd6b20", "#2f855a", "#c53030", "#805ad5", "#d69e2e", "#319795",
    "#b83280", "#718096", "#2b6cb0"];
  const charts = {};

  function chart(id, config) {
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update("none");
    } else {
      config.options = Object.assign(
        { responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      charts[id] = new Chart(document.getElementById(id), config);
    }
  }

  function pie(id, mapping) {
    const labels = Object.keys(mapping);
    chart(id, {
      type: "doughnut",
      data: { labels, datasets: [{ data: labels.map((k) => mapping[k]),
        backgroundColor: labels.map((_, i) => palette[i % palette.length]) }] },
      options: { plugins: { legend: { position: "right" } } },
    });
  }

  function text(value) {
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  function rows(tbody, items, cells) {
    tbody.replaceChildren(...items.map((item) => {
      const tr = document.createElement("tr");
      for (const value of cells(item)) {
        const td = document.createElement("td");
        td.textContent = text(value);
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function bucketLabel(iso, bucket) {
    const date = new Date(iso);
    return bucket === "hour"
      ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : date.toLocaleDateString([], { month: "short", day: "numeric" });
  }

  function render(data) {
    const metrics = data.metrics;
    const series = data.series;
    const totals = {
      totalEvents: metrics.totalEvents,
      uniqueSessions: metrics.uniqueSessions,
      uniqueUsers: metrics.uniqueUsers,
      activeSessions: data.activeSessions,
      apiCallP95: metrics.apiCalls.p95 === null ? null : Math.round(metrics.apiCalls.p95) + " ms",
    };
    root.querySelectorAll("[data-total]").forEach((el) => {
      el.textContent = text(totals[el.dataset.total]);
    });
    document.getElementById("metrics-empty").hidden = metrics.totalEvents > 0;

    const labels = series.labels.map((iso) => bucketLabel(iso, series.bucket));
    chart("chart-events", {
      type: "bar",
      data: { labels, datasets: Object.keys(series.byType).map((type, i) => ({
        label: type, data: series.byType[type], backgroundColor: palette[i % palette.length] })) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
    pie("chart-types", metrics.byType);
    pie("chart-devices", metrics.byDeviceType);
    chart("chart-latency", {
      type: "line",
      data: { labels, datasets: ["p50", "p95", "p99"].map((name, i) => ({
        label: name, data: series.apiCalls[name], borderColor: palette[i],
        backgroundColor: palette[i], spanGaps: true })) },
      options: { scales: { y: { beginAtZero: true } } },
    });
    chart("chart-sessions", {
      type: "line",
      data: { labels, datasets: [{ label: "sessions started",
        data: series.byType.session_start || labels.map(() => 0),
        borderColor: palette[2], backgroundColor: palette[2] }] },
      options: { scales: { y: { beginAtZero: true } } },
    });
    rows(document.getElementById("top-pages"), metrics.topPages, (p) => [p.page, p.count]);
    rows(document.getElementById("recent-events"), data.recentEvents, (e) => [
      new Date(e.createdAt).toLocaleString(), e.type, e.page, e.action,
      e.duration === null ? null : e.duration + " ms", e.deviceType]);
  }

  async function refresh() {
    const url = root.dataset.url + "&window=" + encodeURIComponent(root.dataset.window);
    const updated = document.getElementById("metrics-updated");
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" },
        credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      render(data);
      root.dataset.refreshCount = String(Number(root.dataset.refreshCount) + 1);
      root.dataset.generatedAt = data.generatedAt;
      updated.textContent = "updated " + new Date(data.generatedAt).toLocaleTimeString();
    } catch (error) {
      updated.textContent = "could not refresh (" + error.message + "); retrying";
    }
  }

  refresh();
  setInterval(refresh, Number(root.dataset.refreshSeconds) * 1000);
})();
