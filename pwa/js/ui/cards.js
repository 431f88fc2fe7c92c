// Introducing a family: find a site that fits, give a card (QR on this phone, or a paper
// card's number), follow the cards given; for a target site's staff, the families
// expected and confirming that they came.
import { request } from '../api.js';
import * as cards from '../cards.js';
import { rankSites } from '../finder.js';
import { currentLang, t } from '../i18n.js';
import { localDate } from '../staging.js';
import * as visits from '../visits.js';
import { button, element, svgDataUrl } from './dom.js';
import { showError, showStatus } from './status.js';

const STAFF = new Set(['site_staff', 'hub_staff', 'admin']);
let view = null; // { session, directory, sites, chosen }

function dateText(iso) {
  if (!iso) return t('arrivals.undated');
  const today = localDate();
  const tomorrow = localDate(new Date(Date.now() + 86400000));
  if (iso === today) return t('arrivals.today');
  if (iso === tomorrow) return t('arrivals.tomorrow');
  return new Date(`${iso}T00:00:00`).toLocaleDateString(currentLang(),
    { month: 'short', day: 'numeric', weekday: 'short' });
}

function siteName(id) {
  return view.directory?.sites.find((s) => String(s.id) === String(id))?.name ?? String(id);
}

// --- the finder and issuing --------------------------------------------------------------

function buildFinder() {
  document.getElementById('finder-wishes').replaceChildren(
    element('legend', { text: t('finder.wishes') }),
    ...visits.NEEDS.map((tag) => element('label', { className: 'check' },
      element('input', { attrs: { type: 'checkbox', value: tag, name: 'wish' } }),
      t(`need.${tag}`))));
  const age = document.getElementById('finder-age');
  age.replaceChildren(element('option', { text: t('age.unknown'), attrs: { value: '' } }),
    element('option', { text: t('age.pregnant'), attrs: { value: '-9' } }),
    ...[0, 1, 2, 3, 4, 5].map((years) => element('option',
      { text: t('age.years', { years }), attrs: { value: String(years * 12 + 6) } })));
  document.getElementById('finder-days').replaceChildren(
    element('legend', { text: t('finder.days') }),
    ...[0, 1, 2, 3, 4, 5, 6].map((day) => element('label', { className: 'check day' },
      element('input', { attrs: { type: 'checkbox', value: String(day), name: 'day' } }),
      t(`weekday.${day}`))));
  document.getElementById('finder-form').onsubmit = (event) => {
    event.preventDefault();
    showResults();
  };
}

function checked(name) {
  return [...document.querySelectorAll(`#finder-form input[name=${name}]:checked`)]
    .map((box) => box.value);
}

function reasonText(reason) {
  if (reason.code === 'wish') return t('reason.wish', { tag: t(`need.${reason.tag}`) });
  if (reason.code === 'near') return t('reason.near', { km: reason.km });
  return t(`reason.${reason.code}`);
}

// Only the days the site really opens from today (a monthly salon: its one day a month).
function openDaysText(days) {
  if (!days.length) return t('finder.open_days_unknown');
  return t('finder.open_days', { days: days.map(dateText).join('、') });
}

function eventLine(event) {
  const parts = [`${dateText(event.date)} ${event.starts_at ?? ''} ${event.title}`];
  if (event.booking_required || event.needsBooking) parts.push(t('finder.booking'));
  if (event.capacity) parts.push(t('finder.capacity', { capacity: event.capacity }));
  return parts.join('・');
}

function showResults() {
  const ageText = document.getElementById('finder-age').value;
  const query = { wishes: checked('wish'), weekdays: checked('day').map(Number),
    ageMonths: ageText === '' ? null : Number(ageText) };
  const fromSite = view.sites[0] ?? null;
  const ranked = rankSites(view.directory.sites, view.directory.events ?? [], query,
    { fromSite, today: localDate(), soonDays: 14, programmes: view.directory.programmes ?? [] })
    .slice(0, 10);
  const list = document.getElementById('finder-results');
  list.replaceChildren(...ranked.map(({ site, reasons, nextEvents, nextOpenDates }) => element(
    'li', {},
    element('div', {},
      element('strong', { text: site.name }),
      element('p', { className: 'hint', text: reasons.map(reasonText).join('・') }),
      element('p', { className: 'open-days', text: openDaysText(nextOpenDates) }),
      ...nextEvents.map((event) => element('p', { text: eventLine(event) }))),
    button(t('finder.choose'), 'primary', () => startIssue(site, query, nextEvents)))));
  if (!ranked.length) list.replaceChildren(element('li', { text: t('finder.none') }));
}

