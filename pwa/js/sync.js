// The one module that talks sync with the server: pushes the signed-in user's outbox,
// pulls changes after the cursor, retries with backoff, and tells listeners how it went.
// It runs on start, when the network comes back, shortly after each change, every few
// minutes while the app is open, and when Background Sync wakes the service worker.
import { request } from './api.js';
import * as db from './db.js';
import { observe } from './hlc.js';

const PUSH_BATCH = 200;
const PULL_LIMIT = 500;
const EVERY_MS = 3 * 60 * 1000;
const SOON_MS = 1500;
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 5 * 60 * 1000;
const KEEP_SENT_DAYS = 90;
const READ_AGAIN_MS = 10 * 60 * 1000;

const listeners = new Set();
let state = { pending: 0, rejected: 0, lastSyncedAt: null, progress: null, problem: null };
let running = null;
let again = false;
let retryMs = 0;
let timers = { soon: null, retry: null };
let hooks = { session: async () => null, authLost: async () => {}, poolSites: () => [] };
let poolTarget = 10; // the server says how many tokens a phone keeps ready
const readers = new Map(); // reader → { shows, readAt, owed }, each keyed by sign-in token

function emit(patch) {
  state = { ...state, ...patch };
  for (const listener of listeners) listener(state);
}

export function onSyncState(listener) {
  listeners.add(listener);
  listener(state);
  return () => listeners.delete(listener);
}

// What a phone keeps to read offline besides its records (the ward's meetings, the issues
// board): `reader(session)` runs after a good push and pull when its copy is 10 minutes
// old, or when the push sent ops of a collection it `shows` (an issue just raised must
// reach the board). A volunteer with signal syncs after every few taps, and reading both
// again each time tripled the requests a sync. Its screen reads afresh when opened. One
// that fails keeps its last copy and does not make the sync look failed, unless it lost
// the sign-in.
export function keepForOffline(reader, { shows = [] } = {}) {
  readers.set(reader, { shows: new Set(shows), readAt: new Map(), owed: new Set() });
  return () => readers.delete(reader);
}

// Ops of these collections reached the server: the readers showing them owe a read, until
// one succeeds (a sync that fails after its push must not lose that).
function oweReads(session, collections) {
  for (const kept of readers.values()) {
    if (collections.some((collection) => kept.shows.has(collection))) kept.owed.add(session.token);
  }
}

// Keyed by the sign-in: signing out drops the kept copies, and a new sign-in reads afresh.
async function readForOffline(session) {
  for (const [reader, kept] of readers) {
    const fresh = Date.now() - (kept.readAt.get(session.token) ?? -Infinity) < READ_AGAIN_MS;
    if (fresh && !kept.owed.has(session.token)) continue;
    await reader(session).then(() => {
      kept.readAt.set(session.token, Date.now());
      kept.owed.delete(session.token);
    }, (error) => {
      if (error.status === 401) throw error;
    });
  }
}

export async function refreshCounts() {
  const session = await hooks.session();
  const items = session ? await db.outboxOf(session.user.id) : [];
  emit({
    pending: items.filter((item) => item.state === 'pending').length,
    rejected: items.filter((item) => item.state === 'rejected').length,
    lastSyncedAt: (await db.getMeta('last_synced')) ?? null,
  });
}

export function startSync({ session, authLost, poolSites }) {
  hooks = { session, authLost, poolSites };
  window.addEventListener('online', () => syncSoon(0));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncSoon(0);
  });
  setInterval(() => syncNow(), EVERY_MS);
  navigator.serviceWorker?.addEventListener('message', (event) => {
    // Background Sync wakes us at once while there is signal: a sync already due soon
    // still waits for the rest of the burst of taps, or each burst went as two pushes,
    // and one under way is not followed by another with nothing to send.
    if (event.data?.type === 'sync' && timers.soon === null && !running) syncNow();
  });
  return syncNow();
}

// After a change: wait a moment so a burst of taps goes as one op, and ask the browser
// to wake us for it (Background Sync) in case the page is closed before then.
export function syncSoon(delay = SOON_MS) {
  clearTimeout(timers.soon);
  timers.soon = setTimeout(() => {
    timers.soon = null;
    syncNow();
  }, delay);
  navigator.serviceWorker?.ready
    .then((registration) => registration.sync?.register('tsunagu-outbox'))
    .catch(() => {});
}

