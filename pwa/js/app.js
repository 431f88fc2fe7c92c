// Entry point: registers the service worker, then shows sign-in, pairing or home.
import { applyTranslations, t, toggleLanguage } from './i18n.js';
import { clearSession, currentSession, pairWith, refreshUser } from './session.js';
import { showDevices } from './ui/devices.js';
import { showHome } from './ui/home.js';
import { showSignIn } from './ui/signin.js';
import { showError, showStatus } from './ui/status.js';

function signedIn(session) {
  showHome(session, () => showSignIn(signedIn));
  showDevices(session);
}

async function pairFromLink() {
  const match = location.hash.match(/^#pair=([\w-]+)$/);
  if (!match) return null;
  // The code is single-use: drop it from the address bar and history at once.
  history.replaceState(null, '', location.pathname);
  showStatus(t('pair.working'));
  const session = await pairWith(match[1]);
  showStatus(t('pair.done'));
  return session;
}

async function start() {
  applyTranslations();
  document.getElementById('lang-toggle').onclick = () => {
    toggleLanguage();
    currentSession().then((session) => session && signedIn(session));
  };
  let session = null;
  try {
    session = (await pairFromLink()) ?? (await currentSession());
    if (session && navigator.onLine) session = await refreshUser(session);
  } catch (error) {
    showError(error);
    if (error.status === 401) {
      await clearSession();
      session = null;
    }
  }
  if (session) signedIn(session);
  else showSignIn(signedIn);
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
}
window.app = { ready: start() };
