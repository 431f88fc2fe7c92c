// The session log screen: pick the site and session, then count with big + and − buttons.
import { siteOnNow, wardOf } from '../directory.js';
import { currentLang, t } from '../i18n.js';
import { localDate } from '../staging.js';
import { onSyncState } from '../sync.js';
import * as visits from '../visits.js';
import { say, showError, showStatus } from './status.js';

const RESIDENCE = ['in_ward', 'out_of_ward'];
const VISITORS = visits.VISITOR_COUNTERS.filter((name) => !RESIDENCE.includes(name));

let screen = null; // { session, directory, sites, entry, record, lastTap }
let queue = Promise.resolve();
let stopListening = () => {};
let notesEdited = false; // typed but not saved yet: the screen must not overwrite it
let notesTimer = null;
let openedFor = null; // the user the pickers were last set for
let earlier = null; // the session last changed, when the log opened on today's instead
let toldOffline = false; // "saved on this phone" is said once each time the signal drops
// Wishes ticked whose save is still queued: a redraw already under way must show the tick,
// not the stored state from before it, and the save must keep what the user chose.
const tickedNeeds = new Map();

addEventListener('online', () => { toldOffline = false; });

// Taps are applied one after another, so a quick double tap counts twice, never once.
function enqueue(work) {
  queue = queue.then(work).catch(showError);
  return queue;
}

function labelOf(field) {
  const match = field.match(/^consultation_(.+)_(answered_on_site|referred_to_site|connected_to_ward)$/);
  if (match) return `${t(`topic.${match[1]}`)}・${t(`answer.${match[2]}`)}`;
  return t(`counter.${field}`);
}

function counterRow(field, text = labelOf(field)) {
  const row = document.createElement('div');
  row.className = 'counter';
  const label = document.createElement('span');
  label.id = `label-${field}`;
  label.textContent = text;
  const minus = document.createElement('button');
  minus.type = 'button';
  minus.className = 'minus';
  minus.textContent = '−';
  minus.setAttribute('aria-label', t('log.minus', { label: labelOf(field) }));
  minus.onclick = () => enqueue(() => count(field, -1));
  const value = document.createElement('output');
  value.id = `count-${field}`;
  value.setAttribute('aria-labelledby', label.id);
  const plus = document.createElement('button');
  plus.type = 'button';
  plus.className = 'plus';
  plus.textContent = '+';
  plus.setAttribute('aria-label', t('log.plus', { label: labelOf(field) }));
  plus.onclick = () => enqueue(() => count(field, 1));
  row.append(label, minus, value, plus);
  return row;
}

function option(value, text) {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = text;
  return element;
}

function legendAnd(fieldset, children) {
  fieldset.replaceChildren(fieldset.querySelector('legend'), ...children);
}

function buildForm() {
  legendAnd(document.getElementById('visitor-counters'), VISITORS.map((f) => counterRow(f)));
  legendAnd(document.getElementById('residence-counters'), RESIDENCE.map((f) => counterRow(f)));
  const topic = document.getElementById('log-topic');
  const chosen = topic.value || visits.TOPICS[0];
  topic.replaceChildren(...visits.TOPICS.map((code) => option(code, t(`topic.${code}`))));
  topic.value = chosen;
  topic.onchange = renderAnswers;
  renderAnswers();
  legendAnd(document.getElementById('log-needs'), visits.NEEDS.map((tag) => {
    const label = document.createElement('label');
    label.className = 'check';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = tag;
    box.onchange = () => {
      const tick = { on: box.checked };
      tickedNeeds.set(tag, tick);
      enqueue(async () => {
        try {
          screen.entry = await visits.setNeed(screen.entry, tag, tick.on);
        } finally {
          if (tickedNeeds.get(tag) === tick) tickedNeeds.delete(tag);
        }
        await changed();
        await render();
      });
    };
    label.append(box, t(`need.${tag}`));
    return label;
  }));
  const session = document.getElementById('log-session');
  const slot = session.value || 'day';
  session.replaceChildren(...visits.SESSIONS.map((code) => option(code, t(`session.${code}`))));
  session.value = slot;
}

