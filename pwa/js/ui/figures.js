// The 「数字」 tab: the ward's figures for a period (this month unless chosen), narrowed by
// area, kind of site or site, as big numbers compared with earlier months, as charts with
// their tables, and the card figures as before.
import { request } from '../api.js';
import * as data from '../figures-data.js';
import { t } from '../i18n.js';
import { element } from './dom.js';
import { clearCharts, drawFlows, drawStacked, loadCharts } from './figures-charts.js';
import { offerMonthly, wireExports } from './figures-exports.js';
import { dataTable, flowTable, folded } from './figures-tables.js';
import { showFigures as showCardFigures } from './hubtools.js';
import { showError } from './status.js';

const byId = (id) => document.getElementById(id);
let view = null; // { session, sites }
let asked = 0; // the latest load: an older answer arriving late is dropped

function options(select, choices) {
  const kept = select.value;
  select.replaceChildren(element('option', { text: t('desk.all'), attrs: { value: '' } }),
    ...choices.map(([value, text]) => element('option', { text, attrs: { value: String(value) } })));
  if ([...select.options].some((option) => option.value === kept)) select.value = kept;
}

function fillFilters(sites) {
  const areas = new Map(sites.filter((site) => site.area)
    .map((site) => [site.area.id, site.area.name]));
  options(byId('figures-area'), [...areas].sort((a, b) => a[1].localeCompare(b[1])));
  options(byId('figures-kind'), [...new Set(sites.map((site) => site.kind).filter(Boolean))]
    .map((kind) => [kind, t(`desk.kind.${kind}`)]));
  options(byId('figures-site'), sites.map((site) => [site.id, site.name]));
}

function setMonth(month) {
  const { from, to } = data.monthPeriod(month);
  byId('figures-from').value = from;
  byId('figures-to').value = to;
}

function wirePeriod() {
  const month = byId('figures-month');
  if (!month.value) {
    month.value = data.tokyoToday().slice(0, 7);
    setMonth(month.value);
  }
  month.onchange = () => {
    if (month.value) setMonth(month.value);
    offerMonthly();
  };
  // A hand-picked period that is one whole month is that month again.
  byId('figures-from').onchange = byId('figures-to').onchange = () => {
    month.value = data.periodMonth(byId('figures-from').value, byId('figures-to').value) ?? '';
    offerMonthly();
  };
  byId('figures-form').onsubmit = (event) => {
    event.preventDefault();
    loadFigures().catch(showError);
  };
}

function query() {
  const params = new URLSearchParams({ from: byId('figures-from').value,
    to: byId('figures-to').value });
  for (const name of ['area', 'kind', 'site']) {
    const value = byId(`figures-${name}`).value;
    if (value) params.set(name, value);
  }
  return params.toString();
}

function headlineItem(item) {
  return element('li', { className: 'headline-item' },
    element('span', { className: 'headline-label', text: item.label }),
    element('span', { className: 'headline-value', text: String(item.value) }),
    ...item.changes.map((change) => element('span', { className: `change ${change.way}` },
      element('span', { text: change.arrow, attrs: { 'aria-hidden': 'true' } }),
      ` ${change.words}`)));
}

function renderHeadline(figures) {
  const items = data.headline(figures, t);
  const comparison = data.comparisonTable(figures, t);
  const underWay = data.monthUnderWay(figures, data.tokyoToday());
  byId('figures-headline').replaceChildren(
    ...(underWay ? [element('p', { className: 'warning', attrs: { id: 'figures-under-way' },
      text: t('figures.month_under_way', underWay) })] : []),
    element('ul', { className: 'headline' }, ...items.map(headlineItem)),
    comparison ? folded(dataTable('figures-comparison', comparison))
      : element('p', { className: 'hint', text: t('figures.no_comparison') }));
}

function chartBlock(id, table, extra = []) {
  const canvas = element('canvas', { attrs: { id: `${id}-canvas`, role: 'img',
    'aria-label': table.caption } });
  const block = element('section', { className: 'chart-block', attrs: { id,
    'aria-labelledby': `${id}-heading` } },
  element('h3', { text: table.caption, attrs: { id: `${id}-heading` } }),
  element('div', { className: 'chart-box' }, canvas), ...extra,
  folded(id === 'chart-flows' ? flowTable(`${id}-table`, table) : dataTable(`${id}-table`, table)));
  return { block, canvas };
}

function missingList(flows) {
  const heading = element('h4', { text: flows.missingCount
    ? t('figures.missing_heading', { count: flows.missingCount })
    : t('figures.missing_none') });
  return element('div', { className: 'missing-pairs', attrs: { id: 'figures-missing' } },
    heading, element('ul', {}, ...flows.missingPairs.map((pair) => element('li', { text: pair }))));
}

async function renderCharts(figures) {
  const weekly = data.weeklyVisits(figures, t);
  const ages = data.ageBands(figures, t);
  const topics = data.consultations(figures, t);
  const flows = data.kindFlows(figures, t);
  const blocks = {
    weekly: chartBlock('chart-weekly', weekly.table),
    ages: chartBlock('chart-ages', ages.table),
    topics: chartBlock('chart-topics', topics.table),
    flows: chartBlock('chart-flows', flows.table, [
      element('p', { className: 'hint', text: t('figures.flow_legend') }), missingList(flows)]),
  };
  clearCharts();
  byId('figures-charts').replaceChildren(...Object.values(blocks).map((one) => one.block));
  const Chart = await loadCharts();
  drawStacked(Chart, blocks.weekly.canvas, weekly);
  drawStacked(Chart, blocks.ages.canvas, ages);
  drawStacked(Chart, blocks.topics.canvas, topics, { horizontal: true });
  drawFlows(Chart, blocks.flows.canvas, flows, {
    caption: flows.table.caption,
    pair: (cell) => t('figures.pair_words', { from: flows.shortLabels[cell.y],
      to: flows.shortLabels[cell.x] }),
    cell: (cell) => (cell.missing ? t('figures.flow_none')
      : t('figures.flow_cell', { issued: cell.issued, arrived: cell.arrived })),
  });
  byId('figures-charts').dataset.drawn = 'true';
}

export async function loadFigures() {
  const mine = ++asked;
  const words = byId('figures-period-words');
  words.textContent = t('figures.loading');
  byId('figures-charts').dataset.drawn = 'false';
  let figures;
  try {
    figures = await request('GET', `/api/wards/${view.session.user.ward_code}/figures?`
      + query(), { token: view.session.token });
  } catch (error) {
    if (mine === asked) words.textContent = '';
    throw error;
  }
  if (mine !== asked) return;
  words.textContent = t('figures.period_words', { from: figures.from, to: figures.to });
  renderHeadline(figures);
  byId('figures-outreach').replaceChildren(
    dataTable('figures-outreach-table', data.outreachTable(figures, t)));
  await renderCharts(figures);
}

// Opens the tab: the filters from the ward's sites, this month at first, then the
// figures and the card figures side by side (one failing leaves the other shown).
export async function openFigures(session, sites) {
  view = { session, sites };
  fillFilters(sites);
  wirePeriod();
  wireExports(session, query);
  const cards = showCardFigures(session).catch(showError);
  await Promise.all([loadFigures(), cards]);
}
