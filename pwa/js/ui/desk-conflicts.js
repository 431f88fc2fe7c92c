// The desk's conflicts: the value a concurrent edit lost, beside the record's value now,
// settled by hub staff (ward officers read only).
import { request } from '../api.js';
import { getReplica } from '../db.js';
import { t } from '../i18n.js';
import { button, element } from './dom.js';
import {
  collectionLabel, fieldLabel, isCountField, recordPlace, valueWords, whenWords,
} from './desk-words.js';
import { showError, showStatus } from './status.js';

let ctx = null; // { session, wardCode, sites, readOnly }
let loading = 0; // only the latest load may draw: an older one can finish after it

// The record as the server has it now; the pulled replica when the server cannot say.
async function currentRecord(collection, recordId) {
  try {
    return await request('GET', `/api/wards/${ctx.wardCode}/records/`
      + `${encodeURIComponent(collection)}/${encodeURIComponent(recordId)}`,
    { token: ctx.session.token });
  } catch (error) {
    if (error.status === 401) throw error;
    return (await getReplica(`${collection}/${recordId}`).catch(() => null)) ?? null;
  }
}

function hlcTime(hlc) {
  const millis = Number(String(hlc ?? '').split(/[-:.]/)[0]);
  return Number.isFinite(millis) && millis > 1e12 ? whenWords(millis) : '—';
}

async function resolve(conflict, resolution, value = null) {
  await request('POST', '/api/sync/conflicts/resolve', { token: ctx.session.token, body: {
    conflict_id: conflict.conflict_id, resolution, value, op_id: crypto.randomUUID() } });
  showStatus(t('desk.resolved'));
  await loadConflicts();
}

function newValue(conflict, input) {
  const text = input.value.trim();
  if (isCountField(conflict.field) || typeof conflict.value === 'number') return Number(text);
  if (Array.isArray(conflict.value)) return text ? text.split(/\s*[、,・]\s*/) : [];
  return text === '' ? null : text;
}

function actions(conflict, n) {
  const inputId = `desk-conflict-value-${n}`;
  const counted = isCountField(conflict.field) || typeof conflict.value === 'number';
  const input = element('input', { attrs: { id: inputId, type: counted ? 'number' : 'text',
    ...(counted ? { min: '0', inputmode: 'numeric' } : {}) } });
  const run = (resolution, value) => resolve(conflict, resolution, value).catch(showError);
  const label = fieldLabel(conflict.field);
  const keep = button(t('desk.keep_current'), 'secondary', () => run('keep_current'));
  const take = button(t('desk.take_conflict'), 'secondary', () => run('take_conflict'));
  const write = button(t('desk.write_value'), 'primary', () => {
    if (input.value.trim() === '') { input.focus(); return; }
    run('write_value', newValue(conflict, input));
  });
  keep.setAttribute('aria-label', `${t('desk.keep_current')}: ${label}`);
  take.setAttribute('aria-label', `${t('desk.take_conflict')}: ${label}`);
  return element('div', { className: 'desk-actions' }, keep, take,
    element('label', { text: t('desk.new_value'), attrs: { for: inputId } }), input, write);
}

function item(conflict, record, n) {
  const current = record?.data?.[conflict.field];
  const li = element('li', { className: 'desk-item' },
    element('h4', { text: `${collectionLabel(conflict.collection)}　`
      + `${recordPlace(conflict.collection, conflict.record_id, ctx.sites)}` }),
    element('p', { text: fieldLabel(conflict.field), className: 'desk-field-name' }),
    element('div', { className: 'desk-compare' },
      element('div', {},
        element('p', { text: t('desk.current_value'), className: 'hint' }),
        element('p', { text: record ? valueWords(conflict.field, current, ctx.sites)
          : t('desk.unknown_value'), className: 'desk-value' })),
      element('div', {},
        element('p', { text: t('desk.conflict_value'), className: 'hint' }),
        element('p', { text: valueWords(conflict.field, conflict.value, ctx.sites),
          className: 'desk-value' }),
        element('p', { text: t('desk.written_at', { when: hlcTime(conflict.hlc) }),
          className: 'hint' }))));
  li.dataset.conflictId = conflict.conflict_id;
  if (!ctx.readOnly) li.append(actions(conflict, n));
  return li;
}

export async function loadConflicts() {
  const load = ++loading;
  const conflicts = await request('GET', '/api/sync/conflicts', { token: ctx.session.token });
  const records = await Promise.all(conflicts.map(
    (conflict) => currentRecord(conflict.collection, conflict.record_id)));
  if (load !== loading) return;
  document.getElementById('desk-conflict-list').replaceChildren(
    ...conflicts.map((conflict, n) => item(conflict, records[n], n)));
  document.getElementById('desk-conflicts-empty').hidden = conflicts.length > 0;
}

export function showConflicts(context) {
  ctx = context;
  return loadConflicts();
}
