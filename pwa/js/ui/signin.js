import { t } from '../i18n.js';
import { signIn } from '../session.js';
import { showError, showStatus } from './status.js';

export function showSignIn(onSignedIn) {
  const view = document.getElementById('signin-view');
  const form = document.getElementById('signin-form');
  view.hidden = false;
  form.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    showStatus(t('signin.working'));
    try {
      const session = await signIn(data.get('login').trim(), data.get('password'));
      form.reset();
      view.hidden = true;
      showStatus('');
      onSignedIn(session);
    } catch (error) {
      showError(error);
    }
  };
}
