// The one live region: short, kind messages that a screen reader reads out.
import { pickLanguage, t } from '../i18n.js';

export function showStatus(text, { error = false } = {}) {
  const element = document.getElementById('status');
  element.textContent = text;
  element.classList.toggle('error', error);
}

export function showError(error) {
  showStatus(error.code === 'offline' ? t('error.offline') : pickLanguage(error.message),
    { error: true });
}
