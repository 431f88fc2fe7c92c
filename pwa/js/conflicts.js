// Conflicts this user lost: a note (or another single-value field) they wrote at the same
// time as someone else, whose later edit won. The server keeps the losing value; its
// author settles it here, online, keeping theirs or taking the other.
import { ApiError, request } from './api.js';

// What the server last said, per user: shown again while there is no signal, so a
// conflict does not vanish from the list when the phone goes offline.
const lastKnown = new Map();

export async function myConflicts(session) {
  try {
    const listed = await request('GET', '/api/sync/my-conflicts', { token: session.token });
    lastKnown.set(session.user.id, listed);
    return listed;
  } catch (error) {
    if (error.status === 401) throw error;
    return lastKnown.get(session.user.id) ?? [];
  }
}

// `keep`: true keeps the author's value, false takes the one that won. Needs the server:
// offline it throws the api's 'offline' error before trying.
export async function settle(session, conflict, keep) {
  if (!navigator.onLine) throw new ApiError(0, 'offline', '');
  const answer = await request('POST', '/api/sync/my-conflicts/resolve', {
    token: session.token,
    body: { conflict_id: conflict.conflict_id, resolution: keep ? 'take_conflict' : 'keep_current',
      op_id: crypto.randomUUID() },
  });
  const left = (lastKnown.get(session.user.id) ?? [])
    .filter((item) => item.conflict_id !== conflict.conflict_id);
  lastKnown.set(session.user.id, left);
  return answer;
}

export function conflictsByRecord(conflicts) {
  const byRecord = new Map();
  for (const conflict of conflicts) {
    const key = `${conflict.collection}/${conflict.record_id}`;
    byRecord.set(key, [...(byRecord.get(key) ?? []), conflict]);
  }
  return byRecord;
}