export function syncNow() {
  if (running) {
    again = true;
    return running;
  }
  running = cycle().finally(() => {
    running = null;
    if (again) {
      again = false;
      syncNow();
    }
  });
  return running;
}

async function cycle() {
  const session = await hooks.session();
  if (!session || session.expired) {
    await refreshCounts();
    return;
  }
  await refreshCounts();
  // With no signal, wait for the browser's "online" event instead of failing requests.
  if (!navigator.onLine) return;
  try {
    await pull(session, await push(session));
    // Tokens are a convenience: a site that cannot mint (no longer the user's) must not
    // make a good sync look failed.
    await refillPools(session).catch((error) => {
      if (error.status === 401) throw error;
    });
    await readForOffline(session);
    await db.pruneSentEntries(new Date(Date.now() - KEEP_SENT_DAYS * 86400000)
      .toISOString().slice(0, 10));
    const now = new Date().toISOString();
    await db.setMeta('last_synced', now);
    retryMs = 0;
    emit({ problem: null });
  } catch (error) {
    if (error.status === 401) {
      await hooks.authLost(error);
    } else if (error.code === 'offline' || error.status === 429 || error.status >= 500) {
      scheduleRetry();
      emit({ problem: error.code === 'offline' ? null : error });
    } else {
      emit({ problem: error });
    }
  } finally {
    emit({ progress: null });
    await refreshCounts();
  }
}

function scheduleRetry() {
  retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_FIRST_MS, retryMs * 2));
  clearTimeout(timers.retry);
  // Jitter, so phones that regain signal together do not all knock at once.
  timers.retry = setTimeout(syncNow, retryMs * (0.75 + Math.random() * 0.5));
}

// Resolves with the pull's first page, which the last push brings back with its answer
// (one request a sync instead of two), and the cursor it was read from; null when
// nothing was waiting.
async function push(session) {
  const waiting = (await db.outboxOf(session.user.id))
    .filter((item) => item.state === 'pending')
    .sort((a, b) => (a.op.hlc < b.op.hlc ? -1 : 1));
  let done = 0;
  let pulled = null;
  for (let start = 0; start < waiting.length; start += PUSH_BATCH) {
    emit({ progress: { done, total: waiting.length } });
    const ids = waiting.slice(start, start + PUSH_BATCH).map((item) => item.op.op_id);
    // Marked and read again in one step: a change folded in before this is sent with it.
    const items = await db.markSent(ids);
    const lastBatch = start + PUSH_BATCH >= waiting.length;
    const from = lastBatch ? (await db.getMeta('cursor')) ?? 0 : null;
    const answer = await request('POST', '/api/sync/push', {
      token: session.token,
      body: { protocol: 1, ops: items.map((item) => item.op),
        ...(lastBatch ? { pull: { cursor: from, limit: PULL_LIMIT } } : {}) },
    });
    await db.settleOps(items, answer.results);
    oweReads(session, items.map((item) => item.op.collection));
    const node = await db.deviceIdentity();
    await db.nextClock((last) => observe(last, answer.server_hlc, Date.now(), node));
    done += items.length;
    if (answer.pull) pulled = { page: answer.pull, from };
  }
  return pulled;
}

async function pull(session, first = null) {
  let cursor = (await db.getMeta('cursor')) ?? 0;
  // Applied only from the cursor it was read from (db.applyPulled checks it again).
  let page = first?.from === cursor ? first.page : null;
  for (;;) {
    page ??= await request('GET', `/api/sync/pull?cursor=${cursor}&limit=${PULL_LIMIT}`,
      { token: session.token });
    if (!(await db.applyPulled(page.changes, page.cursor, cursor, session.token))) return;
    cursor = page.cursor;
    if (!page.more) return;
    page = null;
  }
}

// Card tokens are minted by the server while there is signal, so that a card can be
// issued later with none: each of the user's sites keeps `poolTarget` ready.
async function refillPools(session) {
  for (const siteId of await hooks.poolSites(session)) {
    const missing = Math.min(50, poolTarget - await db.poolSize(String(siteId)));
    if (missing <= 0) continue;
    const minted = await request('POST', '/api/cards/tokens',
      { token: session.token, body: { site_id: Number(siteId), count: missing } });
    poolTarget = minted.pool_size;
    await db.addToPool(String(siteId), minted.tokens);
  }
}
