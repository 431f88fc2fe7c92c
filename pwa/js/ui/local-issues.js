// The 「地域」 tab's regional issues: a big form to write what one notices in the area
// (it works with no signal: the issue shows here at once as 送信待ち and goes with the next
// sync), and the ward's board as last kept on this phone, each issue with how far the
// hub has taken it.
import { currentLang, t } from '../i18n.js';
import * as issues from '../local-issues.js';
import { onSyncState } from '../sync.js';
import { element } from './dom.js';
import { showError, showStatus } from './status.js';

let screen = null; // { session, sites }
let stopListening = () => {};
let drawing = 0; // only the latest draw may fill the list: an older one can finish after it

const $ = (id) => document.getElementById(id);

function field(id, labelKey, input, hintKey) {
  input.id = id;
  const parts = [element('label', { text: t(labelKey), attrs: { for: id } }), input];
  if (hintKey) parts.push(element('p', { text: t(hintKey), className: 'hint' }));
  return element('div', { className: 'issue-field' }, ...parts);
}

function drawForm(form) {
  const { sites } = screen;
  if (!sites.length) {
    form.replaceChildren(element('p', { text: t('issues.no_sites'), className: 'hint' }));
    return;
  }
  const site = element('select', {}, ...sites.map((s) => element('option',
    { text: s.name, attrs: { value: String(s.id) } })));
  const title = element('textarea', { attrs: { rows: '3', required: '',
    placeholder: t('issues.title_example'), autocomplete: 'off' } });
  const detail = element('textarea', { attrs: { rows: '3', autocomplete: 'off' } });
  const parts = [element('h3', { text: t('issues.write'),
    attrs: { id: 'local-issue-form-heading' } })];
  // One site: nothing to choose, but the form still says where the issue comes from.
  if (sites.length > 1) parts.push(field('local-issue-site', 'issues.site', site));
  else parts.push(element('p', { text: sites[0].name, className: 'hint' }));
  parts.push(field('local-issue-title', 'issues.title', title),
    field('local-issue-detail', 'issues.detail', detail, 'issues.privacy'),
    element('button', { text: t('issues.send'), className: 'primary big',
      attrs: { type: 'submit' } }));
  form.replaceChildren(...parts);
  form.setAttribute('aria-labelledby', 'local-issue-form-heading');
  form.onsubmit = (event) => {
    event.preventDefault();
    const siteId = sites.length > 1 ? site.value : sites[0].id;
    if (!title.value.trim() || issues.textLength(title.value.trim()) > issues.TITLE_LIMIT) {
      showStatus(t('issues.title_needed', { limit: issues.TITLE_LIMIT }), { error: true });
      title.focus();
      return;
    }
    if (issues.textLength(detail.value.trim()) > issues.DETAIL_LIMIT) {
      showStatus(t('issues.detail_too_long', { limit: issues.DETAIL_LIMIT }), { error: true });
      detail.focus();
      return;
    }
    issues.raiseIssue(screen.session.user.id, siteId, title.value, detail.value)
      .then(() => {
        title.value = '';
        detail.value = '';
        showStatus(t('issues.saved'));
        return drawBoard();
      })
      .catch(showError);
  };
}

function siteName(siteId) {
  return screen.sites.find((s) => String(s.id) === String(siteId))?.name ?? '';
}

function stateBadge(state) {
  return element('span', { text: t(`issue_state.${state}`),
    className: `badge issue-state ${state}` });
}

function mine({ entry, state }) {
  const badge = { waiting: ['issues.waiting', 'waiting'], rejected: ['issues.rejected',
    'rejected'], sent: ['issues.sent', 'sent'] }[state];
  return element('li', { className: 'issue mine' },
    element('p', {}, element('span', { text: t(badge[0]), className: `badge ${badge[1]}` })),
    element('h4', { text: entry.title }),
    element('p', { text: t('issues.raised_by', { site: siteName(entry.siteId),
      date: entry.date }), className: 'hint' }),
    ...(entry.detail ? [element('p', { text: entry.detail })] : []));
}

