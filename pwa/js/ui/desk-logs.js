// The desk's synced logs: the ward's session logs and outreach records in one list,
// filtered and paged by the server, and one record's detail beside (or below) the list.
import { request } from '../api.js';
import { t } from '../i18n.js';
import { element } from './dom.js';
import {
  collectionLabel, countWords, fieldLabel, fieldLines, siteName, valueWords, whenWords,
} from './desk-words.js';
import { showError, showStatus } from './status.js';

const STREAMS = ['visits', 'outreach'];
const FILTERS = { from: 'desk-from', to: 'desk-to', area: 'desk-area', kind: 'desk-kind',
  site: 'desk-site', author: 'desk-author' };

let ctx = null; // { session, wardCode, sites }
let streams = {}; // per endpoint: { items, next }
let shown = 0;
const usersByWard = new Map();

function options(select, choices) {
  const kept = select.value;
  select.replaceChildren(element('option', { text: t('desk.all'), attrs: { value: '' } }),
    ...choices.map(([value, text]) => element('option',
      { text, attrs: { value: String(value) } })));
  if ([...select.options].some((option) => option.value === kept)) select.value = kept;
}

async function wardUsers(session, wardCode) {
  if (!usersByWard.has(wardCode)) {
    usersByWard.set(wardCode, request('GET', `/api/wards/${wardCode}/users`,
      { token: session.token }).catch(() => []));
  }
  return usersByWard.get(wardCode);
}

async function fillFilters() {
  const { sites, session, wardCode } = ctx;
  const areas = new Map(sites.filter((site) => site.area).map((site) => [site.area.id,
    site.area.name]));
  options(document.getElementById('desk-area'),
    [...areas].sort((a, b) => a[1].localeCompare(b[1])));
  const kinds = [...new Set(sites.map((site) => site.kind).filter(Boolean))];
  options(document.getElementById('desk-kind'),
    kinds.map((kind) => [kind, t(`desk.kind.${kind}`)]));
  options(document.getElementById('desk-site'), sites.map((site) => [site.id, site.name]));
  const users = await wardUsers(session, wardCode);
  options(document.getElementById('desk-author'), users.map((user) => [user.id,
    `${user.display_name}（${t(`role.${user.role}`)}）`]));
}

function query(cursor) {
  const params = new URLSearchParams();
  for (const [name, id] of Object.entries(FILTERS)) {
    const value = document.getElementById(id).value;
    if (value) params.set(name, value);
  }
  if (cursor) params.set('cursor', cursor);
  params.set('limit', '50');
  return params.toString();
}

async function fetchStream(stream) {
  const page = await request('GET', `/api/wards/${ctx.wardCode}/${stream.name}?`
    + query(stream.next), { token: ctx.session.token });
  stream.items.push(...(page.items ?? []));
  stream.next = page.next ?? null;
}

function key(item) {
  return `${item.date ?? ''}|${item.collection}|${item.record_id}`;
}

// Two paged lists, newest first, become one: an item is shown only once no page still
// to come from the other list can hold a newer one.
function merged() {
  const cutoffs = STREAMS.filter((name) => streams[name].next && streams[name].items.length)
    .map((name) => streams[name].items.at(-1).date ?? '');
  const cutoff = cutoffs.length ? cutoffs.sort().at(-1) : '';
  const all = STREAMS.flatMap((name) => streams[name].items)
    .sort((a, b) => key(b).localeCompare(key(a)));
  return { items: all.filter((item) => (item.date ?? '') >= cutoff), held: all.some(
    (item) => (item.date ?? '') < cutoff) };
}

function rowTitle(item) {
  const kind = item.collection === 'outreach' ? collectionLabel('outreach')
    : valueWords('session', item.session);
  const place = item.collection === 'outreach' && item.place_name
    ? `${item.site_name} → ${item.place_name}`
    : item.site_name ?? siteName(ctx.sites, item.site_id);
  return `${item.date ?? ''} ${kind}　${place ?? ''}`;
}

