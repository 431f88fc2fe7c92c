// What the phone has not sent yet, when it last synced, and what went wrong, in words.
import { getMeta, setMeta } from '../db.js';
import { apiErrorText } from '../error-words.js';
import { currentLang, t } from '../i18n.js';
import { onSyncState, syncNow } from '../sync.js';

let storageRefused = false;
let lastState = null;
// The storage warning is shown once on this phone: 'unknown' until the phone's memory of
// it is read, 'due' while it may be shown, 'showing', then 'done'.
let warning = 'unknown';
let installOffer = null; // the browser's offer to install the app, kept for the button
const ARRIVING_MS = 700;

// Chromium offers installing through this event; the app shows its own button instead
// of the browser's bar, and only where it helps: with the storage warning.
addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  installOffer = event;
  if (lastState) render(lastState);
});
addEventListener('appinstalled', () => {
  installOffer = null;
  closeWarning();
});

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
  renderWarning(state);
}

function isIos() {
  return /iPhone|iPad|iPod/.test(navigator.userAgent)
    || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

function installed() {
  return navigator.standalone === true || matchMedia('(display-mode: standalone)').matches;
}

// The one thing that helps: an installed app's storage is kept (Chromium makes it
// persistent, Safari stops clearing it), so install when the browser can; otherwise
// send what is waiting as soon as there is signal.
function whatHelps() {
  if (installOffer) return 'storage.do_install';
  if (isIos() && !installed()) return 'storage.do_install_ios';
  return 'storage.do_send';
}

// Shown when something unsent is at risk, once on this phone: remembered the moment it
// shows, so neither the next change nor reopening the app shows it again.
function renderWarning(state) {
  if (warning === 'due' && storageRefused && state.pending > 0) {
    warning = 'showing';
    setMeta('storage_warned', true).catch(() => {});
    // It appears right under the thumb that just counted: a tap already on its way must
    // reach the counter, not this warning's buttons.
    const element = document.getElementById('storage-warning');
    element.classList.add('arriving');
    setTimeout(() => element.classList.remove('arriving'), ARRIVING_MS);
  }
  document.getElementById('storage-warning').hidden = warning !== 'showing';
  if (warning !== 'showing') return;
  document.getElementById('storage-text').textContent = `${t('storage.refused')} ${t(whatHelps())}`;
  document.getElementById('storage-install').hidden = !installOffer;
}

function closeWarning() {
  if (warning === 'showing') warning = 'done';
  if (lastState) render(lastState);
}

async function install() {
  const offer = installOffer;
  if (!offer) return;
  await offer.prompt();
  if ((await offer.userChoice)?.outcome === 'accepted') {
    installOffer = null;
    closeWarning();
  }
}

// Browsers may clear a site's storage when space runs low, unless it is made persistent.
async function askForPersistence() {
  warning = (await getMeta('storage_warned')) ? 'done' : 'due';
  if (!navigator.storage?.persist) return;
  storageRefused = !(await navigator.storage.persisted()) && !(await navigator.storage.persist());
}

export function showSyncBar() {
  document.getElementById('sync-now').onclick = () => syncNow();
  document.getElementById('storage-ok').onclick = closeWarning;
  document.getElementById('storage-install').onclick = () => install().catch(() => {});
  askForPersistence().catch(() => {}).finally(() => lastState && render(lastState));
  onSyncState(render);
}

export function rerenderSyncBar() {
  if (lastState) render(lastState);
}
