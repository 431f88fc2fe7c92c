// Settings: who is signed in, and signing out (with a warning while entries are unsent).
import { outboxOf } from '../db.js';
import { t } from '../i18n.js';
import { signOut } from '../session.js';
import { showStatus } from './status.js';

export function showHome(session, onSignedOut) {
  document.getElementById('who').textContent = session.user.display_name;
  document.getElementById('role-line').textContent = t(`role.${session.user.role}`);
  document.getElementById('signout').onclick = async () => {
    const unsent = (await outboxOf(session.user.id)).filter((item) => item.state !== 'sent');
    if (unsent.length && !window.confirm(t('signout.unsent', { count: unsent.length }))) return;
    await signOut(session).catch(() => {});
    showStatus(t('home.signed_out'));
    onSignedOut();
  };
}