function renderAnswers() {
  const topic = document.getElementById('log-topic').value;
  document.getElementById('answer-counters').replaceChildren(...visits.ANSWERS.map(
    (answer) => counterRow(visits.consultationCounter(topic, answer), t(`answer.${answer}`))));
  if (screen?.entry) render();
}

// After each change: the session is remembered as the one being logged (the app reopens
// on it), and with no signal the volunteer hears once that it is safe on the phone.
async function changed() {
  await visits.rememberLast(screen.entry);
  if (!navigator.onLine && !toldOffline) {
    toldOffline = true;
    say('log.saved_offline');
  }
}

async function count(field, delta) {
  const { entry, moved } = await visits.tap(screen.entry, field, delta);
  screen.entry = entry;
  if (moved) {
    screen.lastTap = { field, delta: moved };
    await changed();
  }
  await render();
  document.getElementById('tally-live').textContent = t('log.now',
    { label: labelOf(field), count: visits.shownCount(screen.entry, screen.record, field) });
}

async function undo() {
  const last = screen.lastTap;
  if (!last) {
    say('log.nothing_to_undo');
    return;
  }
  screen.lastTap = null;
  const { entry } = await visits.tap(screen.entry, last.field, -last.delta);
  screen.entry = entry;
  await changed();
  await render();
  showStatus(() => t('log.undone', { label: labelOf(last.field) }));
  // screen.entry, as render() just read it with the record: the two always belong together.
  document.getElementById('tally-live').textContent = t('log.now', { label: labelOf(last.field),
    count: visits.shownCount(screen.entry, screen.record, last.field) });
}

async function render() {
  if (!screen?.entry) return;
  const drawn = screen;
  const entry = await visits.reload(drawn.entry);
  const record = await visits.recordOf(entry);
  // Set up again meanwhile (another language, a new sign-in): that screen draws itself.
  if (screen !== drawn) return;
  screen.entry = entry;
  screen.record = record;
  for (const output of document.querySelectorAll('#log-form output[id^="count-"]')) {
    const field = output.id.slice('count-'.length);
    output.value = visits.shownCount(screen.entry, screen.record, field);
  }
  const needs = visits.shownNeeds(screen.entry, screen.record);
  for (const box of document.querySelectorAll('#log-needs input')) {
    box.checked = tickedNeeds.get(box.value)?.on ?? needs.has(box.value);
  }
  const notes = document.getElementById('log-notes');
  if (!notesEdited && document.activeElement !== notes) {
    notes.value = visits.shownNotes(screen.entry, screen.record);
  }
  renderNotesCount();
}

function renderNotesCount() {
  const notes = document.getElementById('log-notes');
  const length = visits.notesLength(notes.value);
  const over = length > visits.NOTES_LIMIT;
  const hint = document.getElementById('notes-count');
  hint.textContent = over ? t('log.notes_too_long', { limit: visits.NOTES_LIMIT })
    : t('log.notes_count', { count: length, limit: visits.NOTES_LIMIT });
  hint.classList.toggle('error', over);
  notes.setAttribute('aria-invalid', String(over));
}

// A session in words: place, day and time of day.
function sessionText({ siteId, date, session }) {
  const site = screen.sites.find((s) => String(s.id) === String(siteId));
  const day = new Date(`${date}T00:00:00`).toLocaleDateString(currentLang(),
    { month: 'short', day: 'numeric', weekday: 'short' });
  return `${site?.name ?? siteId} ${day} ${t(`session.${session}`)}`;
}

function renderEarlier() {
  const shownHere = earlier && screen.entry && earlier.siteId === screen.entry.siteId
    && earlier.date === screen.entry.date && earlier.session === screen.entry.session;
  document.getElementById('log-earlier').hidden = !earlier || shownHere;
  if (earlier) {
    document.getElementById('log-earlier-text').textContent = t('log.earlier',
      { where: sessionText(earlier) });
  }
}

function pick({ siteId, date, session }) {
  document.getElementById('log-site').value = siteId;
  document.getElementById('log-date').value = date;
  document.getElementById('log-session').value = session;
}

