// deskmetrics' chart widget: one plotly figure, drawn by plotly.js's basic bundle (bar, pie,
// scatter), which this module follows. The Python side sends the whole figure as JSON text;
// a click on a point sends back the trace and point index (the drill-down).
const Plotly = globalThis.__deskmetricsPlotly;
const CONFIG = { displaylogo: false, responsive: true };

function figure(model) {
  return JSON.parse(model.get("figure")); // {data, layout}
}

// Charts draw one at a time, each in its own task after a paint: a page of ten charts drawn
// in one go holds the browser for most of a second before anything shows.
const turns = (globalThis.__deskmetricsDraws ??= { last: Promise.resolve() });
const afterPaint = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));

function inTurn(step) {
  const run = turns.last.then(afterPaint).then(step);
  turns.last = run.catch(() => {});
  return run;
}

function render({ model, el }) {
  const plot = document.createElement("div");
  el.appendChild(plot);
  let drawing = null; // the last drawing step, once the first has started
  const draw = () => {
    const first = figure(model);
    return Plotly.newPlot(plot, first.data, first.layout, CONFIG).then(() => {
      plot.dataset.drawn = "true"; // for whoever waits on the chart (tests, the benchmark)
      plot.on("plotly_click", (event) => {
        const point = event.points[0];
        if (point) model.send({ event: "click", trace: point.curveNumber, point: point.pointIndex });
      });
    });
  };
  // Draw once the page has laid the chart out: a chart drawn before it is on the page takes
  // plotly's default width and is drawn a second time when it gets its box.
  const sized = new ResizeObserver(() => {
    if (!el.offsetWidth) return; // not on the page, or hidden
    if (drawing === null) {
      drawing = inTurn(draw);
    } else {
      drawing = drawing.then(() => Plotly.Plots.resize(plot));
    }
  });
  sized.observe(el);
  model.on("change:figure", () => {
    if (drawing === null) return; // the first drawing reads the figure then
    const next = figure(model);
    drawing = drawing.then(() => Plotly.react(plot, next.data, next.layout, CONFIG));
  });
  return () => {
    sized.disconnect();
    Plotly.purge(plot);
  };
}

export default { render };
