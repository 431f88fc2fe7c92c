// Outreach records (アウトリーチ記録) on this phone: one visit of a site's staff to a place
// (a salon, say) on a date, counted by who went, whom they reached and met, with topics,
// a follow-up and a note. Built like a session log (visits.js): each phone sends its own
// absolute counts, so two people who went together add up in one record.
import {
  baseEntry, entriesOf, replicaOf, resendRejected, setChange, shownCount, shownMembers,
  stageStating, stored, tapCount,
} from './staging.js';

export const ROLES = ['nursery_teacher', 'public_health_nurse', 'parenting_partner',
  'supporter', 'nutritionist', 'other'];
export const LOCAL_PEOPLE = ['neighborhood_assoc', 'welfare_commissioner',
  'chief_child_commissioner', 'supporter', 'other'];
export const TOPICS = ['development', 'discipline', 'feeding', 'sleep', 'play', 'checkups',
  'nursery_use', 'local_places', 'other'];
export const WENT = ROLES.map((role) => `went_${role}`);
export const REACHED = ['parents', 'children'];
export const MET = LOCAL_PEOPLE.map((role) => `met_${role}`);
// The registers a person types or picks; `null` on the wire clears one.
export const TEXTS = ['follow_up', 'follow_up_site_id', 'follow_up_by', 'summary'];
export const LIMITS = { follow_up: 300, summary: 2000 };

export { shownCount };

// The same on every phone, so the teacher and the nurse who went together edit one record.
export function outreachRecordId(placeSiteId, date, siteId) {
  return `${placeSiteId}:${date}:${siteId}`;
}

export function newEntry(userId, placeSiteId, date, siteId) {
  return {
    ...baseEntry(userId, 'outreach', outreachRecordId(placeSiteId, date, siteId)),
    placeSiteId: String(placeSiteId), date, siteId: String(siteId),
    mine: {}, topics: {}, texts: {},
  };
}

export function openEntry(userId, placeSiteId, date, siteId) {
  return stored(newEntry(userId, placeSiteId, date, siteId));
}

function save(entry, changes) {
  // A record's first op names its sites (the server checks them against the id).
  return stageStating(entry, changes, { place_site_id: entry.placeSiteId,
    visit_date: entry.date, site_id: entry.siteId });
}

export function tap(entry, field, delta) {
  return tapCount(entry, field, delta, save);
}

export function setTopic(entry, topic, on) {
  const changed = { ...entry, topics: { ...entry.topics, [topic]: on } };
  return save(changed, { topics: on ? { add: [topic] } : { remove: [topic] } });
}

export function setText(entry, field, value) {
  return save({ ...entry, texts: { ...entry.texts, [field]: value } },
    { [field]: value === '' ? null : value });
}

export function shownTopics(entry, record) {
  return shownMembers(record?.data?.topics, entry.topics);
}

// What this user typed, else what the record holds (a colleague may have written it).
export function shownText(entry, record, field) {
  return entry.texts[field] ?? record?.data?.[field] ?? '';
}

export const recordOf = replicaOf;

export const reload = stored;

export function myEntries(userId) {
  return entriesOf(userId, 'outreach');
}

// Sends a corrected entry again, as stored now (as visits.resend).
export async function resend(drawn, rejected) {
  const entry = await stored(drawn);
  return resendRejected(entry, rejected, (field) => {
    if (field === 'topics') return setChange(entry.topics);
    if (TEXTS.includes(field) && field in entry.texts) {
      return entry.texts[field] === '' ? null : entry.texts[field];
    }
    return entry.mine[field];
  }, save);
}
