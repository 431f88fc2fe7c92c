// A user's own change to a record: saved with the entry on this phone and queued as an op,
// in one step, then sent soon. Used by session logs and cards alike.
import * as db from './db.js';
import { tick } from './hlc.js';
import { refreshCounts, syncSoon } from './sync.js';

export function entryKey(userId, collection, recordId) {
  return `${userId}|${collection}/${recordId}`;
}

// What an entry starts with: what the server holds of it is learnt at each sync.
export function baseEntry(userId, collection, recordId) {
  return {
    key: entryKey(userId, collection, recordId), recordKey: `${collection}/${recordId}`,
    collection, recordId, userId, acked: {}, included: {}, seenVersion: null,
    createdAt: Date.now(), updatedAt: Date.now(),
  };
}

async function makeOp(entry, changes) {
  const node = await db.deviceIdentity();
  const hlc = await db.nextClock((last) => tick(last, Date.now(), node));
  return {
    op_id: crypto.randomUUID(),
    // Each user on this phone owns a share of a count, so their taps never overwrite.
    device_id: `${node}-u${entry.userId}`,
    user_id: String(entry.userId),
    collection: entry.collection,
    record_id: entry.recordId,
    hlc,
    base_version: entry.seenVersion,
    changes,
  };
}

// Resolves with the entry as stored (with what sync learnt of it meanwhile). `options`
// are db.stageChange's: the op's lane, the fields a first op states, whether the entry
// is now empty.
export async function stage(entry, changes, options = {}) {
  const updated = { ...entry, updatedAt: Date.now() };
  const saved = await db.stageChange(updated, await makeOp(updated, changes), options);
  refreshCounts();
  syncSoon();
  return saved;
}

// Saves the entry on this phone only, with no op: for what must not be sent as it is.
export function keep(entry) {
  return db.stageChange({ ...entry, updatedAt: Date.now() }, null);
}

// The entry as stored now (sync updates what the server holds of it in the background),
// or ``entry`` itself if it was never saved.
export async function stored(entry) {
  return (await db.getEntry(entry.key)) ?? entry;
}

// The record as this phone last pulled it.
export function replicaOf(entry) {
  return db.getReplica(entry.recordKey);
}

// A record's first op states the fields its id names (the server checks them against
// it); once the server has answered one, ops carry only what changed.
export function stageStating(entry, changes, stated, options = {}) {
  return stage(entry, changes, { ...options, stated });
}

// A tap on + or −: this user's own count moves, never below zero; the op carries the
// new absolute count, so a retried or reordered op cannot count twice.
export async function tapCount(entry, field, delta, save) {
  const value = Math.max(0, (entry.mine[field] ?? 0) + delta);
  if (value === (entry.mine[field] ?? 0)) return { entry, moved: 0 };
  const changed = { ...entry, mine: { ...entry.mine, [field]: value } };
  return { entry: await save(changed, { [field]: value }), moved: value - (entry.mine[field] ?? 0) };
}

// What the screen shows for one counter: the server's total, less the part of it that is
// this user's (as the server last had it), plus this user's count now.
export function shownCount(entry, record, field) {
  const total = record?.data?.[field] ?? 0;
  return total - (entry.included[field] ?? 0) + (entry.mine[field] ?? 0);
}

// A set as shown: the record's members with this user's own adds and removes over them.
export function shownMembers(recorded, mine) {
  const members = new Set(recorded ?? []);
  for (const [member, on] of Object.entries(mine)) {
    if (on) members.add(member);
    else members.delete(member);
  }
  return members;
}

// This user's own adds and removes of a set, as one set change.
export function setChange(mine) {
  const members = Object.entries(mine);
  return { add: members.filter(([, on]) => on).map(([member]) => member),
    remove: members.filter(([, on]) => !on).map(([member]) => member) };
}

// My entries of a collection, newest first, each with how its ops stand: sent, waiting
// or rejected.
export async function entriesOf(userId, collection) {
  const [all, outbox] = await Promise.all([db.listEntries(userId), db.outboxOf(userId)]);
  const byEntry = new Map();
  for (const item of outbox) byEntry.set(item.entryKey, [...(byEntry.get(item.entryKey) ?? []), item]);
  return all
    .filter((entry) => entry.collection === collection)
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .map((entry) => {
      const items = byEntry.get(entry.key) ?? [];
      const rejected = items.filter((item) => item.state === 'rejected');
      const state = rejected.length ? 'rejected'
        : items.length || entry.notesHeld ? 'waiting' : 'sent';
      return { entry, state, rejected };
    });
}

// Sends a rejected entry again after the user corrected it: ``save`` stages, for each
// field its rejected ops held, ``current(field)`` (or what the op held, if that says
// nothing), and only then are those ops closed.
export async function resendRejected(entry, rejected, current, save) {
  const fields = new Set(rejected.flatMap((item) => Object.keys(item.op.changes)));
  const changes = {};
  for (const field of fields) {
    const value = current(field);
    changes[field] = value !== undefined ? value
      : rejected.find((item) => field in item.op.changes).op.changes[field];
  }
  const saved = await save(entry, changes);
  // Only after the new op is safely queued: a crash in between leaves both, never neither.
  await db.dropOutboxItems(rejected.map((item) => item.op.op_id));
  return saved;
}

export function localDate(date = new Date()) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}
