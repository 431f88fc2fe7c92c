// The one live region: short, kind messages that a screen reader reads out. It sits in
// the dock at the bottom of the screen, just above the undo button, so a message shows
// near the button just tapped rather than at the top of a scrolled page.
import { apiErrorText } from '../error-words.js';
import { t } from '../i18n.js';

const SHOWN_MS = 8000; // an error stays until the next message; the rest fade after this

let shown = null; // { render, error } of the message on screen, to redo in another language
let timer = null;

function paint() {
  const element = document.getElementById('status');
  element.textContent = shown ? shown.render() : '';
  element.classList.toggle('error', Boolean(shown?.error));
}

// `text` is a string, or a function that makes it: only the latter can be shown again in
// the other language when the user switches; a plain string is cleared then instead.
export function showStatus(text, { error = false } = {}) {
  clearTimeout(timer);
  shown = text === '' ? null
    : { render: typeof text === 'function' ? text : () => text, error,
      translatable: typeof text === 'function' };
  paint();
  if (shown && !error) timer = setTimeout(() => showStatus(''), SHOWN_MS);
}

// A message from the i18n dictionaries, kept as its key so it follows the language.
export function say(key, params = {}, options = {}) {
  showStatus(() => t(key, params), options);
}

// After the language changes: the message on screen in the new language, or none.
export function rerenderStatus() {
  if (shown && !shown.translatable) shown = null;
  paint();
}

// Worded from the error's code and fields, in the screen's language: the server's own
// message is for developers, and often English only.
export function showError(error) {
  showStatus(() => apiErrorText(error), { error: true });
}
