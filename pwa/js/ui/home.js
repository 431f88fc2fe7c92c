import { t } from '../i18n.js';
import { signOut } from '../session.js';
import { showStatus } from './status.js';

export function showHome(session, onSignedOut) {
  document.getElementById('home-view').hidden = false;
  document.getElementById('who').textContent = session.user.display_name;
  document.getElementById('role-line').textContent = t(`role.${session.user.role}`);
  document.getElementById('signout').onclick = async () => {
    await signOut(session).catch(() => {});
    document.getElementById('home-view').hidden = true;
    document.getElementById('devices-view').hidden = true;
    showStatus(t('home.signed_out'));
    onSignedOut();
  };
}
