// Introducing a family: find a site that fits, give a card (QR on this phone, or a paper
// card's number), follow the cards given; for a target site's staff, the families
// expected and confirming that they came.
import { request } from '../api.js';
import * as cards from '../cards.js';
import { siteOnNow } from '../directory.js';
import { rankSites } from '../finder.js';
import { currentLang, t } from '../i18n.js';
import { areaPlaces } from '../places.js';
import { loadQrReader, qrSvg } from '../qr.js';
import { localDate } from '../staging.js';
import * as visits from '../visits.js';
import { button, element, svgDataUrl } from './dom.js';
import { showError, showStatus } from './status.js';

const STAFF = new Set(['site_staff', 'hub_staff', 'admin']);
let view = null; // { session, directory, sites, places, chosen }

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

function ageText(band) {
  return band === 'pregnant' ? t('age.pregnant') : t('age.years', { years: band });
}

function wishesText(wishes) {
  return wishes.map((tag) => t(`need.${tag}`)).join(currentLang() === 'en' ? ', ' : '、');
}

// --- the finder and issuing --------------------------------------------------------------

// Which of the user's sites the card is given at: the one chosen, by default the site
// whose session is on now. Its token pool gives the card, and the card names it.
function issuingSite() {
  const id = document.getElementById('finder-site').value;
  return view.sites.find((site) => String(site.id) === id) ?? view.sites[0] ?? null;
}

// Where "near" is measured from: the issuing site, or the family's area.
function measuredFrom() {
  const from = document.getElementById('finder-from').value;
  return view.places.find((place) => place.id === from) ?? issuingSite();
}

function buildPlaces() {
  const site = document.getElementById('finder-site');
  const onNow = siteOnNow(view.sites);
  site.replaceChildren(...view.sites.map((s) => element('option',
    { text: s.name, attrs: { value: String(s.id) } })));
  if (onNow) site.value = String(onNow.id);
  site.disabled = view.sites.length < 2;
  document.getElementById('finder-from').replaceChildren(
    element('option', { text: t('finder.from_site'), attrs: { value: '' } }),
    ...view.places.map((place) => element('option',
      { text: t('finder.from_area', { area: place.name }), attrs: { value: place.id } })));
}

function buildFinder() {
  buildPlaces();
  document.getElementById('finder-wishes').replaceChildren(
    element('legend', { text: t('finder.wishes') }),
    ...visits.NEEDS.map((tag) => element('label', { className: 'check' },
      element('input', { attrs: { type: 'checkbox', value: tag, name: 'wish' } }),
      t(`need.${tag}`))));
  const age = document.getElementById('finder-age');
  age.replaceChildren(element('option', { text: t('age.unknown'), attrs: { value: '' } }),
    ...cards.CHILD_AGE_BANDS.map((band) => element('option',
      { text: ageText(band), attrs: { value: band } })));
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
  const childAge = document.getElementById('finder-age').value || null;
  const query = { wishes: checked('wish'), weekdays: checked('day').map(Number),
    ageMonths: cards.ageBandMonths(childAge), childAge };
  const from = issuingSite();
  const ranked = rankSites(view.directory.sites, view.directory.events ?? [], query,
    { fromSite: measuredFrom(), today: localDate(), soonDays: 14,
      programmes: view.directory.programmes ?? [] })
    .filter(({ site }) => String(site.id) !== String(from?.id)).slice(0, 10);
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
  const from = issuingSite();
  view.chosen = { site, from, wishes: query.wishes, childAge: query.childAge };
  document.getElementById('issue-heading').textContent = t('issue.for', { site: site.name });
  document.getElementById('issue-at').textContent = from ? t('issue.at', { site: from.name }) : '';
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
    issuingSiteId: view.chosen.from?.id, targetSiteId: view.chosen.site.id,
    programmeId: programmeId || null,
    plannedDate: document.getElementById('issue-date').value || null,
    askFor: document.getElementById('issue-ask').value.trim(),
    message: document.getElementById('issue-message').value.trim(),
    wishes: view.chosen.wishes, childAge: view.chosen.childAge,
  }, paperCode);
  if (!entry) {
    showStatus(t('issue.no_tokens'), { error: true });
    return;
  }
  endIssue();
  await renderMyCards();
  if (entry.url) showCard(entry);
}

