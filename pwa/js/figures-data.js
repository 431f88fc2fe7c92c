// The ward's figures (GET /api/wards/{code}/figures) turned into what the figures page
// draws: each chart's labels and series, and the same numbers as rows of a table. Pure: no
// DOM, no fetch, no clock (today comes in as an argument), so a test can feed it a JSON
// and read back exactly what the page will show. Words come from `label(key, params)`,
// the i18n `t` in the app.

export const AGE_BANDS = ['children_0', 'children_1', 'children_2', 'children_3plus'];
// The big numbers on top of the page, in this order; all are keys of `totals`.
export const HEADLINE = ['sessions', 'days_open', 'adults', 'children', 'first_time',
  'expecting_parents', 'fathers', 'worry'];

const DAY_MS = 86_400_000;

function parseDay(day) {
  const [year, month, date] = day.split('-').map(Number);
  return Date.UTC(year, month - 1, date);
}

function formatDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

// The ward's calendar is Tokyo's, whatever the clock of the PC that shows it.
export function tokyoToday(now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(now);
}

// "2026-11" -> { from: "2026-11-01", to: "2026-11-30" }
export function monthPeriod(month) {
  const [year, number] = month.split('-').map(Number);
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

// The month a period is, when it is exactly one calendar month; otherwise null.
export function periodMonth(from, to) {
  if (!from || !to) return null;
  const month = from.slice(0, 7);
  const whole = monthPeriod(month);
  return whole.from === from && whole.to === to ? month : null;
}

function monday(day) {
  const ms = parseDay(day);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  return formatDay(ms - weekday * DAY_MS);
}

// Every week that touches the period, so a week with no visits shows as a gap of 0
// rather than disappearing from the axis.
export function weeksOf(from, to) {
  const weeks = [];
  for (let ms = parseDay(monday(from)); ms <= parseDay(to); ms += 7 * DAY_MS) {
    weeks.push(formatDay(ms));
  }
  return weeks;
}

function kindsIn(rows, field) {
  return [...new Set(rows.map((row) => row[field]))];
}

// The kinds in vocabulary order: the server lists every pair of kinds in that order.
export function kindOrder(figures) {
  const fromFlows = kindsIn(figures.cards?.kind_flows ?? [], 'from_kind');
  const extra = kindsIn(figures.by_week ?? [], 'kind').filter((kind) => !fromFlows.includes(kind));
  return [...fromFlows, ...extra];
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

// People who came (adults and children) per week, one series per site kind that had any
// session (the server lists every kind, zeros included: six empty series are noise).
export function weeklyVisits(figures, label) {
  const weeks = weeksOf(figures.from, figures.to);
  const present = new Set(figures.by_week.filter((row) => row.sessions > 0)
    .map((row) => row.kind));
  const kinds = kindOrder(figures).filter((kind) => present.has(kind));
  const people = new Map(figures.by_week.map((row) => [`${row.week}|${row.kind}`,
    row.adults + row.children]));
  const series = kinds.map((kind) => ({ key: kind, label: label(`figures.kind_short.${kind}`),
    data: weeks.map((week) => people.get(`${week}|${kind}`) ?? 0) }));
  return {
    labels: weeks.map((week) => label('figures.week_of', { date: week.slice(5).replace('-', '/') })),
    series,
    table: {
      caption: label('figures.chart.weekly'),
      head: [label('figures.week'), ...kinds.map((kind) => label(`desk.kind.${kind}`)),
        label('figures.sum')],
      rows: weeks.map((week, index) => {
        const values = series.map((one) => one.data[index]);
        return [label('figures.week_of', { date: week }), ...values, sum(values)];
      }),
    },
  };
}

function share(part, whole) {
  return whole ? `${Math.round((part / whole) * 100)}%` : '—';
}

// Children by age band, month by month. A single month is no trend, so when the period is
// one month the three months before it come first (from the comparison).
export function ageBands(figures, label) {
  let months = figures.by_month.map((row) => ({ month: row.month, totals: row }));
  if (months.length <= 1 && figures.comparison) {
    months = [...figures.comparison.previous].reverse()
      .map((one) => ({ month: one.month, totals: one.totals }))
      .concat([{ month: figures.comparison.month, totals: figures.totals }]);
  }
  const series = AGE_BANDS.map((band) => ({ key: band, label: label(`counter.${band}`),
    data: months.map((one) => one.totals[band]) }));
  return {
    labels: months.map((one) => one.month),
    series,
    table: {
      caption: label('figures.chart.ages'),
      head: [label('figures.month'), ...AGE_BANDS.map((band) => label(`counter.${band}`)),
        label('figures.sum'), label('figures.share_0')],
      rows: months.map((one) => {
        const values = AGE_BANDS.map((band) => one.totals[band]);
        return [one.month, ...values, sum(values), share(values[0], sum(values))];
      }),
    },
  };
}

// Consultations by topic, stacked by how each was answered.
export function consultations(figures, label) {
  const topics = kindsIn(figures.consultations, 'topic');
  const answers = kindsIn(figures.consultations, 'answer');
  const counts = new Map(figures.consultations.map((row) => [`${row.topic}|${row.answer}`,
    row.count]));
  const series = answers.map((answer) => ({ key: answer, label: label(`answer.${answer}`),
    data: topics.map((topic) => counts.get(`${topic}|${answer}`) ?? 0) }));
  return {
    labels: topics.map((topic) => label(`topic.${topic}`)),
    series,
    table: {
      caption: label('figures.chart.topics'),
      head: [label('log.topic'), ...series.map((one) => one.label), label('figures.sum')],
      rows: topics.map((topic, index) => {
        const values = series.map((one) => one.data[index]);
        return [label(`topic.${topic}`), ...values, sum(values)];
      }),
    },
  };
}

// Outreach in the period as one table: the visits, who went (by profession), the
// families reached and the local people met, each a row of its own.
export function outreachTable(figures, label) {
  const { outreach } = figures;
  return {
    caption: label('figures.outreach.caption'),
    head: [label('figures.outreach.what'), label('figures.outreach.count')],
    rows: [
      [label('figures.outreach.visits'), outreach.visits],
      ...Object.entries(outreach.by_role).map(([role, count]) => [
        label('figures.outreach.went', { who: label(`outreach.went_${role}`) }), count]),
      [label('figures.outreach.reached', { who: label('outreach.parents') }), outreach.parents],
      [label('figures.outreach.reached', { who: label('outreach.children') }), outreach.children],
      ...Object.entries(outreach.met).map(([role, count]) => [
        label('figures.outreach.met', { who: label(`outreach.met_${role}`) }), count]),
    ],
  };
}

// Introductions between site kinds: a 6 × 6 grid, from-kind down, to-kind across, with
// the pairs that had no introduction at all marked: where connections are missing.
export function kindFlows(figures, label) {
  const kinds = kindOrder(figures);
  const missing = new Set((figures.cards.missing_kind_pairs ?? [])
    .map(([from, to]) => `${from}|${to}`));
  const cells = figures.cards.kind_flows.map((flow) => ({
    x: flow.to_kind, y: flow.from_kind, issued: flow.issued, arrived: flow.arrived,
    missing: missing.has(`${flow.from_kind}|${flow.to_kind}`) }));
  const cellOf = new Map(cells.map((cell) => [`${cell.y}|${cell.x}`, cell]));
  const words = (cell) => (cell.missing ? label('figures.flow_none')
    : label('figures.flow_cell', { issued: cell.issued, arrived: cell.arrived }));
  return {
    kinds,
    shortLabels: Object.fromEntries(kinds.map((kind) => [kind,
      label(`figures.kind_short.${kind}`)])),
    cells,
    missingCount: cells.filter((cell) => cell.missing).length,
    // One line per kind that sends: "サロン → 拠点・はまっ子広場", shorter than 36 lines.
    missingPairs: kinds.map((from) => ({ from, to: kinds.filter((to) => cellOf.get(`${from}|${to}`)?.missing) }))
      .filter((line) => line.to.length)
      .map((line) => label('figures.pair_words', { from: label(`figures.kind_short.${line.from}`),
        to: line.to.map((to) => label(`figures.kind_short.${to}`)).join(label('figures.list_sep')) })),
    table: {
      caption: label('figures.chart.flows'),
      corner: label('figures.from_to'),
      head: kinds.map((kind) => label(`desk.kind.${kind}`)),
      rows: kinds.map((from) => ({
        head: label(`desk.kind.${from}`),
        cells: kinds.map((to) => {
          const cell = cellOf.get(`${from}|${to}`);
          return cell ? { text: words(cell), missing: cell.missing } : { text: '—', missing: false };
        }),
      })),
    },
  };
}

function direction(difference) {
  if (difference > 0) return 'up';
  if (difference < 0) return 'down';
  return 'same';
}

const ARROWS = { up: '↑', down: '↓', same: '→' };

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

// One comparison of a number with an earlier one: the arrow, and the change in words (so
// it does not rest on colour alone).
function change(now, before, against, label) {
  const difference = Math.round((now - before) * 10) / 10;
  const way = direction(difference);
  return { way, arrow: ARROWS[way], difference,
    words: label(`figures.change_${way}`, { against, amount: formatNumber(Math.abs(difference)) }) };
}

// Each headline number with, for a one-month period, how it compares with the same month
// last year and with the average of the three months before.
export function headline(figures, label) {
  const comparison = figures.comparison;
  const months = comparison?.previous ?? [];
  return HEADLINE.map((key) => {
    const now = figures.totals[key];
    const item = { key, label: label(`figures.total.${key}`), value: now, changes: [] };
    if (comparison?.last_year) {
      item.changes.push(change(now, comparison.last_year.totals[key],
        label('figures.against_last_year', { month: comparison.last_year.month }), label));
    }
    if (months.length) {
      const average = sum(months.map((one) => one.totals[key])) / months.length;
      item.changes.push(change(now, average,
        label('figures.against_previous', { count: months.length }), label));
    }
    return item;
  });
}

// A month still under way is compared with whole months: say so, with the day it runs to.
export function monthUnderWay(figures, today) {
  return figures.comparison && figures.to >= today ? { month: figures.comparison.month, today }
    : null;
}

// The comparison as a table: each headline number this month, the same month last year
// and each of the three months before.
export function comparisonTable(figures, label) {
  const comparison = figures.comparison;
  if (!comparison) return null;
  const columns = [{ month: comparison.month, totals: figures.totals },
    ...(comparison.last_year ? [comparison.last_year] : []), ...comparison.previous];
  return {
    caption: label('figures.comparison_caption', { month: comparison.month }),
    head: [label('figures.figure'), ...columns.map((column) => column.month)],
    rows: HEADLINE.map((key) => [label(`figures.total.${key}`),
      ...columns.map((column) => column.totals[key])]),
  };
}
