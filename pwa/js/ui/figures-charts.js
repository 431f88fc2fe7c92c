// The figures page's charts, drawn by Chart.js (and its matrix chart type for the flows
// between site kinds): this module only configures them. The library (about 200 kB) is
// fetched and run only when the figures page first opens, not on every phone's start.

// Okabe–Ito colours: told apart also by people with colour-blindness.
const KIND_COLOURS = { hub: '#0072B2', tsudoi_hiroba: '#E69F00', supporter_program: '#CC79A7',
  nursery_hiroba: '#009E73', kindergarten_hamakko: '#56B4E9', salon: '#D55E00' };
const ANSWER_COLOURS = { answered_on_site: '#009E73', referred_to_site: '#0072B2',
  connected_to_ward: '#D55E00' };
const AGE_COLOURS = { children_0: '#E69F00', children_1: '#56B4E9', children_2: '#009E73',
  children_3plus: '#0072B2' };
const INK = '#1f2421';
const MISSING_BORDER = '#b00020';

let library = null;
const drawn = [];

// The UMD builds set globalThis.Chart; the matrix plug-in registers itself on it, so it
// must run second (see pwa/vendor/README.md for why not the ES-module builds).
export function loadCharts() {
  library ??= import('../../vendor/chartjs/chart.umd.js')
    .then(() => import('../../vendor/chartjs-chart-matrix/chartjs-chart-matrix.min.js'))
    .then(() => globalThis.Chart)
    .catch((error) => {
      library = null;
      throw error;
    });
  return library;
}

// Charts hold listeners on the window: let the old ones go before new canvases come.
export function clearCharts() {
  while (drawn.length) drawn.pop().destroy();
}

function draw(Chart, canvas, config) {
  Chart.getChart(canvas)?.destroy();
  drawn.push(new Chart(canvas, config));
}

function common() {
  // No animation: the numbers are read, not watched, and a print shows the final chart.
  return { animation: false, responsive: true, maintainAspectRatio: false,
    color: INK, plugins: { legend: { position: 'bottom' } } };
}

const COLOURS = { ...KIND_COLOURS, ...ANSWER_COLOURS, ...AGE_COLOURS };

// A stacked bar chart of { labels, series }; `horizontal` for long category names.
export function drawStacked(Chart, canvas, { labels, series }, { horizontal = false } = {}) {
  const count = { stacked: true, beginAtZero: true, ticks: { precision: 0, color: INK } };
  const category = { stacked: true, ticks: { color: INK, autoSkip: !horizontal } };
  draw(Chart, canvas, {
    type: 'bar',
    data: { labels, datasets: series.map((one) => ({ label: one.label, data: one.data,
      backgroundColor: COLOURS[one.key] ?? INK })) },
    options: { ...common(), indexAxis: horizontal ? 'y' : 'x',
      scales: horizontal ? { x: count, y: category } : { x: category, y: count } },
  });
}

// The kinds × kinds matrix: darker for more introductions, and a thick red border on a
// pair with none, with its words in the tooltip and the list beside the chart.
export function drawFlows(Chart, canvas, flows, words) {
  const most = Math.max(1, ...flows.cells.map((cell) => cell.issued));
  const size = flows.kinds.length;
  const axis = (reverse) => ({ type: 'category', labels: flows.kinds, offset: true, reverse,
    grid: { display: false },
    ticks: { color: INK, callback: (_, index) => flows.shortLabels[flows.kinds[index]] } });
  draw(Chart, canvas, {
    type: 'matrix',
    data: { datasets: [{
      label: words.caption,
      data: flows.cells,
      backgroundColor: ({ raw }) => (raw.missing ? '#ffffff'
        : `rgba(47, 111, 79, ${0.12 + (0.88 * raw.issued) / most})`),
      borderColor: ({ raw }) => (raw.missing ? MISSING_BORDER : '#c9cfc9'),
      borderWidth: ({ raw }) => (raw.missing ? 3 : 1),
      width: ({ chart }) => (chart.chartArea?.width ?? 0) / size - 4,
      height: ({ chart }) => (chart.chartArea?.height ?? 0) / size - 4,
    }] },
    options: { ...common(),
      plugins: { legend: { display: false },
        tooltip: { callbacks: {
          title: ([item]) => words.pair(item.raw),
          label: (item) => words.cell(item.raw),
        } } },
      scales: { x: { ...axis(false), position: 'top' }, y: axis(false) } },
  });
}
