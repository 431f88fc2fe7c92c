// The only module that opens IndexedDB. Upgrades run in `if (oldVersion < N)` steps.
//
// Stores:
//   session    who is signed in ('current'), and the last user ('last_user')
//   meta       the device identity, the sync cursor, the clock, the last sync time, the
//              session each user last changed, whether the storage warning was shown
//   replica    records pulled from the server, keyed "collection/record_id"
//   entries    each user's own session logs on this phone: what they typed, and how much
//              of it the server's copy includes; keyed "user|collection/record_id"
//   outbox     ops waiting to be sent, or rejected by the server, keyed by op_id
//   directory  the cached directory of the user's wards (public data)
//   pool       card tokens minted ahead, per site, so a card can be issued with no signal
import { mergeChanges } from './changes.js';

const DB_NAME = 'tsunagu';
const DB_VERSION = 3;
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = (event) => {
      const db = req.result;
      if (event.oldVersion < 1) {
        db.createObjectStore('session');
      }
      if (event.oldVersion < 2) {
        db.createObjectStore('meta');
        db.createObjectStore('replica', { keyPath: 'key' });
        db.createObjectStore('directory');
        const entries = db.createObjectStore('entries', { keyPath: 'key' });
        entries.createIndex('user', 'userId');
        entries.createIndex('record', 'recordKey');
        const outbox = db.createObjectStore('outbox', { keyPath: 'op.op_id' });
        outbox.createIndex('user', 'userId');
        outbox.createIndex('entry', 'entryKey');
      }
      if (event.oldVersion < 3) {
        db.createObjectStore('pool', { keyPath: 'short_code' }).createIndex('site', 'siteId');
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

// Runs `work(stores)` in one transaction over `names`; resolves with its result once the
// transaction has committed, so a caller never sees a write that could still roll back.
async function transact(names, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
    let result;
    Promise.resolve(work(stores)).then((value) => { result = value; }, (error) => {
      reject(error);
      tx.abort();
    });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

function ask(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// --- session ---------------------------------------------------------------------------

export function getSession() {
  return transact(['session'], 'readonly', ({ session }) => ask(session.get('current')));
}

export function putSession(value) {
  return transact(['session'], 'readwrite', ({ session }) => {
    session.put(value, 'current');
    session.put(value.user.id, 'last_user');
  });
}

export function clearSession() {
  return transact(['session'], 'readwrite', ({ session }) => session.delete('current'));
}

export function lastUserId() {
  return transact(['session'], 'readonly', ({ session }) => ask(session.get('last_user')));
}

// --- meta ------------------------------------------------------------------------------

export function getMeta(key) {
  return transact(['meta'], 'readonly', ({ meta }) => ask(meta.get(key)));
}

export function setMeta(key, value) {
  return transact(['meta'], 'readwrite', ({ meta }) => meta.put(value, key));
}

// A random id made once per phone: ops carry it, so each phone owns its share of a count.
export function deviceIdentity() {
  return transact(['meta'], 'readwrite', async ({ meta }) => {
    let id = await ask(meta.get('device'));
    if (!id) {
      id = `phone-${crypto.randomUUID()}`;
      meta.put(id, 'device');
    }
    return id;
  });
}

// The next clock reading, stored in the same step so two taps never share one.
export function nextClock(tick) {
  return transact(['meta'], 'readwrite', async ({ meta }) => {
    const next = tick(await ask(meta.get('clock')));
    meta.put(next, 'clock');
    return next;
  });
}

// --- directory -------------------------------------------------------------------------

export function putDirectory(directory) {
  return transact(['directory'], 'readwrite', ({ directory: store }) => {
    store.put(directory, 'current');
  });
}

export function getDirectory() {
  return transact(['directory'], 'readonly', ({ directory }) => ask(directory.get('current')));
}

// --- entries and the outbox --------------------------------------------------------------

export function getEntry(key) {
  return transact(['entries'], 'readonly', ({ entries }) => ask(entries.get(key)));
}

export function listEntries(userId) {
  return transact(['entries'], 'readonly',
    ({ entries }) => ask(entries.index('user').getAll(userId)));
}

export function getReplica(key) {
  return transact(['replica'], 'readonly', ({ replica }) => ask(replica.get(key)));
}

// Saves what the user changed in an entry and stages its changes, in one step. What sync
// wrote to the entry meanwhile (acked, included, seenVersion) is kept, never overwritten
// by the screen's copy. The changes fold into the record's waiting op of the same `lane`
// when there is one that was never sent (taking the new op's later clock), else `op` is
// queued; with no `op` the entry alone is saved (a note kept on the phone, not sent).
//   lane    ops of different lanes never fold together: a note the server refuses must
//           not take the counts down with it, so notes travel in a lane of their own.
//   stated  the fields a record's first op must state: every op carries them until the
//           server has answered one, since whichever op arrives first creates the record.
//   empty   the entry now says nothing. If nothing of it ever left the phone, its waiting
//           ops are dropped and the entry forgotten: an undo of a new record must not
//           create it on the server. Once an op has left, the change is sent as usual.
// Resolves with the entry as stored (or, when forgotten, as it would have been).
export function stageChange(entry, op, { lane = 'main', stated = {}, empty = false } = {}) {
  return transact(['entries', 'outbox'], 'readwrite', async ({ entries, outbox }) => {
    const stored = await ask(entries.get(entry.key));
    const saved = stored ? { ...entry, acked: stored.acked, included: stored.included,
      seenVersion: stored.seenVersion, sentAt: stored.sentAt } : entry;
    const waiting = await ask(outbox.index('entry').getAll(entry.key));
    const left = saved.sentAt || Object.keys(saved.acked).length
      || waiting.some((item) => item.sent);
    if (empty && !left) {
      for (const item of waiting) outbox.delete(item.op.op_id);
      entries.delete(entry.key);
      return saved;
    }
    entries.put(saved);
    if (!op) return saved;
    const known = saved.sentAt || saved.seenVersion !== null && saved.seenVersion !== undefined;
    const changes = known ? op.changes : { ...stated, ...op.changes };
    // Never into an op that has left the phone: the server may hold it already, and
    // would answer a resend of that op id with its first answer, dropping the change.
    const open = waiting.find((item) => item.state === 'pending' && !item.sent
      && (item.lane ?? 'main') === lane);
    if (open) {
      open.op.changes = mergeChanges(open.op.changes, changes);
      open.op.hlc = op.hlc;
      open.updatedAt = Date.now();
      outbox.put(open);
    } else {
      op.base_version = saved.seenVersion;
      op.changes = changes;
      outbox.put({ op, userId: entry.userId, entryKey: entry.key, state: 'pending', lane,
        updatedAt: Date.now() });
    }
    return saved;
  });
}

export function outboxOf(userId) {
  return transact(['outbox'], 'readonly', ({ outbox }) => ask(outbox.index('user').getAll(userId)));
}

// Marks these ops as sent before they go, and returns them as stored: from here on a new
// change makes a new op, even if this send fails and the ops go again later.
export function markSent(opIds) {
  return transact(['outbox'], 'readwrite', async ({ outbox }) => {
    const items = [];
    for (const id of opIds) {
      const item = await ask(outbox.get(id));
      if (!item) continue;
      item.sent = true;
      outbox.put(item);
      items.push(item);
    }
    return items;
  });
}

export function dropOutboxItems(opIds) {
  return transact(['outbox'], 'readwrite', ({ outbox }) => opIds.forEach((id) => outbox.delete(id)));
}

// Records the server's answers: a sent op leaves the outbox and its values become what
// the server holds of this phone; a rejected one stays, with the reason, to be fixed.
export function settleOps(items, results) {
  return transact(['entries', 'outbox'], 'readwrite', async ({ entries, outbox }) => {
    const byId = new Map(results.map((result) => [result.op_id, result]));
    const touched = new Map();
    for (const item of items) {
      const result = byId.get(item.op.op_id);
      if (!result) continue;
      if (result.status === 'rejected') {
        outbox.put({ ...item, state: 'rejected', reason: result.reason, message: result.message,
          field: result.field, fault: result.fault, limit: result.limit });
        continue;
      }
      outbox.delete(item.op.op_id);
      const entry = touched.get(item.entryKey) ?? await ask(entries.get(item.entryKey));
      if (!entry) continue;
      for (const [field, value] of Object.entries(item.op.changes)) {
        if (typeof value === 'number') entry.acked[field] = { value, version: result.version };
      }
      if ('notes' in item.op.changes) {
        entry.notesSent = { value: item.op.changes.notes ?? '', version: result.version };
      }
      entry.sentAt = Date.now();
      touched.set(item.entryKey, entry);
    }
    for (const entry of touched.values()) entries.put(entry);
  });
}

// Stores a pulled page and its cursor together, and notes which of this phone's counts
// each record now includes, so the screen adds only what the server does not have yet.
// `token` is the sign-in the page was asked with.
export function applyPulled(changes, cursor, askedFrom, token) {
  return transact(['replica', 'entries', 'meta', 'session'], 'readwrite', async ({
    replica, entries, meta, session }) => {
    // Signed out (or switched user) while the page was on its way: it belongs to no one
    // now. The cursor alone cannot tell: signing out sets it back to 0, where a first
    // sync starts too.
    if ((await ask(session.get('current')))?.token !== token
      || ((await ask(meta.get('cursor'))) ?? 0) !== askedFrom) return false;
    for (const change of changes) {
      const key = `${change.collection}/${change.record_id}`;
      replica.put({ key, collection: change.collection, record_id: change.record_id,
        version: change.version, deleted: change.deleted, data: change.data });
      for (const entry of await ask(entries.index('record').getAll(key))) {
        for (const [field, acked] of Object.entries(entry.acked)) {
          if (acked.version <= change.version) entry.included[field] = acked.value;
        }
        entry.seenVersion = change.version;
        // The record now holds the note this phone sent, or what beat it (a conflict, to
        // be settled in "my entries"): from here the record's note is the one shown,
        // unless the user has typed again since.
        if (entry.notesSent && entry.notesSent.version <= change.version
            && (entry.notes ?? '') === entry.notesSent.value) {
          delete entry.notes;
          delete entry.notesSent;
        }
        entries.put(entry);
      }
    }
    meta.put(cursor, 'cursor');
    return true;
  });
}

// The entries with an op still in the outbox (waiting, or rejected to be fixed), or with
// a note kept on the phone until it is short enough to send.
async function waitingEntries(outbox, entries) {
  const keys = new Set((await ask(outbox.getAll())).map((item) => item.entryKey));
  for (const entry of await ask(entries.getAll())) if (entry.notesHeld) keys.add(entry.key);
  return keys;
}

// A lost phone keeps only what it has not sent yet: entries the server already holds,
// and the card tokens ready to use, are removed.
export function forgetSent() {
  return transact(['entries', 'outbox', 'pool'], 'readwrite', async ({ entries, outbox, pool }) => {
    const waiting = await waitingEntries(outbox, entries);
    for (const entry of await ask(entries.getAll())) {
      if (!waiting.has(entry.key)) entries.delete(entry.key);
    }
    pool.clear();
  });
}

// What a phone keeps of its user's own sent entries: the recent ones, for "my entries".
// Older ones leave the phone (the server has them), so a lost phone holds little.
export function pruneSentEntries(beforeDate) {
  return transact(['entries', 'outbox'], 'readwrite', async ({ entries, outbox }) => {
    const waiting = await waitingEntries(outbox, entries);
    let pruned = 0;
    for (const entry of await ask(entries.getAll())) {
      const day = entry.date ?? entry.card?.issued_on;
      if (day && day < beforeDate && !waiting.has(entry.key)) {
        entries.delete(entry.key);
        pruned += 1;
      }
    }
    return pruned;
  });
}

export function replicaOf(collection) {
  const range = IDBKeyRange.bound(`${collection}/`, `${collection}/\uffff`);
  return transact(['replica'], 'readonly', ({ replica }) => ask(replica.getAll(range)));
}

// The prefix of the meta keys of what a phone keeps to read offline besides its records.
export const KEPT_FOR_OFFLINE = 'offline:';

// Drops every record pulled from the server (and what was kept to read offline); entries keep what this phone typed, and
// will learn again what the server holds of it at the next pull from the start.
export function dropReplica() {
  return transact(['replica', 'entries', 'meta'], 'readwrite', async ({ replica, entries, meta }) => {
    replica.clear();
    meta.delete('cursor');
    // Pages kept to read offline (the ward's issues board) are the signed-in user's too.
    for (const key of await ask(meta.getAllKeys())) {
      if (String(key).startsWith(KEPT_FOR_OFFLINE)) meta.delete(key);
    }
    for (const entry of await ask(entries.getAll())) {
      entries.put({ ...entry, included: {}, seenVersion: null });
    }
  });
}

// --- the card token pool ---------------------------------------------------------------

export function poolSize(siteId) {
  return transact(['pool'], 'readonly', ({ pool }) => ask(pool.index('site').count(siteId)));
}

export function addToPool(siteId, tokens) {
  return transact(['pool'], 'readwrite', ({ pool }) => {
    for (const token of tokens) pool.put({ ...token, siteId });
  });
}

// Takes one token for a card: gone from the pool in the same step, so never used twice.
export function takeFromPool(siteId) {
  return transact(['pool'], 'readwrite', async ({ pool }) => {
    const cursor = await ask(pool.index('site').openCursor(siteId));
    if (!cursor) return null;
    const token = cursor.value;
    cursor.delete();
    return token;
  });
}