function row(item) {
  const open = element('button', { className: 'desk-row', attrs: { type: 'button' } },
    element('strong', { text: rowTitle(item) }),
    element('span', { text: [item.area_name, item.site_kind && t(`desk.kind.${item.site_kind}`)]
      .filter(Boolean).join('・'), className: 'hint' }),
    element('span', { text: countWords(item.collection, item.data) }));
  const note = item.data?.notes ?? item.data?.summary;
  if (note) open.append(element('span', { text: note, className: 'desk-note' }));
  const conflicts = item.open_conflicts ?? item.conflicts;
  if (conflicts) {
    open.append(element('span', { text: t('desk.conflict_count', { count: conflicts }),
      className: 'badge rejected' }));
  }
  if (item.open_reviews > 0) {
    open.append(element('span', { text: t('desk.review_open'), className: 'badge review-open' }));
  }
  if (item.deleted) {
    open.append(element('span', { text: t('desk.deleted'), className: 'badge expired' }));
  }
  open.onclick = () => {
    for (const other of document.querySelectorAll('#desk-log-list .desk-row')) {
      other.removeAttribute('aria-current');
    }
    open.setAttribute('aria-current', 'true');
    openDetail(item).catch(showError);
  };
  const li = element('li', {}, open);
  li.dataset.recordId = item.record_id;
  li.dataset.collection = item.collection;
  return li;
}

function render() {
  const { items, held } = merged();
  const list = document.getElementById('desk-log-list');
  // Rows already on screen stay (and keep focus); only the new ones are added.
  if (shown > items.length) { list.replaceChildren(); shown = 0; }
  list.append(...items.slice(shown).map(row));
  shown = items.length;
  document.getElementById('desk-logs-empty').hidden = items.length > 0;
  document.getElementById('desk-more').hidden = !held
    && !STREAMS.some((name) => streams[name].next);
}

export async function loadLogs() {
  const fresh = Object.fromEntries(STREAMS.map((name) => [name, { name, items: [], next: null }]));
  streams = fresh;
  shown = 0;
  document.getElementById('desk-log-list').replaceChildren();
  document.getElementById('desk-detail').replaceChildren(
    element('p', { text: t('desk.pick_record'), className: 'hint' }));
  await Promise.all(STREAMS.map((name) => fetchStream(fresh[name])));
  // A newer load (another filter) started meanwhile: it draws, this one does not.
  if (streams === fresh) render();
}

async function more() {
  const current = streams;
  await Promise.all(STREAMS.filter((name) => current[name].next)
    .map((name) => fetchStream(current[name])));
  if (streams === current) render();
}

function definitionList(lines) {
  const list = element('dl', { className: 'desk-fields' });
  for (const [label, words] of lines) {
    list.append(element('dt', { text: label }), element('dd', { text: words }));
  }
  return list;
}

// The server's DeskPartSchema: field, kind, value (a device's share of a counter),
// display_name (or author), device_id, at.
function partLine(part) {
  const who = part.display_name ?? part.author ?? '—';
  const device = part.device_id ?? '';
  const when = whenWords(part.at);
  const field = part.field ? fieldLabel(part.field) : '';
  const value = 'value' in part ? `: ${valueWords(part.field, part.value, ctx.sites)}` : '';
  return t('desk.part_line', { field, value, who, device, when });
}

// DeskHistoryEntrySchema: display_name (or author), device_id, at, version, conflicts.
function historyLine(entry) {
  const who = entry.display_name ?? entry.author ?? '—';
  const when = whenWords(entry.at);
  const changed = entry.conflicts?.length
    ? t('desk.conflict_count', { count: entry.conflicts.length }) : '';
  return t('desk.history_line', { version: entry.version ?? '—', who, when, changed });
}

// DeskReviewSchema: status, comment, done_note, raised_by, raised_at, done_at.
function reviewLine(review) {
  const done = review.status === 'done';
  const line = element('li', {},
    element('span', { text: t(done ? 'desk.review_done' : 'desk.review_open'),
      className: `badge ${done ? 'review-done' : 'review-open'}` }),
    ' ',
    element('span', { text: t('desk.review_line', { who: review.raised_by ?? '—',
      when: whenWords(review.raised_at), comment: review.comment ?? '—' }) }));
  if (done) {
    line.append(element('br'), element('span', { text: review.done_note
      ? t('desk.review_answer', { when: whenWords(review.done_at), answer: review.done_note })
      : t('desk.review_no_answer', { when: whenWords(review.done_at) }) }));
  }
  return line;
}

