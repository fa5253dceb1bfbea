// kechuang's own script: draws the dashboard's charts with ECharts (from npm,
// served from /static/vendor) from the JSON the page carries. Pages read and
// work without it; the tables next to each chart hold the same figures.
(function () {
  "use strict";
  function wan(v) {
    // Amounts arrive in whole 元; axis labels show 万元.
    if (Math.abs(v) >= 10000) return (v / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + "万";
    return v.toLocaleString("zh-CN");
  }
  function option(spec) {
    var stacked = spec.kind === "stacked";
    var horizontal = !stacked && spec.categories.length > 6;
    var cat = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
    var val = { type: "value", axisLabel: { formatter: wan } };
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return wan(v) + "元"; } },
      legend: spec.series.length > 1 ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: spec.series.length > 1 ? 40 : 8, containLabel: true },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true }) : val,
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: stacked ? "total" : undefined, data: s.data, barMaxWidth: 48 };
      })
    };
  }
  // trend: an indicator's actual values, required path, forecast band and
  // targets over the years (监测评价).
  function trend(spec) {
    var by = {};
    spec.series.forEach(function (s) { by[s.style] = s; });
    var series = [];
    if (by.actual) series.push({ name: by.actual.name, type: "line", data: by.actual.data, connectNulls: true, symbolSize: 6 });
    if (by.path) series.push({ name: by.path.name, type: "line", data: by.path.data, connectNulls: true, lineStyle: { type: "dashed" }, symbol: "none" });
    if (by.low && by.high) {
      series.push({ name: by.low.name, type: "scatter", data: by.low.data, symbol: "triangle", symbolSize: 8 });
      series.push({ name: by.high.name, type: "scatter", data: by.high.data, symbol: "triangle", symbolRotate: 180, symbolSize: 8 });
    }
    if (by.target) series.push({ name: by.target.name, type: "scatter", data: by.target.data, symbol: "diamond", symbolSize: 12 });
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + (spec.unit || ""); } },
      legend: { type: "scroll", bottom: 0, textStyle: { fontSize: 10 } },
      grid: { left: 8, right: 12, top: 12, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", scale: true },
      series: series
    };
  }
  function draw() {
    var data = document.getElementById("chart-data");
    if (!data || typeof echarts === "undefined") return;
    var specs = JSON.parse(data.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      if (!spec || spec.categories === null || spec.categories.length === 0) return;
      if (spec.kind !== "stacked" && spec.kind !== "trend") {
        el.style.height = Math.max(240, 28 * spec.categories.length + 40) + "px";
      }
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(spec.kind === "trend" ? trend(spec) : option(spec));
      el.classList.add("drawn");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
