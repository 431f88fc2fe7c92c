// The tab bar: one view at a time, the current tab marked for screen readers.
const VIEWS = ['log-view', 'cards-view', 'entries-view', 'settings-view', 'desk-view'];
const listeners = new Map();

export function onView(id, listener) {
  listeners.set(id, listener);
}

export function showView(id) {
  for (const view of VIEWS) document.getElementById(view).hidden = view !== id;
  for (const tab of document.querySelectorAll('#tabs [data-view]')) {
    if (tab.dataset.view === id) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  listeners.get(id)?.();
}

export function showTabs(visible) {
  document.getElementById('tabs').hidden = !visible;
  document.getElementById('sync-bar').hidden = !visible;
  if (visible) document.getElementById('signin-view').hidden = true;
  if (!visible) for (const view of VIEWS) document.getElementById(view).hidden = true;
}

export function wireTabs() {
  for (const tab of document.querySelectorAll('#tabs [data-view]')) {
    tab.onclick = () => showView(tab.dataset.view);
  }
}