// Full screen, so the parent can scan it from the volunteer's hand. The QR is drawn here,
// from the card's address with its public parts (cards.cardUrl), so it needs no signal.
function showCard(entry) {
  const show = document.getElementById('card-show');
  document.getElementById('card-show-qr').src = svgDataUrl(qrSvg(entry.url));
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
    if (entry.url && ['issued', 'opened'].includes(card.status)) {
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

// What the site can prepare for: the child's age and what the family hoped for.
function whoToExpect(card) {
  const lines = [];
  if (card.child_age) lines.push(t('arrivals.child', { age: ageText(card.child_age) }));
  if (card.wishes?.length) lines.push(t('arrivals.wishes', { wishes: wishesText(card.wishes) }));
  return lines;
}

// A card this phone can confirm: known here and meant for one of this user's sites. A card
// for another site says which, so the staff can send the family on.
async function confirmable(code) {
  const record = await cards.knownCard(code);
  if (!record) {
    showStatus(t('arrivals.unknown'), { error: true });
    return false;
  }
  const target = record.data?.target_site_id;
  if (!view.sites.some((site) => String(site.id) === String(target))) {
    showStatus(t('arrivals.other_site', { site: siteName(target) }), { error: true });
    return false;
  }
  return true;
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
        ...whoToExpect(card).map((line) => element('p', { text: line })),
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
    if (!(await confirmable(code))) return;
    input.value = '';
    await confirm(code).catch(showError);
  };
  const scan = document.getElementById('arrival-scan');
  // Wherever there is a camera: the browser's own QR reader, else the shipped one.
  scan.hidden = !navigator.mediaDevices?.getUserMedia;
  scan.onclick = () => scanCard().catch(showError);
}

async function browserReadsQr() {
  if (!('BarcodeDetector' in window)) return false;
  const formats = await window.BarcodeDetector.getSupportedFormats?.().catch(() => []);
  return (formats ?? []).includes('qr_code');
}

// A function that reads the QR in the video's current frame: its text, or null. The
// browser's BarcodeDetector where it reads QR codes (Chromium on Android); else jsQR on
// the frame drawn to a canvas (Safari on iPhone has no detector).
async function frameReader(video) {
  if (await browserReadsQr()) {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    return async () => (await detector.detect(video))[0]?.rawValue ?? null;
  }
  const jsQR = await loadQrReader();
  const canvas = document.getElementById('arrival-frame');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async () => {
    const { videoWidth: width, videoHeight: height } = video;
    if (!width || !height) return null;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    return jsQR(context.getImageData(0, 0, width, height).data, width, height)?.data ?? null;
  };
}

async function scanCard() {
  const video = document.getElementById('arrival-video');
  const read = await frameReader(video);
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  video.hidden = false;
  showStatus(t('arrivals.scanning'));
  await video.play();
  try {
    for (let tries = 0; tries < 100; tries += 1) {
      const text = await read();
      // One reading ends the scan: a card for another site must not repeat its message.
      if (text) {
        const code = await codeFromScan(text);
        return code ? confirm(code) : null;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.hidden = true;
  }
  showStatus(t('arrivals.scan_none'), { error: true });
  return null;
}

// A card's QR holds its parent page's URL, ending in "#<short code>" (cards.cardUrl keeps
// it last); a bare number, as printed beside the QR, works too.
async function codeFromScan(text) {
  const match = String(text).match(/#([0-9A-Z]{8})$/);
  const code = match ? match[1] : cards.normaliseCode(text);
  if (code && await confirmable(code)) return code;
  if (!code) showStatus(t('arrivals.unknown'), { error: true });
  return null;
}

// --- the view -------------------------------------------------------------------------------

export async function showCards(session, directory, sites) {
  view = { session, directory, sites, places: areaPlaces(directory.sites), chosen: null };
  const staff = STAFF.has(session.user.role);
  document.getElementById('arrivals').hidden = !staff;
  buildFinder();
  // Drawn afresh (signing in, a new language): a half-filled card would lose its target.
  endIssue();
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
