// "My entries": recent session logs with how each stands, and a way to fix a rejected one.
import { currentLang, pickLanguage, t } from '../i18n.js';
import * as visits from '../visits.js';
import { button } from './dom.js';
import { openLogFor } from './log.js';
import { showView } from './nav.js';
import { showError } from './status.js';

const CHILDREN = ['children_0', 'children_1', 'children_2', 'children_3plus'];

function summary(entry) {
  const children = CHILDREN.reduce((sum, field) => sum + (entry.mine[field] ?? 0), 0);
  return t('entries.summary', { parents: entry.mine.parents ?? 0, children });
}

function dateText(iso) {
  return new Date(`${iso}T00:00:00`).toLocaleDateString(currentLang(),
    { month: 'short', day: 'numeric', weekday: 'short' });
}

function entryItem({ entry, state, rejected }, siteNames, refresh) {
  const item = document.createElement('li');
  item.dataset.state = state;
  item.dataset.record = entry.recordId;
  const text = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = `${siteNames.get(entry.siteId) ?? entry.siteId} ${dateText(entry.date)}`
    + ` ${t(`session.${entry.session}`)}`;
  const line = document.createElement('p');
  line.textContent = summary(entry);
  const badge = document.createElement('span');
  badge.className = `badge ${state}`;
  badge.textContent = t(`entries.${state}`);
  text.append(title, line, badge);
  for (const item_ of rejected) {
    const reason = document.createElement('p');
    reason.className = 'error';
    reason.textContent = `${t(`reason.${item_.reason}`)}: ${pickLanguage(item_.message ?? '')}`;
    text.append(reason);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(button(t('entries.open'), 'secondary', async () => {
    showView('log-view');
    await openLogFor(entry);
  }));
  if (rejected.length) {
    actions.append(button(t('entries.resend'), 'primary', async () => {
      try {
        await visits.resend(entry, rejected);
        await refresh();
      } catch (error) {
        showError(error);
      }
    }));
  }
  item.append(text, actions);
  return item;
}

export async function showEntries(session, directory) {
  const siteNames = new Map((directory?.sites ?? []).map((site) => [String(site.id), site.name]));
  const refresh = async () => {
    const rows = await visits.myEntries(session.user.id);
    document.getElementById('entries-empty').hidden = rows.length > 0;
    document.getElementById('entry-list').replaceChildren(
      ...rows.slice(0, 100).map((row) => entryItem(row, siteNames, refresh)));
  };
  await refresh();
}
