// Introduction cards (紹介カード) on this phone: issuing one from the token pool (or a
// paper card's number) with no signal, cancelling it, confirming a family's arrival, and
// what each card's status is now (the server's copy joined with what is still unsent).
import * as db from './db.js';
import { baseEntry, localDate, stage } from './staging.js';

// The server's lattice (sync/collections.py): a card only ever moves forward.
export const STATUS_ORDER = ['issued', 'opened', 'expired', 'cancelled', 'arrived'];

export function joinStatus(a, b) {
  if (!a || !b) return a ?? b ?? null;
  return STATUS_ORDER.indexOf(a) >= STATUS_ORDER.indexOf(b) ? a : b;
}

const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// A card number as typed ("k7q2-m9xd", "K7Q2 M9XD") in its stored form, or null.
export function normaliseCode(typed) {
  const code = [...String(typed).toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1')]
    .filter((ch) => CODE_ALPHABET.includes(ch)).join('');
  return code.length === 8 ? code : null;
}

// The child's age as a card keeps it (sync/vocabulary.py CHILD_AGE_BANDS): expecting, or
// the age in whole years. A band, never a birth date: enough for the site to prepare.
export const CHILD_AGE_BANDS = ['pregnant', '0', '1', '2', '3', '4', '5'];

// The age in months the finder matches sites with: mid-year for a year band, -9 for
// expecting (finder.js); null when not known.
export function ageBandMonths(band) {
  if (band === 'pregnant') return -9;
  return CHILD_AGE_BANDS.includes(band) ? Number(band) * 12 + 6 : null;
}

function withoutEmpty(fields) {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== ''));
}

// The address a card's QR holds: the token's parent page with the introduction's public
// parts (target site, planned date, programme) as parameters, so the page can show where
// and when from the first scan, before this phone has synced. The "#<short code>" stays
// last, where a scan looks for it. Nothing about the family ever goes in.
export function cardUrl(tokenUrl, card) {
  const url = new URL(tokenUrl);
  for (const [name, value] of [['to', card.target_site_id], ['on', card.planned_date],
    ['p', card.programme_id]]) {
    if (value) url.searchParams.set(name, value);
  }
  return url.toString();
}

// Issues a card: a token from the issuing site's pool (the phone draws its QR), or the
// number of a paper card the family already holds. Returns the entry, or null when no
// token is ready and no paper number was given.
export async function issueCard(userId, details, paperCode = null) {
  const token = paperCode ? null : await db.takeFromPool(String(details.issuingSiteId));
  const code = paperCode ?? token?.short_code;
  if (!code) return null;
  const card = withoutEmpty({
    status: 'issued', issued_on: localDate(), issuing_site_id: String(details.issuingSiteId),
    target_site_id: String(details.targetSiteId), programme_id: details.programmeId,
    planned_date: details.plannedDate, ask_for: details.askFor, message: details.message,
    child_age: details.childAge,
  });
  const entry = { ...baseEntry(userId, 'card', code), card,
    wishes: details.wishes ?? [], url: token ? cardUrl(token.url, card) : null };
  return stage(entry, { ...card, wishes: { add: entry.wishes } });
}

async function setStatus(userId, code, status) {
  const fresh = baseEntry(userId, 'card', code);
  const entry = (await db.getEntry(fresh.key)) ?? { ...fresh, card: {} };
  return stage({ ...entry, card: { ...entry.card, status: joinStatus(entry.card.status, status) } },
    { status });
}

export function cancelCard(userId, code) {
  return setStatus(userId, code, 'cancelled');
}

// Staff of the target site: the family came. Works offline; the server checks the role.
export function confirmArrival(userId, code) {
  return setStatus(userId, code, 'arrived');
}

function shown(record, entry) {
  const data = { ...(record?.data ?? {}), ...(entry?.card ?? {}) };
  data.status = joinStatus(record?.data?.status, entry?.card?.status);
  return data;
}

// The cards this user gave, newest first, each with its status now.
export async function myCards(userId) {
  const entries = (await db.listEntries(userId))
    .filter((entry) => entry.collection === 'card' && entry.card?.issuing_site_id);
  const records = new Map((await db.replicaOf('card')).map((r) => [r.record_id, r]));
  return entries.sort((a, b) => b.createdAt - a.createdAt)
    .map((entry) => ({ code: entry.recordId, entry, card: shown(records.get(entry.recordId), entry) }));
}

// Families introduced to these sites and not arrived yet (nor ended), by planned date.
export async function expectedAt(userId, siteIds) {
  const sites = new Set(siteIds.map(String));
  const entries = new Map((await db.listEntries(userId))
    .filter((entry) => entry.collection === 'card').map((entry) => [entry.recordId, entry]));
  return (await db.replicaOf('card'))
    .filter((record) => !record.deleted && sites.has(record.data.target_site_id))
    .map((record) => ({ code: record.record_id,
      card: shown(record, entries.get(record.record_id)) }))
    .filter(({ card }) => card.status === 'issued' || card.status === 'opened')
    .sort((a, b) => (a.card.planned_date ?? '9999').localeCompare(b.card.planned_date ?? '9999'));
}

export async function knownCard(code) {
  return db.getReplica(`card/${code}`);
}
