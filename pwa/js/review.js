// Review marks (要確認): a hub's question about one session log or outreach record. A mark
// is a record of its own in the "review" collection, pulled like any other; its author
// settles it with "done" and an optional short answer, staged like any change, so it
// works with no signal and goes at the next sync.
import * as db from './db.js';
import { baseEntry, entriesOf, localDate, stage } from './staging.js';

export const ANSWER_LIMIT = 500; // the server's limit for done_note

function targetKey(collection, recordId) {
  return `${collection}/${recordId}`;
}

// Every mark on this phone, grouped by the record it targets ("collection/record_id").
// Each mark is { id, version, comment, status, answer, sending, rejected }: status is
// 'done' as soon as this user marked it done here, even before that is sent ("sending"
// is then 'waiting'); a refused answer leaves it 'open', with the server's reasons in
// ``rejected``, to be tried again.
export async function marksByTarget(userId) {
  const [records, mine] = await Promise.all([db.replicaOf('review'), entriesOf(userId, 'review')]);
  const answered = new Map(mine.map((row) => [row.entry.recordId, row]));
  const byTarget = new Map();
  for (const record of records) {
    if (record.deleted || !record.data) continue;
    const data = record.data;
    const row = answered.get(record.record_id);
    const refused = row?.state === 'rejected';
    const doneHere = row && !refused;
    const mark = {
      id: record.record_id, version: record.version, comment: data.comment ?? '',
      status: data.status === 'done' || doneHere ? 'done' : 'open',
      answer: data.done_note ?? (doneHere ? row.entry.answer : '') ?? '',
      sending: doneHere && row.state === 'waiting' && data.status !== 'done' ? 'waiting' : null,
      rejected: refused ? row.rejected : [],
    };
    const key = targetKey(data.target_collection, data.target_record_id);
    byTarget.set(key, [...(byTarget.get(key) ?? []), mark]);
  }
  return byTarget;
}

// The open and done marks on one record.
export async function marksOn(userId, collection, recordId) {
  return (await marksByTarget(userId)).get(targetKey(collection, recordId)) ?? [];
}

// Settles a mark: "done", with the author's answer when there is one. Saved on this phone
// and queued; an answer the server refused before is replaced by this one.
// :raise RangeError: when the answer is longer than the server accepts.
export async function markDone(userId, mark, answer = '') {
  const text = answer.trim();
  if (text.length > ANSWER_LIMIT) throw new RangeError(`answer longer than ${ANSWER_LIMIT}`);
  // The version this phone pulled: the op says what it saw, like any later op of a record.
  // The date lets it leave the phone with the other sent entries after a while.
  const entry = { ...baseEntry(userId, 'review', mark.id), seenVersion: mark.version,
    answer: text, date: localDate() };
  const saved = await stage(entry, text ? { status: 'done', done_note: text } : { status: 'done' });
  // Only after the new op is safely queued: a crash in between leaves both, never neither.
  if (mark.rejected.length) await db.dropOutboxItems(mark.rejected.map((item) => item.op.op_id));
  return saved;
}
