// What the phone has not sent yet, when it last synced, and what went wrong, in words.
import { apiErrorText } from '../error-words.js';
import { currentLang, t } from '../i18n.js';
import { onSyncState, syncNow } from '../sync.js';

let storageRefused = false;
let lastState = null;

function timeText(iso) {
  return new Date(iso).toLocaleString(currentLang(), { dateStyle: 'short', timeStyle: 'short' });
}

function render(state) {
  lastState = state;
  const pending = document.getElementById('sync-pending');
  pending.textContent = state.pending ? t('sync.pending', { count: state.pending })
    : state.rejected ? t('sync.not_accepted', { count: state.rejected }) : t('sync.all_sent');
  pending.classList.toggle('waiting', state.pending > 0);
  document.getElementById('sync-last').textContent = state.lastSyncedAt
    ? t('sync.last', { time: timeText(state.lastSyncedAt) }) : t('sync.never');
  const progress = document.getElementById('sync-progress');
  progress.hidden = !state.progress;
  if (state.progress) {
    progress.max = state.progress.total;
    progress.value = state.progress.done;
    progress.title = t('sync.sending', state.progress);
  }
  const problem = document.getElementById('sync-problem');
  const messages = [];
  if (state.rejected) messages.push(t('sync.rejected', { count: state.rejected }));
  if (state.problem) messages.push(t('sync.problem', { message: apiErrorText(state.problem) }));
  problem.textContent = messages.join(' ');
  problem.hidden = messages.length === 0;
  document.getElementById('storage-warning').hidden = !(storageRefused && state.pending > 0);
}

// Browsers may clear a site's storage when space runs low, unless it is made persistent.
async function askForPersistence() {
  if (!navigator.storage?.persist) return;
  storageRefused = !(await navigator.storage.persisted()) && !(await navigator.storage.persist());
}

export function showSyncBar() {
  document.getElementById('sync-now').onclick = () => syncNow();
  askForPersistence().catch(() => {}).finally(() => lastState && render(lastState));
  onSyncState(render);
}

export function rerenderSyncBar() {
  if (lastState) render(lastState);
}
