// The outreach form (アウトリーチ記録), behind a switch at the top of 「記録する」: pick the
// place, date and visiting site, then count with big + and − buttons as in a session log.
import { t } from '../i18n.js';
import * as outreach from '../outreach.js';
import { localDate } from '../staging.js';
import { onSyncState } from '../sync.js';
import { element } from './dom.js';
import { showError } from './status.js';

const GROUPS = [
  ['outreach-went', 'outreach.went', outreach.WENT],
  ['outreach-reached', 'outreach.reached', outreach.REACHED],
  ['outreach-met', 'outreach.met', outreach.MET],
];
// The typed and picked registers, by the id of their control.
const CONTROLS = {
  follow_up: 'outreach-follow-up', follow_up_site_id: 'outreach-follow-up-site',
  follow_up_by: 'outreach-follow-up-by', summary: 'outreach-summary',
};

let screen = null; // { session, directory, sites, entry, record }
let queue = Promise.resolve();
let stopListening = () => {};
const edited = new Set(); // typed but not saved yet: the screen must not overwrite these
const timers = {};
const tickedTopics = new Map(); // topics ticked whose save is still queued

// Taps are applied one after another, so a quick double tap counts twice, never once.
function enqueue(work) {
  queue = queue.then(work).catch(showError);
  return queue;
}

const $ = (id) => document.getElementById(id);

function groupOf(field) {
  return GROUPS.find(([, , fields]) => fields.includes(field))[1];
}

// Two groups share a role's name (子育て支援者, その他): buttons name their group too.
function fullLabel(field) {
  return t('outreach.in_group', { label: t(`outreach.${field}`), group: t(groupOf(field)) });
}

function counterRow(field) {
  const label = element('span', { text: t(`outreach.${field}`),
    attrs: { id: `outreach-label-${field}` } });
  const minus = element('button', { text: '−', className: 'minus', attrs: { type: 'button',
    'aria-label': t('log.minus', { label: fullLabel(field) }) } });
  minus.onclick = () => enqueue(() => count(field, -1));
  const value = element('output', { attrs: { id: `outreach-count-${field}`,
    'aria-labelledby': label.id } });
  const plus = element('button', { text: '+', className: 'plus', attrs: { type: 'button',
    'aria-label': t('log.plus', { label: fullLabel(field) }) } });
  plus.onclick = () => enqueue(() => count(field, 1));
  return element('div', { className: 'counter' }, label, minus, value, plus);
}

function option(value, text) {
  return element('option', { text, attrs: { value } });
}

function optionGroup(label, sites) {
  return element('optgroup', { attrs: { label } },
    ...sites.map((site) => option(String(site.id), site.name)));
}

function legendAnd(fieldset, children) {
  fieldset.replaceChildren(fieldset.querySelector('legend'), ...children);
}

function keepChoice(select, build, fallback) {
  const previous = select.value;
  select.replaceChildren(...build());
  const values = [...select.options].map((o) => o.value);
  select.value = values.includes(previous) && previous !== '' ? previous : fallback;
}

function buildForm() {
  for (const [id, , fields] of GROUPS) legendAnd($(id), fields.map(counterRow));
  legendAnd($('outreach-topics'), outreach.TOPICS.map((topic) => {
    const box = element('input', { attrs: { type: 'checkbox', value: topic } });
    // What the user chose, kept until saved: a redraw already under way must not undo it.
    box.onchange = () => {
      const tick = { on: box.checked };
      tickedTopics.set(topic, tick);
      enqueue(async () => {
        try {
          screen.entry = await outreach.setTopic(screen.entry, topic, tick.on);
        } finally {
          if (tickedTopics.get(topic) === tick) tickedTopics.delete(topic);
        }
        await render();
      });
    };
    return element('label', { className: 'chip' }, box, t(`outreach.topic.${topic}`));
  }));
  const all = screen.directory?.sites ?? [];
  const salons = all.filter((site) => site.kind === 'salon');
  const others = all.filter((site) => site.kind !== 'salon');
  keepChoice($('outreach-place'), () => [optionGroup(t('outreach.salons'), salons),
    optionGroup(t('outreach.other_places'), others)].filter((g) => g.children.length),
  String((salons[0] ?? others[0])?.id ?? ''));
  keepChoice($('outreach-site'), () => screen.sites.map((s) => option(String(s.id), s.name)),
    String(screen.sites[0].id));
  const own = new Set(screen.sites.map((s) => String(s.id)));
  const follow = $('outreach-follow-up-site');
  const previous = follow.value;
  follow.replaceChildren(option('', t('outreach.follow_up_none')),
    optionGroup(t('outreach.own_sites'), screen.sites),
    optionGroup(t('outreach.other_places'), all.filter((s) => !own.has(String(s.id)))));
  follow.value = previous;
}

