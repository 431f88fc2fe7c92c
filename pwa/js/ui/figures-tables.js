// A chart's numbers as a real table, for screen readers and for paper: folded under
// 「表で見る」 on screen, and all unfolded while the page prints.
import { t } from '../i18n.js';
import { element } from './dom.js';

// Each table scrolls sideways in its own region on a narrow phone, never the page; the
// region takes focus so it scrolls from a keyboard too.
function region(id, table) {
  return element('div', { className: 'table-scroll',
    attrs: { id, role: 'region', tabindex: '0', 'aria-labelledby': `${id}-caption` } }, table);
}

function headRow(corner, head) {
  const row = element('tr');
  row.append(...[corner, ...head].map((text) => element('th',
    { text, attrs: { scope: 'col' } })));
  return row;
}

// rows: [heading, ...values]; the first cell of each row heads it.
export function dataTable(id, { caption, head, rows }) {
  const table = element('table', {},
    element('caption', { text: caption, attrs: { id: `${id}-caption` } }),
    headRow(head[0], head.slice(1)));
  table.append(...rows.map(([heading, ...values]) => element('tr', {},
    element('th', { text: String(heading), attrs: { scope: 'row' } }),
    ...values.map((value) => element('td', { text: String(value ?? '—') })))));
  return region(id, table);
}

// The grid of introductions between kinds; a pair with none is marked in words and style.
export function flowTable(id, { caption, corner, head, rows }) {
  const table = element('table', { className: 'flow-table' },
    element('caption', { text: caption, attrs: { id: `${id}-caption` } }),
    headRow(corner, head));
  table.append(...rows.map((row) => element('tr', {},
    element('th', { text: row.head, attrs: { scope: 'row' } }),
    ...row.cells.map((cell) => element('td', { text: cell.text,
      className: cell.missing ? 'missing' : '' })))));
  return region(id, table);
}

export function folded(content) {
  return element('details', { className: 'as-table' },
    element('summary', { text: t('figures.as_table') }), content);
}

// Paper has no 「表で見る」 to tap: every table is printed open, then folded back.
let reopened = [];
window.addEventListener('beforeprint', () => {
  reopened = [...document.querySelectorAll('details.as-table:not([open])')];
  for (const details of reopened) details.open = true;
});
window.addEventListener('afterprint', () => {
  for (const details of reopened) details.open = false;
  reopened = [];
});
