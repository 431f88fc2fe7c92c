// Session logs (来所記録) on this phone: the record of one site, date and session, what
// this user counted, and what the screen shows (the server's totals plus what is unsent).
import {
  baseEntry, entriesOf, replicaOf, resendRejected, setChange, shownCount, shownMembers,
  stageStating, stored, tapCount,
} from './staging.js';

export const VISITOR_COUNTERS = [
  'parents', 'children_0', 'children_1', 'children_2', 'children_3plus',
  'expecting_parents', 'fathers', 'grandparents', 'first_time', 'in_ward', 'out_of_ward',
];
export const TOPICS = [
  'work_life', 'family_relations', 'elder_care', 'single_parent', 'financial',
  'development', 'parenting_approach', 'health_daily', 'places_childcare', 'other',
];
export const ANSWERS = ['answered_on_site', 'referred_to_site', 'connected_to_ward'];
export const NEEDS = [
  'small_homely', 'outdoor_play', 'meet_many', 'family_consult', 'consult_room',
  'temp_childcare', 'saturday', 'fathers_welcome', 'prenatal_ok',
];
export const SESSIONS = ['day', 'am', 'pm'];
export const WARD_COUNTER = 'connected_to_ward_count';
export const NOTES_LIMIT = 2000;

export { shownCount };

export function consultationCounter(topic, answer) {
  return `consultation_${topic}_${answer}`;
}

// The same on every phone, so two volunteers counting one session add up in one record.
export function visitRecordId(siteId, date, session) {
  return `${siteId}:${date}:${session}`;
}

export function newEntry(userId, siteId, date, session) {
  return {
    ...baseEntry(userId, 'visit', visitRecordId(siteId, date, session)),
    siteId: String(siteId), date, session, mine: {}, needs: {}, notes: undefined,
  };
}

export function openEntry(userId, siteId, date, session) {
  return stored(newEntry(userId, siteId, date, session));
}

function save(entry, changes) {
  // The record id names these three, but the server wants them stated once.
  return stageStating(entry, changes, { site_id: entry.siteId, session_date: entry.date,
    session: entry.session });
}

export function tap(entry, field, delta) {
  return tapCount(entry, field, delta, save);
}

export async function setNeed(entry, tag, on) {
  const changed = { ...entry, needs: { ...entry.needs, [tag]: on } };
  return save(changed, { needs: on ? { add: [tag] } : { remove: [tag] } });
}

export async function setNotes(entry, notes) {
  return save({ ...entry, notes }, { notes: notes === '' ? null : notes });
}

export function shownNeeds(entry, record) {
  return shownMembers(record?.data?.needs, entry.needs);
}

export function shownNotes(entry, record) {
  return entry.notes ?? record?.data?.notes ?? '';
}

export const recordOf = replicaOf;

export const reload = stored;

export function myEntries(userId) {
  return entriesOf(userId, 'visit');
}

// Sends a rejected entry again after the user corrected it.
export function resend(entry, rejected) {
  return resendRejected(entry, rejected, (field) => {
    if (field === 'needs') return setChange(entry.needs);
    if (field === 'notes') return entry.notes === '' ? null : entry.notes ?? null;
    return entry.mine[field];
  }, save);
}