async function count(field, delta) {
  const { entry } = await outreach.tap(screen.entry, field, delta);
  screen.entry = entry;
  await render();
  $('outreach-live').textContent = t('log.now', { label: fullLabel(field),
    count: outreach.shownCount(screen.entry, screen.record, field) });
}

async function render() {
  if (!screen?.entry) return;
  const drawn = screen;
  const entry = await outreach.reload(drawn.entry);
  const record = await outreach.recordOf(entry);
  // Set up again meanwhile (another language, a new sign-in): that screen draws itself.
  if (screen !== drawn) return;
  screen.entry = entry;
  screen.record = record;
  for (const output of document.querySelectorAll('#outreach-form output')) {
    const field = output.id.slice('outreach-count-'.length);
    output.value = outreach.shownCount(screen.entry, screen.record, field);
  }
  const topics = outreach.shownTopics(screen.entry, screen.record);
  for (const box of document.querySelectorAll('#outreach-topics input')) {
    box.checked = tickedTopics.get(box.value)?.on ?? topics.has(box.value);
  }
  for (const [field, id] of Object.entries(CONTROLS)) {
    const control = $(id);
    if (!edited.has(field) && document.activeElement !== control) {
      control.value = outreach.shownText(screen.entry, screen.record, field);
    }
  }
  renderLengths();
}

function renderLengths() {
  for (const [field, limit] of Object.entries(outreach.LIMITS)) {
    const length = $(CONTROLS[field]).value.length;
    const hint = $(`${CONTROLS[field]}-count`);
    hint.textContent = length > limit ? t('log.notes_too_long', { limit })
      : t('log.notes_count', { count: length, limit });
    hint.classList.toggle('error', length > limit);
  }
}

async function saveText(field) {
  const value = $(CONTROLS[field]).value;
  if (value !== outreach.shownText(screen.entry, screen.record, field)) {
    screen.entry = await outreach.setText(screen.entry, field, value);
  }
  if ($(CONTROLS[field]).value === value) edited.delete(field);
}

async function saveAllTexts() {
  for (const field of edited) {
    clearTimeout(timers[field]);
    await saveText(field);
  }
  edited.clear();
}

async function selectEntry() {
  // What was typed belongs to the record it was typed for: save it before switching.
  if (screen.entry) await saveAllTexts();
  const place = $('outreach-place').value;
  const date = $('outreach-date').value || localDate();
  const site = $('outreach-site').value;
  screen.entry = await outreach.openEntry(screen.session.user.id, place, date, site);
  await render();
  $('outreach-form').dataset.record = screen.entry.recordId;
}

function wireTexts() {
  for (const [field, id] of Object.entries(CONTROLS)) {
    const control = $(id);
    const typed = control.tagName === 'TEXTAREA';
    control.oninput = () => {
      edited.add(field);
      renderLengths();
      clearTimeout(timers[field]);
      if (typed) timers[field] = setTimeout(() => enqueue(() => saveText(field)), 600);
    };
    control.onchange = () => {
      edited.add(field);
      clearTimeout(timers[field]);
      enqueue(() => saveText(field));
    };
  }
}

// The switch at the top of 「記録する」: session log or outreach, one shown at a time.
export function showMode(mode) {
  const onOutreach = mode === 'outreach';
  $('visit-mode').hidden = onOutreach;
  $('outreach-mode').hidden = !onOutreach;
  $('mode-visit').setAttribute('aria-pressed', String(!onOutreach));
  $('mode-outreach').setAttribute('aria-pressed', String(onOutreach));
  $('log-view').setAttribute('aria-labelledby', onOutreach ? 'outreach-heading' : 'log-heading');
}

// Opens a given entry (from "my entries") in the outreach form.
export function openOutreachFor(entry) {
  showMode('outreach');
  return enqueue(async () => {
    $('outreach-place').value = entry.placeSiteId;
    $('outreach-date').value = entry.date;
    $('outreach-site').value = entry.siteId;
    await selectEntry();
  });
}

export async function showOutreach(session, directory, sites) {
  screen = { session, directory, sites, entry: null, record: null };
  $('mode-visit').onclick = () => showMode('visit');
  $('mode-outreach').onclick = () => showMode('outreach');
  const usable = sites.length > 0 && (directory?.sites ?? []).length > 0;
  $('outreach-no-sites').hidden = usable;
  $('outreach-form').hidden = !usable;
  if (!usable) return;
  buildForm();
  const date = $('outreach-date');
  if (!date.value) date.value = localDate();
  for (const id of ['outreach-place', 'outreach-date', 'outreach-site']) {
    $(id).onchange = () => enqueue(selectEntry);
  }
  wireTexts();
  stopListening();
  stopListening = onSyncState(() => enqueue(render));
  await enqueue(selectEntry);
}
