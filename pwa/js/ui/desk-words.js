// How the desk says a record in words: field labels, values, counts, places and times.
// Everything here returns plain strings; the screens put them in with textContent.
import { currentLang, t } from '../i18n.js';
import { VISITOR_COUNTERS } from '../visits.js';

const ANSWER_CODES = 'answered_on_site|referred_to_site|connected_to_ward';
const CONSULTATION = new RegExp(`^consultation_(.+)_(${ANSWER_CODES})$`);
const CHILDREN = ['children_0', 'children_1', 'children_2', 'children_3plus'];
const SITE_FIELDS = new Set(['site_id', 'place_site_id', 'follow_up_site_id', 'issuing_site_id',
  'target_site_id']);
const NUMBER_FIELDS = /^(consultation_|went_|met_)|^(children|connected_to_ward_count)$/;
// Sets of tags: a part of one (who added one element) carries a single tag.
const TAG_FIELDS = new Set(['needs', 'topics', 'wishes']);

// Fields whose label another screen already has.
const FIELD_KEYS = {
  site_id: 'log.site', session_date: 'log.date', session: 'log.session', notes: 'log.notes',
  needs: 'log.needs', place_site_id: 'outreach.place', visit_date: 'outreach.date',
  topics: 'outreach.topics', follow_up: 'outreach.follow_up_what',
  follow_up_site_id: 'outreach.follow_up_site', follow_up_by: 'outreach.follow_up_by',
  summary: 'outreach.summary',
};

// A key's text, or null when no language has it (t() then answers with the key itself).
function known(key) {
  if (!key) return null;
  const text = t(key);
  return text === key ? null : text;
}

export function isCountField(field) {
  return VISITOR_COUNTERS.includes(field) || NUMBER_FIELDS.test(field);
}

export function fieldLabel(field) {
  const consultation = String(field).match(CONSULTATION);
  if (consultation) {
    return `${t('log.consultations')}: ${t(`topic.${consultation[1]}`)}`
      + `（${t(`answer.${consultation[2]}`)}）`;
  }
  // Who went and whom they met share role names: say which group.
  const group = String(field).match(/^(went|met)_/);
  const role = group && known(`outreach.${field}`);
  if (role) return `${role}（${t(`outreach.${group[1]}`)}）`;
  return known(`desk.field.${field}`) ?? known(FIELD_KEYS[field]) ?? known(`counter.${field}`)
    ?? known(`outreach.${field}`) ?? String(field);
}

export function collectionLabel(collection) {
  return known(`desk.collection.${collection}`) ?? String(collection);
}

export function siteName(sites, id) {
  if (id === null || id === undefined || id === '') return '—';
  return sites.find((site) => String(site.id) === String(id))?.name ?? t('desk.site_n', { id });
}

function tagLabel(tag) {
  return known(`need.${tag}`) ?? known(`outreach.topic.${tag}`) ?? known(`topic.${tag}`)
    ?? String(tag);
}

// One value as a person reads it: site names, session names, tags, never JSON.
export function valueWords(field, value, sites = []) {
  if (value === null || value === undefined || value === '') return t('desk.none');
  if (Array.isArray(value)) return value.length ? value.map(tagLabel).join('・') : t('desk.none');
  if (typeof value === 'object') {
    // A set change in an op: {"add": [...], "remove": [...]}.
    const parts = [];
    if (Array.isArray(value.add) && value.add.length) {
      parts.push(t('desk.added', { tags: value.add.map(tagLabel).join('・') }));
    }
    if (Array.isArray(value.remove) && value.remove.length) {
      parts.push(t('desk.removed', { tags: value.remove.map(tagLabel).join('・') }));
    }
    return parts.length ? parts.join(' ') : Object.entries(value)
      .map(([key, inner]) => `${key}: ${String(inner)}`).join('、');
  }
  if (typeof value === 'boolean') return t(value ? 'desk.yes' : 'desk.no');
  if (SITE_FIELDS.has(field)) return siteName(sites, value);
  if (TAG_FIELDS.has(field)) return tagLabel(value);
  if (field === 'session') return known(`session.${value}`) ?? String(value);
  return String(value);
}

function count(data, field) {
  const value = data?.[field];
  return typeof value === 'number' ? value : 0;
}

function sum(data, predicate) {
  return Object.entries(data ?? {})
    .filter(([field, value]) => predicate(field) && typeof value === 'number')
    .reduce((total, [, value]) => total + value, 0);
}

// The counts of a record in words, e.g. 「保護者 3・子ども 4・相談 1」; zeros left out.
export function countWords(collection, data) {
  const parts = [];
  const add = (label, value) => { if (value) parts.push(`${label} ${value}`); };
  add(fieldLabel('parents'), count(data, 'parents'));
  if (collection === 'outreach') {
    add(fieldLabel('children'), count(data, 'children'));
    add(t('desk.went'), sum(data, (field) => field.startsWith('went_')));
    add(t('desk.met'), sum(data, (field) => field.startsWith('met_')));
  } else {
    add(fieldLabel('children'), CHILDREN.reduce((total, field) => total + count(data, field), 0));
    for (const field of VISITOR_COUNTERS) {
      if (field !== 'parents' && !CHILDREN.includes(field)) {
        add(fieldLabel(field), count(data, field));
      }
    }
    add(t('log.consultations'), sum(data, (field) => CONSULTATION.test(field)));
    add(fieldLabel('connected_to_ward_count'), count(data, 'connected_to_ward_count'));
  }
  return parts.length ? parts.join('・') : t('desk.no_counts');
}

// Each filled-in field of a record as [label, words], counters before text.
export function fieldLines(data, sites) {
  return Object.entries(data ?? {})
    .filter(([, value]) => value !== null && value !== undefined && value !== ''
      && value !== 0 && !(Array.isArray(value) && value.length === 0))
    .map(([field, value]) => [fieldLabel(field), valueWords(field, value, sites)]);
}

// The parts of a record id: a visit is site:date:session, an outreach place:date:site.
export function recordPlace(collection, recordId, sites) {
  const [first, date, last] = String(recordId).split(':');
  if (collection === 'visit' && date) {
    return `${siteName(sites, first)} ${date} ${valueWords('session', last)}`;
  }
  if (collection === 'outreach' && date) {
    return `${siteName(sites, last)} → ${siteName(sites, first)} ${date}`;
  }
  return String(recordId);
}

// A time from the server: epoch milliseconds, or ISO text (UTC when it has no offset).
export function whenWords(value) {
  if (value === null || value === undefined || value === '') return '—';
  let date;
  if (typeof value === 'number') date = new Date(value);
  else if (/^\d{4}-\d\d-\d\dT[\d:.]+$/.test(value)) date = new Date(`${value}Z`);
  else date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(currentLang() === 'en' ? 'en-GB' : 'ja-JP',
    { dateStyle: 'short', timeStyle: 'short' });
}