function startIssue(site, query, nextEvents) {
  view.chosen = { site, wishes: query.wishes };
  document.getElementById('issue-heading').textContent = t('issue.for', { site: site.name });
  const programme = document.getElementById('issue-programme');
  programme.replaceChildren(element('option', { text: t('issue.no_programme'), attrs: { value: '' } }),
    ...nextEvents.map((event) => element('option', { text: eventLine(event),
      attrs: { value: `${event.programme_id}|${event.date}` } })));
  programme.onchange = () => {
    const date = programme.value.split('|')[1];
    if (date) document.getElementById('issue-date').value = date;
  };
  document.getElementById('issue-date').value = '';
  document.getElementById('issue-ask').value = '';
  document.getElementById('issue-message').value = t('issue.default_message');
  document.getElementById('issue-paper').value = '';
  document.getElementById('finder-form').hidden = true;
  document.getElementById('finder-results').hidden = true;
  document.getElementById('issue-form').hidden = false;
  document.getElementById('issue-form').scrollIntoView();
}

function endIssue() {
  document.getElementById('issue-form').hidden = true;
  document.getElementById('finder-form').hidden = false;
  document.getElementById('finder-results').hidden = false;
}

async function issue(event) {
  event.preventDefault();
  const paperTyped = document.getElementById('issue-paper').value.trim();
  const paperCode = paperTyped ? cards.normaliseCode(paperTyped) : null;
  if (paperTyped && !paperCode) {
    showStatus(t('issue.bad_code'), { error: true });
    return;
  }
  const [programmeId] = document.getElementById('issue-programme').value.split('|');
  const entry = await cards.issueCard(view.session.user.id, {
    issuingSiteId: view.sites[0].id, targetSiteId: view.chosen.site.id,
    programmeId: programmeId || null,
    plannedDate: document.getElementById('issue-date').value || null,
    askFor: document.getElementById('issue-ask').value.trim(),
    message: document.getElementById('issue-message').value.trim(),
    wishes: view.chosen.wishes,
  }, paperCode);
  if (!entry) {
    showStatus(t('issue.no_tokens'), { error: true });
    return;
  }
  endIssue();
  await renderMyCards();
  if (entry.qrSvg) showCard(entry);
}

// Full screen, so the parent can scan it from the volunteer's hand.
function showCard(entry) {
  const show = document.getElementById('card-show');
  document.getElementById('card-show-qr').src = svgDataUrl(entry.qrSvg);
  document.getElementById('card-show-qr').alt = entry.url;
  document.getElementById('card-show-site').textContent = siteName(entry.card.target_site_id);
  document.getElementById('card-show-when').textContent = entry.card.planned_date
    ? t('card.when', { date: dateText(entry.card.planned_date) }) : '';
  document.getElementById('card-show-code').textContent =
    `${entry.recordId.slice(0, 4)} ${entry.recordId.slice(4)}`;
  document.getElementById('card-show-print').onclick = () => window.print();
  document.getElementById('card-show-close').onclick = () => {
    show.hidden = true;
    document.body.classList.remove('showing-card');
  };
  document.body.classList.add('showing-card');
  show.hidden = false;
  document.getElementById('card-show-close').focus();
}

async function renderMyCards() {
  const mine = await cards.myCards(view.session.user.id);
  document.getElementById('my-cards-empty').hidden = mine.length > 0;
  document.getElementById('my-cards').replaceChildren(...mine.slice(0, 50).map(({ code, entry, card }) => {
    const item = element('li', { attrs: { 'data-code': code, 'data-status': card.status } },
      element('div', {},
        element('strong', { text: siteName(card.target_site_id) }),
        element('p', { text: `${dateText(card.planned_date)}・${code}` }),
        element('span', { className: `badge ${card.status}`, text: t(`status.${card.status}`) })));
    const actions = element('div', { className: 'actions' });
    if (entry.qrSvg && ['issued', 'opened'].includes(card.status)) {
      actions.append(button(t('cards.show'), 'secondary', () => showCard(entry)));
    }
    if (['issued', 'opened'].includes(card.status)) {
      actions.append(button(t('cards.cancel'), 'danger', async () => {
        if (!window.confirm(t('cards.cancel_confirm'))) return;
        await cards.cancelCard(view.session.user.id, code).catch(showError);
        await renderMyCards();
      }));
    }
    item.append(actions);
    return item;
  }));
}

