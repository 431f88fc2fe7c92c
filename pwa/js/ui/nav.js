// The tab bar: one view at a time, the current tab marked for screen readers.
const VIEWS = ['log-view', 'cards-view', 'entries-view', 'community-view', 'figures-view',
  'settings-view', 'desk-view'];
// A ward officer reads the ward and writes nothing: no sites to log at or issue cards from.
const WRITERS = new Set(['volunteer', 'site_staff', 'hub_staff', 'admin']);
const WRITING_VIEWS = ['log-view', 'cards-view', 'entries-view'];
const listeners = new Map();
let opened = null;

export function onView(id, listener) {
  listeners.set(id, listener);
}

export function showView(id) {
  for (const view of VIEWS) document.getElementById(view).hidden = view !== id;
  for (const tab of document.querySelectorAll('#tabs [data-view]')) {
    if (tab.dataset.view === id) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  const listener = listeners.get(id);
  opened = listener ? id : null;
  listener?.();
}

// The view last opened with its content drawn (its listener run), or null.
export function openedView() {
  return opened;
}

export function showTabs(visible) {
  document.getElementById('tabs').hidden = !visible;
  document.getElementById('sync-bar').hidden = !visible;
  if (visible) document.getElementById('signin-view').hidden = true;
  if (!visible) {
    for (const view of VIEWS) document.getElementById(view).hidden = true;
    opened = null;
  }
}

// The tabs this user is offered (the desk's own tab is the desk's to show), and the view
// they start on: the log for those who write, the ward's figures for those who only read.
export function offerTabs(user, { figures }) {
  const writes = WRITERS.has(user.role);
  for (const view of WRITING_VIEWS) tabOf(view).hidden = !writes;
  tabOf('figures-view').hidden = !figures;
  // The area's pages are a ward's: everyone of a ward reads them (an admin has no ward).
  tabOf('community-view').hidden = !user.ward_code;
  if (writes) return 'log-view';
  return figures ? 'figures-view' : 'settings-view';
}

function tabOf(view) {
  return document.querySelector(`#tabs [data-view="${view}"]`);
}

export function wireTabs() {
  for (const tab of document.querySelectorAll('#tabs [data-view]')) {
    tab.onclick = () => showView(tab.dataset.view);
  }
}
