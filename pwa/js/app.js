// Entry point: shows sign-in, pairing or the signed-in app, and starts sync.
import { loadDirectory, mySites } from './directory.js';
import { applyTranslations, t, toggleLanguage } from './i18n.js';
import { currentSession, pairWith, refreshUser, signInLost } from './session.js';
import { keepBoard } from './local-issues.js';
import { keepForOffline, onSyncState, refreshCounts, startSync, syncNow } from './sync.js';
import { refreshCards, showCards } from './ui/cards.js';
import { showCommunity } from './ui/community.js';
import { openDesk, returnDevices, showDesk } from './ui/desk.js';
import { showDevices } from './ui/devices.js';
import { showEntries } from './ui/entries.js';
import { openFigures } from './ui/figures.js';
import { showHome } from './ui/home.js';
import { hasFigures, showHubTools } from './ui/hubtools.js';
import { openBoard, showIssues } from './ui/local-issues.js';
import { showLog } from './ui/log.js';
import { offerTabs, onView, openedView, showTabs, showView, wireTabs } from './ui/nav.js';
import { showOutreach } from './ui/outreach.js';
import { showSignIn } from './ui/signin.js';
import { rerenderStatus, showError, showStatus } from './ui/status.js';
import { rerenderSyncBar, showSyncBar } from './ui/syncbar.js';

let current = null; // { session, directory }
let directoryTriedAt = 0;

function signedOut(message = '') {
  current = null;
  showTabs(false);
  if (message) showStatus(message, { error: true });
  showSignIn(signedIn);
  refreshCounts();
}

async function signedIn(session) {
  const viewBefore = openedView();
  await refreshCounts();
  showTabs(true);
  const home = offerTabs(session.user, { figures: hasFigures(session.user) });
  showHome(session, () => signedOut());
  showDevices(session);
  let directory = null;
  try {
    directory = await loadDirectory(session.user);
  } catch (error) {
    showError(error);
  }
  current = { session, directory };
  const sites = directory ? mySites(directory, session.user) : [];
  onView('entries-view', () => showEntries(session, directory).catch(showError));
  onView('cards-view', () => refreshCards().catch(showError));
  showIssues(session, sites).catch(showError);
  const wardSites = directory?.sites.filter((s) => s.ward_code === session.user.ward_code) ?? [];
  onView('figures-view', () => openFigures(session, wardSites).catch(showError));
  await showLog(session, directory, sites);
  await showOutreach(session, directory, sites);
  if (directory) await showCards(session, directory, sites);
  showHubTools(session, wardSites);
  onView('desk-view', () => openDesk().catch(showError));
  onView('settings-view', returnDevices);
  onView('community-view', () => Promise.all([showCommunity(session), openBoard()])
    .catch(showError));
  showDesk(session, directory);
  // A tab the new user does not have (the desk, the log) falls back to their home view.
  // A tab tapped while this ran has opened its view already: opening it again would
  // redraw it under the user's finger (and take the focus from what they chose).
  if (openedView() === viewBefore) {
    showView(document.querySelector('#tabs [aria-current]:not([hidden])')?.dataset.view ?? home);
  }
  syncNow();
}

async function authLost(error) {
  await signInLost(error);
  signedOut(t(error.code === 'device_revoked' ? 'auth.revoked' : 'auth.expired'));
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
  wireTabs();
  showSyncBar();
  document.getElementById('lang-toggle').onclick = () => {
    toggleLanguage();
    rerenderSyncBar();
    rerenderStatus();
    if (current) signedIn(current.session);
  };
  onSyncState((state) => {
    if (!current) return;
    // Signed in where the signal dropped: fetch the directory once sync gets through,
    // at most once a minute, so a directory that keeps failing cannot loop with sync.
    if (!current.directory && state.lastSyncedAt && Date.now() - directoryTriedAt > 60_000) {
      directoryTriedAt = Date.now();
      signedIn(current.session).catch(showError);
      return;
    }
    if (!document.getElementById('entries-view').hidden) {
      showEntries(current.session, current.directory).catch(() => {});
    }
    if (!document.getElementById('cards-view').hidden) refreshCards().catch(() => {});
  });
  let session = null;
  try {
    session = (await pairFromLink()) ?? (await currentSession());
    // Stay signed in with no signal; the server has its say at the next contact.
    if (session && navigator.onLine) session = await refreshUser(session);
  } catch (error) {
    if (error.status === 401) {
      await authLost(error);
      session = null;
    } else if (error.code !== 'offline') {
      showError(error);
    }
  }
  // The ward's issues board is kept for reading with no signal: read again after a sync
  // that sent an issue, or once the copy is 10 minutes old.
  keepForOffline(keepBoard, { shows: ['local_issue'] });
  // Card tokens are kept ready for the sites the user issues cards from.
  startSync({ session: currentSession, authLost,
    poolSites: async (signed) => signed.user.site_ids });
  if (session) await signedIn(session);
  else if (!current) signedOut();
}

window.app = { ready: start() };
