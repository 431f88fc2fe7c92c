// Hub staff: print A4 sheets of paper cards, and read the ward's card figures.
import { request } from '../api.js';
import { t } from '../i18n.js';
import { element, svgDataUrl } from './dom.js';
import { showError } from './status.js';

const MANAGERS = new Set(['hub_staff', 'admin']);

// One card per cell, each with its QR and number; the rest is filled in on the phone.
function renderSheet(siteName, tokens) {
  const sheet = document.getElementById('print-sheet');
  sheet.replaceChildren(...tokens.map((token) => {
    const card = element('div', { className: 'paper-card' });
    const image = element('img');
    image.src = svgDataUrl(token.qr_svg);
    image.alt = token.short_code;
    card.append(element('p', { text: t('sheet.card_title'), className: 'paper-title' }), image,
      element('p', { text: `${token.short_code.slice(0, 4)} ${token.short_code.slice(4)}`,
        className: 'paper-code' }),
      element('p', { text: siteName, className: 'paper-site' }),
      element('p', { text: t('sheet.fill'), className: 'paper-hint' }));
    return card;
  }));
  sheet.hidden = false;
  document.body.classList.add('printing-sheet');
}

export function closeSheet() {
  document.getElementById('print-sheet').hidden = true;
  document.body.classList.remove('printing-sheet');
}

function table(headings, rows) {
  const node = element('table');
  const head = element('tr');
  head.append(...headings.map((text) => element('th', { text })));
  node.append(head, ...rows.map((cells) => {
    const row = element('tr');
    row.append(...cells.map((text) => element('td', { text: String(text ?? '—') })));
    return row;
  }));
  return node;
}

function rate(value) {
  return value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`;
}

async function showFigures(session) {
  const figures = await request('GET', `/api/wards/${session.user.ward_code}/card-figures`,
    { token: session.token });
  const counts = [t('figures.issued'), t('figures.opened'), t('figures.arrived'), t('figures.rate')];
  const totals = figures.totals;
  document.getElementById('figures').replaceChildren(
    table(counts, [[totals.issued, totals.opened, totals.arrived, rate(totals.arrival_rate)]]),
    table([t('figures.pair'), ...counts], figures.by_pair.map((pair) => [
      `${pair.issuing_site_name} → ${pair.target_site_name}`, pair.issued, pair.opened,
      pair.arrived, rate(pair.arrival_rate)])),
    table([t('figures.wish'), t('figures.issued'), t('figures.arrived'), t('figures.rate')],
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
  document.getElementById('figures-load').onclick = () => showFigures(session).catch(showError);
  window.addEventListener('afterprint', closeSheet);
}
