// Hub staff print A4 sheets of paper cards; hub staff and ward officers read the ward's
// card figures.
import { request } from '../api.js';
import { t } from '../i18n.js';
import { element, svgDataUrl } from './dom.js';
import { showError } from './status.js';

const MANAGERS = new Set(['hub_staff', 'admin']);

// One card per cell, each with its QR and number, and ruled lines on which the supporter
// writes by hand where to go, when and whom to ask: a paper card works with no phone at
// all, and its page fills in once the supporter has entered the card.
function handLine(label) {
  return element('p', { className: 'paper-line' }, element('span', { text: label }),
    element('span', { className: 'paper-rule', attrs: { 'aria-hidden': 'true' } }));
}

function renderSheet(siteName, tokens) {
  const sheet = document.getElementById('print-sheet');
  sheet.replaceChildren(...tokens.map((token) => {
    const image = element('img');
    image.src = svgDataUrl(token.qr_svg);
    image.alt = token.short_code;
    return element('div', { className: 'paper-card' },
      element('div', { className: 'paper-top' }, image,
        element('div', {},
          element('p', { text: t('sheet.card_title'), className: 'paper-title' }),
          element('p', { text: `${token.short_code.slice(0, 4)} ${token.short_code.slice(4)}`,
            className: 'paper-code' }),
          element('p', { text: t('sheet.from', { site: siteName }), className: 'paper-site' }),
          element('p', { text: t('sheet.how'), className: 'paper-hint' }))),
      handLine(t('sheet.to')), handLine(t('sheet.on')), handLine(t('sheet.ask')));
  }));
  sheet.hidden = false;
  document.body.classList.add('printing-sheet');
}

export function closeSheet() {
  document.getElementById('print-sheet').hidden = true;
  document.body.classList.remove('printing-sheet');
}

// Each table scrolls sideways in its own region when a phone is too narrow for it, so the
// page itself never does; the region takes focus, so it scrolls from a keyboard too.
function table(id, caption, headings, rows) {
  const node = element('table', {},
    element('caption', { text: caption, attrs: { id: `${id}-caption` } }));
  const head = element('tr');
  head.append(...headings.map((text) => element('th', { text, attrs: { scope: 'col' } })));
  node.append(head, ...rows.map((cells) => {
    const row = element('tr');
    row.append(...cells.map((text) => element('td', { text: String(text ?? '—') })));
    return row;
  }));
  return element('div', { className: 'table-scroll',
    attrs: { id, role: 'region', tabindex: '0', 'aria-labelledby': `${id}-caption` } }, node);
}

function rate(value) {
  return value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`;
}

export const FIGURE_ROLES = new Set(['hub_staff', 'ward_officer', 'admin']);

export function hasFigures(user) {
  return FIGURE_ROLES.has(user?.role) && Boolean(user.ward_code);
}

// The ward's card figures: a ward officer's home, and hub staff's figures tab.
export async function showFigures(session) {
  if (!hasFigures(session.user)) return;
  document.getElementById('figures-load').onclick = () => showFigures(session).catch(showError);
  const figures = await request('GET', `/api/wards/${session.user.ward_code}/card-figures`,
    { token: session.token });
  const counts = [t('figures.issued'), t('figures.opened'), t('figures.arrived'), t('figures.rate')];
  const totals = figures.totals;
  document.getElementById('figures').replaceChildren(
    table('figures-totals', t('figures.totals'), counts,
      [[totals.issued, totals.opened, totals.arrived, rate(totals.arrival_rate)]]),
    table('figures-pairs', t('figures.by_pair'), [t('figures.pair'), ...counts],
      figures.by_pair.map((pair) => [
        `${pair.issuing_site_name} → ${pair.target_site_name}`, pair.issued, pair.opened,
        pair.arrived, rate(pair.arrival_rate)])),
    table('figures-wishes', t('figures.by_wish'),
      [t('figures.wish'), t('figures.issued'), t('figures.arrived'), t('figures.rate')],
      figures.by_wish.map((wish) => [t(`need.${wish.wish}`), wish.issued, wish.arrived,
        rate(wish.arrival_rate)])));
}

export function showHubTools(session, sites) {
  const tools = document.getElementById('hub-tools');
  tools.hidden = !MANAGERS.has(session.user.role) || !session.user.ward_code;
  if (tools.hidden) return;
  const select = document.getElementById('sheet-site');
  select.replaceChildren(...sites.map((site) => {
    const option = element('option', { text: site.name });
    option.value = site.id;
    return option;
  }));
  document.getElementById('sheet-form').onsubmit = async (event) => {
    event.preventDefault();
    try {
      const minted = await request('POST', '/api/cards/tokens', { token: session.token,
        body: { site_id: Number(select.value), count: Number(document.getElementById('sheet-count').value),
          printed: true } });
      renderSheet(select.selectedOptions[0].textContent, minted.tokens);
      window.print();
    } catch (error) {
      showError(error);
    }
  };
  window.addEventListener('afterprint', closeSheet);
}
