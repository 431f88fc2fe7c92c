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

// Resolves with the entry as stored (with what sync learnt of it meanwhile).
export async function stage(entry, changes) {
  const updated = { ...entry, updatedAt: Date.now() };
  const saved = await db.stageChange(updated, await makeOp(updated, changes));
  refreshCounts();
  syncSoon();
  return saved;
}

export function localDate(date = new Date()) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}