// --- arrivals at the target site ------------------------------------------------------------

async function confirm(code) {
  await cards.confirmArrival(view.session.user.id, code);
  showStatus(t('arrivals.confirmed', { code }));
  await renderArrivals();
}

async function renderArrivals() {
  const expected = await cards.expectedAt(view.session.user.id, view.sites.map((s) => s.id));
  const byDay = new Map();
  for (const item of expected) {
    const day = item.card.planned_date ?? '';
    byDay.set(day, [...(byDay.get(day) ?? []), item]);
  }
  const list = document.getElementById('arrival-list');
  list.replaceChildren(...[...byDay].flatMap(([day, items]) => [
    element('li', { className: 'day-heading' },
      element('strong', { text: t('arrivals.day', { day: dateText(day), count: items.length }) })),
    ...items.map(({ code, card }) => element('li', { attrs: { 'data-code': code } },
      element('div', {},
        element('p', { text: `${code}・${t('arrivals.from', { site: siteName(card.issuing_site_id) })}` }),
        element('p', { className: 'hint', text: card.ask_for ?? '' })),
      button(t('arrivals.confirm'), 'primary', () => confirm(code).catch(showError)))),
  ]));
  if (!expected.length) list.replaceChildren(element('li', { text: t('arrivals.none') }));
}

// The evening notices in the site's inbox (families expected tomorrow); with no signal
// the list stays as it was.
async function renderNotices() {
  const notices = await request('GET', '/api/notices', { token: view.session.token });
  document.getElementById('notice-list').replaceChildren(...notices.slice(0, 5).map(
    (notice) => element('li', { className: 'notice' }, element('strong', {
      text: t('arrivals.day', { day: dateText(notice.day), count: notice.count }) }),
    element('span', { text: notice.site_name }))));
}

function wireArrivalForm() {
  document.getElementById('arrival-form').onsubmit = async (event) => {
    event.preventDefault();
    const input = document.getElementById('arrival-code');
    const code = cards.normaliseCode(input.value);
    if (!code) {
      showStatus(t('issue.bad_code'), { error: true });
      return;
    }
    if (!(await cards.knownCard(code))) {
      showStatus(t('arrivals.unknown'), { error: true });
      return;
    }
    input.value = '';
    await confirm(code).catch(showError);
  };
  const scan = document.getElementById('arrival-scan');
  // The camera path only where the browser can read QR codes itself; typing always works.
  scan.hidden = !('BarcodeDetector' in window && navigator.mediaDevices?.getUserMedia);
  scan.onclick = () => scanCard().catch(showError);
}

async function scanCard() {
  const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  const video = document.getElementById('arrival-video');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  try {
    for (let tries = 0; tries < 100; tries += 1) {
      const [found] = await detector.detect(video);
      const code = found && await codeFromScan(found.rawValue);
      if (code) return confirm(code);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.hidden = true;
  }
  return null;
}

// A card's QR holds its parent page's URL, ending in "#<short code>" (the server puts it
// there); a bare number, as printed beside the QR, works too.
async function codeFromScan(text) {
  const match = String(text).match(/#([0-9A-Z]{8})$/);
  const code = match ? match[1] : cards.normaliseCode(text);
  if (code && await cards.knownCard(code)) return code;
  showStatus(t('arrivals.unknown'), { error: true });
  return null;
}

// --- the view -------------------------------------------------------------------------------

export async function showCards(session, directory, sites) {
  view = { session, directory, sites, chosen: null };
  const staff = STAFF.has(session.user.role);
  document.getElementById('arrivals').hidden = !staff;
  buildFinder();
  document.getElementById('issue-form').onsubmit = (event) => issue(event).catch(showError);
  document.getElementById('issue-cancel').onclick = endIssue;
  wireArrivalForm();
  await renderMyCards();
  if (staff) {
    await renderArrivals();
    if (navigator.onLine) renderNotices().catch(() => {});
  }
}

export async function refreshCards() {
  if (!view) return;
  await renderMyCards();
  if (STAFF.has(view.session.user.role)) await renderArrivals();
}
