// The review desk (デスク) for hub staff, ward officers and admins, in the same app: the
// ward's synced logs, conflicts, quarantined ops, its cooperation steps, liaison meetings,
// the hub's inbox (お知らせ) and devices. Ward officers only read.
import { request } from '../api.js';
import { t } from '../i18n.js';
import { showConflicts } from './desk-conflicts.js';
import { countUnread, showInbox } from './desk-inbox.js';
import { showIssuesDesk } from './desk-issues.js';
import { showLogs } from './desk-logs.js';
import { showMeetings } from './desk-meetings.js';
import { showQuarantine } from './desk-quarantine.js';
import { showSteps } from './desk-steps.js';
import { showDevices } from './devices.js';
import { element } from './dom.js';
import { showError } from './status.js';

const DESK_ROLES = new Set(['hub_staff', 'ward_officer', 'admin']);
const MANAGERS = new Set(['hub_staff', 'admin']);
const SCREENS = {
  logs: (context) => showLogs(context),
  conflicts: (context) => showConflicts(context),
  quarantine: (context) => showQuarantine(context),
  steps: (context) => showSteps(context),
  inbox: (context) => showInbox(context),
  meetings: (context) => showMeetings(context),
  issues: (context) => showIssuesDesk(context),
  devices: (context) => {
    placeDevices(document.getElementById('desk-devices'));
    return showDevices(context.session);
  },
};

let desk = null; // { session, directory, wardCode, screen }
const sitesByWard = new Map();

export function hasDesk(user) {
  return DESK_ROLES.has(user?.role);
}

// The devices screen is one piece of markup: it moves between settings and the desk.
function placeDevices(container) {
  const devices = document.getElementById('devices-view');
  if (devices.parentElement !== container) container.append(devices);
}

export function returnDevices() {
  const settings = document.getElementById('settings-view');
  const devices = document.getElementById('devices-view');
  if (devices.parentElement !== settings) {
    settings.insertBefore(devices, document.getElementById('hub-tools'));
  }
}

async function wardSites(wardCode) {
  const known = desk.directory?.sites.filter((site) => site.ward_code === wardCode) ?? [];
  if (known.length) return known;
  if (!sitesByWard.has(wardCode)) {
    sitesByWard.set(wardCode, request('GET', `/api/wards/${wardCode}/sites`).catch((error) => {
      sitesByWard.delete(wardCode);
      throw error;
    }));
  }
  return sitesByWard.get(wardCode);
}

async function context() {
  return { session: desk.session, wardCode: desk.wardCode,
    sites: await wardSites(desk.wardCode), readOnly: !MANAGERS.has(desk.session.user.role) };
}

function markScreen() {
  for (const [name] of Object.entries(SCREENS)) {
    document.getElementById(`desk-${name}`).hidden = name !== desk.screen;
  }
  for (const choice of document.querySelectorAll('#desk-switch [data-screen]')) {
    choice.setAttribute('aria-pressed', String(choice.dataset.screen === desk.screen));
  }
}

export async function openDesk() {
  if (!desk) return;
  markScreen();
  if (!desk.wardCode) return;
  const current = await context();
  if (!current.readOnly && desk.screen !== 'inbox') {
    countUnread(current).catch(() => {}); // a count missing offline is no error to show
  }
  await SCREENS[desk.screen](current);
}

// Admins belong to no ward: they pick one. Others see their own.
function showWardPicker() {
  const picker = document.getElementById('desk-ward-picker');
  const wards = desk.directory?.wards ?? [];
  picker.hidden = Boolean(desk.session.user.ward_code) || wards.length === 0;
  if (picker.hidden) return;
  const select = document.getElementById('desk-ward');
  select.replaceChildren(...wards.map((ward) => element('option',
    { text: ward.name, attrs: { value: ward.code } })));
  select.value = desk.wardCode;
  select.onchange = () => {
    desk.wardCode = select.value;
    openDesk().catch(showError);
  };
}

export function showDesk(session, directory) {
  const tab = document.getElementById('desk-tab');
  tab.hidden = !hasDesk(session.user);
  if (tab.hidden) {
    desk = null;
    return;
  }
  const sameUser = desk?.session.user.id === session.user.id;
  desk = { session, directory,
    wardCode: session.user.ward_code ?? (sameUser ? desk.wardCode : null)
      ?? directory?.wards?.[0]?.code ?? null,
    screen: sameUser ? desk.screen : 'logs' };
  // Ward officers may not pair or revoke phones: no devices screen for them; nor the
  // hub's inbox, which is the hub's work list.
  for (const screen of ['devices', 'inbox']) {
    document.querySelector(`#desk-switch [data-screen="${screen}"]`).hidden
      = !MANAGERS.has(session.user.role);
  }
  for (const choice of document.querySelectorAll('#desk-switch [data-screen]')) {
    choice.onclick = () => {
      desk.screen = choice.dataset.screen;
      openDesk().catch(showError);
    };
  }
  document.getElementById('desk-role').textContent = MANAGERS.has(session.user.role) ? ''
    : t('desk.read_only');
  showWardPicker();
  // The screen loads when the desk tab opens (nav's listener calls openDesk).
  markScreen();
}
