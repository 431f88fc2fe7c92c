// The one live region: short, kind messages that a screen reader reads out.
import { apiErrorText } from '../error-words.js';

export function showStatus(text, { error = false } = {}) {
  const element = document.getElementById('status');
  element.textContent = text;
  element.classList.toggle('error', error);
}

// Worded from the error's code and fields, in the screen's language: the server's own
// message is for developers, and often English only.
export function showError(error) {
  showStatus(apiErrorText(error), { error: true });
}
