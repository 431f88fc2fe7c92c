// Session logs (来所記録) on this phone: the record of one site, date and session, what
// this user counted, and what the screen shows (the server's totals plus what is unsent).
import * as db from './db.js';
import { baseEntry, stage } from './staging.js';

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

export async function openEntry(userId, siteId, date, session) {
  const fresh = newEntry(userId, siteId, date, session);
  return (await db.getEntry(fresh.key)) ?? fresh;
}

function save(entry, changes) {
  if (entry.firstSaved) return stage(entry, changes);
  // The record id names these three, but the server wants them stated once.
  return stage({ ...entry, firstSaved: true }, { site_id: entry.siteId,
    session_date: entry.date, session: entry.session, ...changes });
}

// A tap on + or −: this user's own count moves, never below zero; the op carries the
// new absolute count, so a retried or reordered op cannot count twice.
export async function tap(entry, field, delta) {
  const value = Math.max(0, (entry.mine[field] ?? 0) + delta);
  if (value === (entry.mine[field] ?? 0)) return { entry, moved: 0 };
  const changed = { ...entry, mine: { ...entry.mine, [field]: value } };
  return { entry: await save(changed, { [field]: value }), moved: value - (entry.mine[field] ?? 0) };
}

export async function setNeed(entry, tag, on) {
  const changed = { ...entry, needs: { ...entry.needs, [tag]: on } };
  return save(changed, { needs: on ? { add: [tag] } : { remove: [tag] } });
}

export async function setNotes(entry, notes) {
  return save({ ...entry, notes }, { notes: notes === '' ? null : notes });
}

// What the screen shows for one counter: the server's total, less the part of it that is
// this user's (as the server last had it), plus this user's count now.
export function shownCount(entry, record, field) {
  const total = record?.data?.[field] ?? 0;
  return total - (entry.included[field] ?? 0) + (entry.mine[field] ?? 0);
}

export function shownNeeds(entry, record) {
  const needs = new Set(record?.data?.needs ?? []);
  for (const [tag, on] of Object.entries(entry.needs)) {
    if (on) needs.add(tag);
    else needs.delete(tag);
  }
  return needs;
}

export function shownNotes(entry, record) {
  return entry.notes ?? record?.data?.notes ?? '';
}

export function recordOf(entry) {
  return db.getReplica(entry.recordKey);
}

// The entry as stored now: sync updates what the server holds of it in the background.
export async function reload(entry) {
  return (await db.getEntry(entry.key)) ?? entry;
}

// My entries, newest first, each with how its ops stand: sent, waiting or rejected.
export async function myEntries(userId) {
  const [all, outbox] = await Promise.all([db.listEntries(userId), db.outboxOf(userId)]);
  const entries = all.filter((entry) => entry.collection === 'visit');
  const byEntry = new Map();
  for (const item of outbox) byEntry.set(item.entryKey, [...(byEntry.get(item.entryKey) ?? []), item]);
  return entries
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .map((entry) => {
      const items = byEntry.get(entry.key) ?? [];
      const rejected = items.filter((item) => item.state === 'rejected');
      const state = rejected.length ? 'rejected' : items.length ? 'waiting' : 'sent';
      return { entry, state, rejected };
    });
}

// Sends a rejected entry again after the user corrected it: its rejected ops are closed
// here, and one new op carries the entry's current values for the fields they held.
export async function resend(entry, rejected) {
  const fields = new Set(rejected.flatMap((item) => Object.keys(item.op.changes)));
  const changes = {};
  for (const field of fields) {
    if (field === 'needs') {
      const tags = Object.entries(entry.needs);
      changes.needs = { add: tags.filter(([, on]) => on).map(([tag]) => tag),
        remove: tags.filter(([, on]) => !on).map(([tag]) => tag) };
    } else if (field === 'notes') changes.notes = entry.notes === '' ? null : entry.notes ?? null;
    else if (field in entry.mine) changes[field] = entry.mine[field];
    else changes[field] = rejected.find((item) => field in item.op.changes).op.changes[field];
  }
  const saved = await save(entry, changes);
  // Only after the new op is safely queued: a crash in between leaves both, never neither.
  await db.dropOutboxItems(rejected.map((item) => item.op.op_id));
  return saved;
}
