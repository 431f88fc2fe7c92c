// Regional issues (地域課題) on this phone: a supporter raises one with no signal (a record
// of its own in the "local_issue" collection, staged like any change and sent with the
// next sync), and the ward's board is kept from the last good sync for reading offline.
import { request } from './api.js';
import * as db from './db.js';
import { baseEntry, entriesOf, localDate, stage } from './staging.js';

// The server's order of an issue's states (schemas/local_issues.py STATES).
export const STATES = ['raised', 'shared', 'discussed', 'decided', 'in_progress', 'reviewed'];
// The server's limits (sync/collections.py LOCAL_ISSUE), counted in code points.
export const TITLE_LIMIT = 120;
export const DETAIL_LIMIT = 1000;

export function textLength(text) {
  return [...text].length;
}

// Where an issue was shared, then where it was discussed (the server lists them by name).
export function meetingsInOrder(meetings) {
  const order = ['shared', 'discussed'];
  return [...meetings].sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage)
    || a.meeting_id - b.meeting_id);
}

function boardKey(wardCode) {
  return `${db.KEPT_FOR_OFFLINE}local_issues:${wardCode}`;
}

// Raises an issue at ``siteId``: saved on this phone and queued at once. The id is made
// here, so the issue exists before any signal.
// :raise RangeError: a title that is empty or too long, or a detail too long.
export function raiseIssue(userId, siteId, title, detail = '') {
  const shownTitle = title.trim();
  const shownDetail = detail.trim();
  if (!shownTitle || textLength(shownTitle) > TITLE_LIMIT) throw new RangeError('title');
  if (textLength(shownDetail) > DETAIL_LIMIT) throw new RangeError('detail');
  const raisedOn = localDate();
  // ``date`` lets the entry leave the phone with the other sent entries after a while.
  const entry = { ...baseEntry(userId, 'local_issue', crypto.randomUUID()),
    siteId: String(siteId), title: shownTitle, detail: shownDetail, date: raisedOn };
  const changes = { site_id: entry.siteId, title: shownTitle, raised_on: raisedOn };
  if (shownDetail) changes.detail = shownDetail;
  return stage(entry, changes);
}

// This user's issues on this phone, newest first, each { entry, state: sent | waiting |
// rejected, rejected }.
export function myIssues(userId) {
  return entriesOf(userId, 'local_issue');
}

// Fetches the ward's board and keeps it for reading offline (a reader for
// sync.keepForOffline). Resolves with the board.
export async function keepBoard(session) {
  const ward = session.user.ward_code;
  if (!ward) return null;
  const issues = await request('GET', `/api/wards/${encodeURIComponent(ward)}/local-issues`,
    { token: session.token });
  const kept = { ward, keptAt: Date.now(), issues };
  await db.setMeta(boardKey(ward), kept);
  return kept;
}

// The board as last kept on this phone: { ward, keptAt, issues }, or null.
export async function keptBoard(wardCode) {
  return (await db.getMeta(boardKey(wardCode))) ?? null;
}