function onBoard(issue) {
  const li = element('li', { className: 'issue' },
    element('p', {}, stateBadge(issue.state)),
    element('h4', { text: issue.title }),
    element('p', { text: t('issues.raised_by', { site: issue.site_name,
      date: issue.raised_on ?? '' }), className: 'hint' }));
  if (issue.detail) li.append(element('p', { text: issue.detail }));
  if (issue.initiative) {
    li.append(element('p', { text: t('issues.initiative', { text: issue.initiative }),
      className: 'issue-initiative' }));
  }
  if (issue.roles.length) {
    li.append(element('p', { text: t('issues.roles'), className: 'hint' }),
      element('ul', { className: 'issue-roles' }, ...issue.roles.map((role) =>
        element('li', { text: t('issues.role', { site: role.site_name, task: role.task }) }))));
  }
  if (issue.meetings.length) {
    const where = issues.meetingsInOrder(issue.meetings).map((m) =>
      t(`issues.meeting_${m.stage}`, { date: m.held_on, title: m.title }));
    li.append(element('p', { className: 'hint', text: where.join(t('issues.sep')) }));
  }
  if (issue.review_dates.length) {
    li.append(element('p', { text: t('issues.reviews',
      { dates: issue.review_dates.join(t('issues.sep')) }) }));
  }
  li.dataset.issue = issue.id;
  return li;
}

function keptLine(kept) {
  if (!kept) return t('issues.never_kept');
  const time = new Date(kept.keptAt).toLocaleString(currentLang() === 'en' ? 'en-GB' : 'ja-JP',
    { dateStyle: 'short', timeStyle: 'short' });
  return t('issues.kept_at', { time });
}

// The board kept at the last sync, with this user's issues that are not on it yet first.
export async function drawBoard() {
  if (!screen) return;
  const draw = ++drawing;
  const user = screen.session.user;
  const [kept, my] = await Promise.all([
    user.ward_code ? issues.keptBoard(user.ward_code) : null, issues.myIssues(user.id)]);
  if (draw !== drawing) return;
  const listed = new Set((kept?.issues ?? []).map((issue) => issue.id));
  const notYet = my.filter((row) => !listed.has(row.entry.recordId));
  $('issues-kept').textContent = keptLine(kept);
  const items = [...notYet.map(mine), ...(kept?.issues ?? []).map(onBoard)];
  $('issues-board').replaceChildren(...items);
  $('issues-empty').hidden = items.length > 0;
}

// Opening the tab with a signal fetches the board at once (a sync that is busy with other
// work keeps it a little later); with none, or if it fails, the kept board shows.
export async function openBoard() {
  if (!screen) return;
  await drawBoard();
  if (!navigator.onLine) return;
  await issues.keepBoard(screen.session).catch(() => null);
  await drawBoard();
}

export function showIssues(session, sites) {
  screen = { session, sites };
  const part = $('issues-part');
  part.replaceChildren(
    element('h3', { text: t('issues.heading'), attrs: { id: 'issues-heading' } }),
    element('p', { text: t('issues.hint'), className: 'hint' }),
    element('form', { className: 'local-issue-form', attrs: { id: 'local-issue-form' } }),
    element('h3', { text: t('issues.board'), attrs: { id: 'issues-board-heading' } }),
    element('p', { className: 'hint', attrs: { id: 'issues-kept' } }),
    element('p', { text: t('issues.empty'), className: 'hint', attrs: { id: 'issues-empty',
      hidden: '' } }),
    element('ul', { className: 'issue-list', attrs: { id: 'issues-board',
      'aria-labelledby': 'issues-board-heading' } }));
  drawForm($('local-issue-form'));
  stopListening();
  // After each sync: the board may have been kept anew, and a waiting issue sent.
  stopListening = onSyncState(() => {
    if (!$('community-view').hidden) drawBoard().catch(() => {});
  });
  return drawBoard();
}