async function selectEntry() {
  const siteId = document.getElementById('log-site').value;
  const date = document.getElementById('log-date').value || localDate();
  const slot = document.getElementById('log-session').value || 'day';
  // What was typed belongs to the session it was typed for: save it before switching.
  clearTimeout(notesTimer);
  if (notesEdited && screen.entry) await saveNotes();
  notesEdited = false;
  screen.lastTap = null;
  screen.entry = await visits.openEntry(screen.session.user.id, siteId, date, slot);
  await render();
  renderEarlier();
  document.getElementById('log-form').dataset.record = screen.entry.recordId;
}

function showWorry() {
  // The site picked on screen, even if switching to it is still under way: the count
  // below waits its turn and goes into that session too.
  const siteId = document.getElementById('log-site').value;
  const site = screen.sites.find((s) => String(s.id) === siteId);
  const ward = wardOf(screen.directory, site);
  const office = document.getElementById('worry-office');
  const phone = document.getElementById('worry-phone');
  if (ward?.office_phone) {
    office.textContent = ward.office_name ?? '';
    phone.textContent = `☎ ${ward.office_phone}`;
    phone.href = `tel:${ward.office_phone.replace(/[^\d+]/g, '')}`;
    phone.hidden = false;
  } else {
    office.textContent = t('log.worry_no_office');
    phone.hidden = true;
  }
  const where = document.getElementById('worry-where');
  where.textContent = '';
  document.getElementById('worry-dialog').showModal();
  // Shown first, counted second: the contact must never wait for the phone's storage.
  enqueue(async () => {
    await count(visits.WARD_COUNTER, 1);
    where.textContent = t('log.worry_where', { where: sessionText(screen.entry) });
  });
}

// Opens a given entry (from "my entries") instead of today's session.
export function openLogFor(entry) {
  return enqueue(async () => {
    pick(entry);
    await selectEntry();
  });
}

// Where the log opens for this user: the session they last changed on this phone (see
// visits.whereToOpen), or today's at the site open now.
async function openWhereLeft(sites) {
  const site = document.getElementById('log-site');
  site.value = String(siteOnNow(sites)?.id ?? sites[0].id);
  document.getElementById('log-date').value = localDate();
  document.getElementById('log-session').value = 'day';
  const where = await visits.whereToOpen(screen.session.user.id);
  earlier = null;
  if (!where || !sites.some((s) => String(s.id) === where.siteId)) return;
  pick(where);
  earlier = where.earlier;
}

export async function showLog(session, directory, sites) {
  screen = { session, directory, sites, entry: null, record: null, lastTap: null };
  const usable = sites.length > 0;
  document.getElementById('log-no-sites').hidden = usable;
  document.getElementById('log-form').hidden = !usable;
  if (!usable) return;
  buildForm();
  const site = document.getElementById('log-site');
  const previous = site.value;
  site.replaceChildren(...sites.map((s) => option(String(s.id), s.name)));
  if (openedFor !== session.user.id) {
    openedFor = session.user.id;
    await openWhereLeft(sites);
  } else {
    // Drawn again (another language, the directory arrived): stay where the user was.
    site.value = sites.some((s) => String(s.id) === previous) ? previous
      : String(siteOnNow(sites)?.id ?? sites[0].id);
  }
  for (const id of ['log-site', 'log-date', 'log-session']) {
    document.getElementById(id).onchange = () => enqueue(selectEntry);
  }
  document.getElementById('log-open-earlier').onclick = () => enqueue(async () => {
    if (!earlier) return;
    pick(earlier);
    await selectEntry();
    earlier = null;
    renderEarlier();
  });
  const notes = document.getElementById('log-notes');
  notes.oninput = () => {
    notesEdited = true;
    renderNotesCount();
    clearTimeout(notesTimer);
    notesTimer = setTimeout(() => enqueue(saveNotes), 600);
  };
  notes.onchange = () => {
    clearTimeout(notesTimer);
    enqueue(saveNotes);
  };
  document.getElementById('worry').onclick = showWorry;
  document.getElementById('undo').onclick = () => enqueue(undo);
  stopListening();
  stopListening = onSyncState(() => enqueue(render));
  await enqueue(selectEntry);
}

async function saveNotes() {
  const value = document.getElementById('log-notes').value;
  if (value !== visits.shownNotes(screen.entry, screen.record)) {
    screen.entry = await visits.setNotes(screen.entry, value);
    await changed();
  }
  notesEdited = document.getElementById('log-notes').value !== value;
}