// Hub staff ask the record's author a question: a review mark the site's phones pull.
function reviewForm(item) {
  const id = `desk-review-${crypto.randomUUID()}`;
  const comment = element('textarea', { attrs: { id, maxlength: '500', rows: '2',
    required: '', 'aria-describedby': `${id}-hint` } });
  const form = element('form', { className: 'desk-review' },
    element('label', { text: t('desk.review_comment'), attrs: { for: id } }),
    element('p', { text: t('desk.review_hint'), className: 'hint',
      attrs: { id: `${id}-hint` } }),
    comment,
    element('button', { text: t('desk.review_raise'), attrs: { type: 'submit' } }));
  // One op id per question: a retry after a lost answer raises the same mark.
  let opId = crypto.randomUUID();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const text = comment.value.trim();
    if (!text) return;
    const path = `/api/wards/${ctx.wardCode}/records/${encodeURIComponent(item.collection)}/`
      + `${encodeURIComponent(item.record_id)}/review`;
    try {
      await request('POST', path, { token: ctx.session.token,
        body: { comment: text, op_id: opId } });
    } catch (error) {
      showError(error);
      return;
    }
    opId = crypto.randomUUID();
    showStatus(t('desk.review_sent'));
    item.open_reviews = (item.open_reviews ?? 0) + 1;
    await openDetail(item);
    const current = [...document.querySelectorAll('#desk-log-list li')].find(
      (li) => li.dataset.recordId === item.record_id && li.dataset.collection === item.collection);
    if (current && !current.querySelector('.review-open')) {
      current.firstElementChild.append(element('span', { text: t('desk.review_open'),
        className: 'badge review-open' }));
    }
  };
  return form;
}

async function openDetail(item) {
  const panel = document.getElementById('desk-detail');
  panel.replaceChildren(element('p', { text: t('desk.loading'), className: 'hint' }));
  const path = `/api/wards/${ctx.wardCode}/records/${encodeURIComponent(item.collection)}/`
    + encodeURIComponent(item.record_id);
  let record = item;
  try {
    record = { ...item, ...await request('GET', path, { token: ctx.session.token }) };
  } catch (error) {
    showError(error);
  }
  const heading = element('h3', { text: rowTitle(item), attrs: { tabindex: '-1' } });
  const parts = Array.isArray(record.parts) ? record.parts : [];
  const history = Array.isArray(record.history) ? record.history : [];
  const reviews = Array.isArray(record.reviews) ? record.reviews : [];
  const reviewable = ['visit', 'outreach'].includes(item.collection);
  panel.replaceChildren(heading,
    element('p', { text: `${collectionLabel(item.collection)}・${t('desk.version', {
      version: record.version ?? '—' })}`, className: 'hint' }),
    definitionList(fieldLines(record.data, ctx.sites)),
    element('h4', { text: t('desk.parts') }),
    parts.length ? element('ul', { className: 'desk-lines' },
      ...parts.map((part) => element('li', { text: partLine(part) })))
      : element('p', { text: t('desk.none'), className: 'hint' }),
    element('h4', { text: t('desk.history') }),
    history.length ? element('ol', { className: 'desk-lines' },
      ...history.map((entry) => element('li', { text: historyLine(entry) })))
      : element('p', { text: t('desk.none'), className: 'hint' }));
  if (reviewable) {
    panel.append(element('h4', { text: t('desk.reviews') }),
      reviews.length ? element('ul', { className: 'desk-lines desk-reviews' },
        ...reviews.map(reviewLine))
        : element('p', { text: t('desk.none'), className: 'hint' }));
    if (!ctx.readOnly) panel.append(reviewForm(item));
  }
  // Stacked on a phone, the detail is below the list: take the reader there. Side by
  // side it is already in view, and the list keeps its place.
  heading.focus({ preventScroll: matchMedia('(min-width: 60rem)').matches });
}

export function showLogs(context) {
  const wardChanged = ctx?.wardCode !== context.wardCode;
  ctx = context;
  document.getElementById('desk-filters').onsubmit = (event) => {
    event.preventDefault();
    loadLogs().catch(showError);
  };
  document.getElementById('desk-more').onclick = () => more().catch(showError);
  const reset = document.getElementById('desk-reset');
  reset.onclick = () => {
    for (const id of Object.values(FILTERS)) document.getElementById(id).value = '';
    loadLogs().catch(showError);
  };
  if (wardChanged) {
    for (const id of Object.values(FILTERS)) document.getElementById(id).value = '';
  }
  return fillFilters().then(loadLogs);
}
