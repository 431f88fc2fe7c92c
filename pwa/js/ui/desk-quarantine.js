// The desk's quarantine: ops the server did not accept, said in words, and either closed
// with a reason or corrected and sent again by hub staff (ward officers read only).
import { request } from '../api.js';
import { rejectionText } from '../error-words.js';
import { t } from '../i18n.js';
import { button, element } from './dom.js';
import {
  collectionLabel, fieldLabel, isCountField, recordPlace, valueWords, whenWords,
} from './desk-words.js';
import { showError, showStatus } from './status.js';

let ctx = null; // { session, wardCode, sites, readOnly }
let loading = 0; // only the latest load may draw: an older one can finish after it

function changesOf(payload) {
  const changes = payload?.changes;
  return changes && typeof changes === 'object' && !Array.isArray(changes) ? changes : null;
}

// A number or text can be corrected in place; sets and odd shapes are shown as they are.
function editable(field, value) {
  return value === null || typeof value === 'number' || typeof value === 'string'
    || isCountField(field);
}

function changeRow(field, value, inputs, n) {
  const label = fieldLabel(field);
  if (ctx.readOnly || !editable(field, value)) {
    return element('li', { text: `${label}: ${valueWords(field, value, ctx.sites)}` });
  }
  const id = `desk-q-${n}-${field}`;
  const counted = isCountField(field) || typeof value === 'number';
  const input = element('input', { attrs: { id, type: counted ? 'number' : 'text',
    ...(counted ? { inputmode: 'numeric' } : {}) } });
  input.value = value === null ? '' : String(value);
  inputs.set(field, { input, counted });
  return element('li', { className: 'desk-edit' },
    element('label', { text: `${label}（${t('desk.sent_value', {
      value: valueWords(field, value, ctx.sites) })}）`, attrs: { for: id } }), input);
}

function corrected(entry, inputs) {
  const changes = { ...changesOf(entry.payload) };
  for (const [field, { input, counted }] of inputs) {
    const text = input.value.trim();
    changes[field] = text === '' ? null : counted && /^-?\d+$/.test(text) ? Number(text) : text;
  }
  // A new op id (the old one is spent); the server clamps the old clock if need be.
  return { ...entry.payload, op_id: crypto.randomUUID(), changes };
}

async function act(entry, action, body) {
  await request('POST', `/api/sync/quarantine/${encodeURIComponent(entry.id)}/${action}`,
    { token: ctx.session.token, body });
  showStatus(t(action === 'dismiss' ? 'desk.dismissed' : 'desk.resubmitted'));
  await loadQuarantine();
}

function actions(entry, inputs, n) {
  const noteId = `desk-q-note-${n}`;
  const note = element('input', { attrs: { id: noteId, maxlength: '1000', autocomplete: 'off' } });
  const dismiss = button(t('desk.dismiss'), 'danger', () => {
    if (!note.value.trim()) {
      showStatus(t('desk.note_needed'), { error: true });
      note.focus();
      return;
    }
    act(entry, 'dismiss', { note: note.value.trim() }).catch(showError);
  });
  const box = element('div', { className: 'desk-actions' });
  if (changesOf(entry.payload) && entry.payload.collection) {
    box.append(button(t('desk.resubmit'), 'primary',
      () => act(entry, 'resubmit', { op: corrected(entry, inputs) }).catch(showError)));
  }
  box.append(element('label', { text: t('desk.dismiss_note'), attrs: { for: noteId } }), note,
    dismiss);
  return box;
}

function item(entry, n) {
  const payload = entry.payload && typeof entry.payload === 'object' ? entry.payload : {};
  const changes = changesOf(payload);
  const inputs = new Map();
  const place = payload.record_id
    ? recordPlace(payload.collection, payload.record_id, ctx.sites) : '';
  const li = element('li', { className: 'desk-item' },
    element('h4', { text: `${collectionLabel(payload.collection ?? '—')}　${place}` }),
    element('p', { text: t(`reason.${entry.reason}`), className: 'error' }));
  // The field at fault, worded from codes: the server's message is English.
  if (entry.field && entry.fault) {
    li.append(element('p', { text: rejectionText(entry), className: 'hint' }));
  }
  li.append(element('p', { text: t('desk.received', { when: whenWords(entry.received_ms) }),
    className: 'hint' }));
  if (payload.delete) li.append(element('p', { text: t('desk.delete_op') }));
  li.append(changes
    ? element('ul', { className: 'desk-lines' }, ...Object.entries(changes)
      .map(([field, value]) => changeRow(field, value, inputs, n)))
    : element('p', { text: t('desk.unreadable') }));
  li.dataset.entryId = entry.id;
  if (!ctx.readOnly) li.append(actions(entry, inputs, n));
  return li;
}

export async function loadQuarantine() {
  const load = ++loading;
  const entries = await request('GET', '/api/sync/quarantine', { token: ctx.session.token });
  if (load !== loading) return;
  document.getElementById('desk-quarantine-list').replaceChildren(...entries.map(item));
  document.getElementById('desk-quarantine-empty').hidden = entries.length > 0;
}

export function showQuarantine(context) {
  ctx = context;
  return loadQuarantine();
}
