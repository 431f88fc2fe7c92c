// Settings: who is signed in, this device's name, and signing out (with a warning while
// entries are unsent).
import { outboxOf } from '../db.js';
import { deviceName } from '../device-name.js';
import { t } from '../i18n.js';
import { signOut } from '../session.js';
import { renameDevice } from './devices.js';
import { showError, showStatus } from './status.js';

async function showDeviceName(session) {
  const input = document.getElementById('device-name');
  input.value = session.deviceName ?? '';
  // Signed in before devices were named from the phone: offer the name it would get now.
  if (!input.value) input.placeholder = await deviceName();
  document.getElementById('device-name-form').onsubmit = async (event) => {
    event.preventDefault();
    const device = await renameDevice(session, session.deviceId, input);
    if (device) showStatus(t('devices.renamed', { name: device.name }));
  };
}

export function showHome(session, onSignedOut) {
  document.getElementById('who').textContent = session.user.display_name;
  document.getElementById('role-line').textContent = t(`role.${session.user.role}`);
  showDeviceName(session).catch(showError);
  document.getElementById('signout').onclick = async () => {
    const unsent = (await outboxOf(session.user.id)).filter((item) => item.state !== 'sent');
    if (unsent.length && !window.confirm(t('signout.unsent', { count: unsent.length }))) return;
    await signOut(session).catch(() => {});
    showStatus(t('home.signed_out'));
    onSignedOut();
  };
}
