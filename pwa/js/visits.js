// Session logs (来所記録) on this phone: the record of one site, date and session, what
// this user counted, and what the screen shows (the server's totals plus what is unsent).
import * as db from './db.js';
import {
  baseEntry, entriesOf, keep, localDate, replicaOf, resendRejected, setChange, shownCount,
  shownMembers, stageStating, stored, tapCount,
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
// The server's limit for a session's notes (sync/collections.py, VISIT "notes"), in
// characters as Python counts them: code points, not UTF-16 units.
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

// Nothing of this user's is in it: no count, no wish marked, no note.
function isEmpty(entry) {
  return Object.values(entry.mine).every((value) => !value)
    && Object.values(entry.needs).every((on) => !on) && !entry.notes;
}

function save(entry, changes, lane = 'main') {
  // The record id names these three, but the server wants them stated once.
  return stageStating(entry, changes, { site_id: entry.siteId, session_date: entry.date,
    session: entry.session }, { lane, empty: isEmpty(entry) });
}

export function tap(entry, field, delta) {
  return tapCount(entry, field, delta, save);
}

export async function setNeed(entry, tag, on) {
  const changed = { ...entry, needs: { ...entry.needs, [tag]: on } };
  return save(changed, { needs: on ? { add: [tag] } : { remove: [tag] } });
}

export function notesLength(notes) {
  return [...notes].length;
}

export function notesTooLong(notes) {
  return notesLength(notes ?? '') > NOTES_LIMIT;
}

// A note travels alone, so the server refusing it can never hold back the counts; one
// longer than the server takes stays on this phone, unsent, until it is shortened.
export async function setNotes(entry, notes) {
  const changed = { ...entry, notes, notesHeld: notesTooLong(notes) };
  if (changed.notesHeld) return keep(changed);
  return save(changed, { notes: notes === '' ? null : notes }, 'notes');
}

export function shownNeeds(entry, record) {
  return shownMembers(record?.data?.needs, entry.needs);
}

// The author took the note that beat theirs: the screen shows the record's note again,
// not the one this phone still holds from before.
export async function takeRecordNotes(userId, recordId) {
  const entry = await db.getEntry(baseEntry(userId, 'visit', recordId).key);
  if (entry) await keep({ ...entry, notes: undefined, notesHeld: false });
}

export function shownNotes(entry, record) {
  return entry.notes ?? record?.data?.notes ?? '';
}

export const recordOf = replicaOf;

export const reload = stored;

export function myEntries(userId) {
  return entriesOf(userId, 'visit');
}

// Sends a rejected entry again after the user corrected it: its counts and wishes in
// one op, its note in another (or kept on the phone while it is too long). The note is
// the one shown: once the record holds a note this phone sent since, the entry keeps no
// copy of its own. The entry is read again first: the list that offered the button may
// have been drawn before the user's fix was saved, and its copy would undo that fix.
export async function resend(drawn, rejected) {
  const entry = await stored(drawn);
  const notes = shownNotes(entry, await replicaOf(entry));
  return resendRejected(entry, rejected, (field) => {
    if (field === 'needs') return setChange(entry.needs);
    if (field === 'notes') return notes === '' ? null : notes;
    return entry.mine[field];
  }, async (current, changes) => {
    // The fields a record's id names are stated again by staging wherever still needed.
    const { notes, site_id: _site, session_date: _date, session: _slot, ...rest } = changes;
    let saved = current;
    if (Object.keys(rest).length) saved = await save(saved, rest);
    if ('notes' in changes) saved = await setNotes(saved, notes ?? '');
    return saved;
  });
}

// The session this user last changed on this phone, so the app reopens on it.
function lastKey(userId) {
  return `last_log|${userId}`;
}

export function rememberLast(entry) {
  return db.setMeta(lastKey(entry.userId), { siteId: entry.siteId, date: entry.date,
    session: entry.session });
}

// Where the log opens: the session last changed, if that was today's; if it was another
// day's, today's session at the same site and time of day (a count must never slip into
// a past session by mistake), with the last one offered as ``earlier``.
export async function whereToOpen(userId, today = localDate()) {
  const last = await db.getMeta(lastKey(userId));
  if (!last) return null;
  if (last.date === today) return { ...last, earlier: null };
  return { siteId: last.siteId, date: today, session: last.session, earlier: last };
}
