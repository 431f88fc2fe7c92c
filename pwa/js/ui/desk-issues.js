// The desk's regional issues (地域課題): the ward's board as a list, and one issue beside
// (or below) it with what the hub recorded and the history of its changes. Everyone with
// a desk reads it; hub staff and admins move an issue along (desk-issue-form.js).
import { request } from '../api.js';
import { currentLang, t } from '../i18n.js';
import { meetingsInOrder } from '../local-issues.js';
import { drawIssueForm } from './desk-issue-form.js';
import { element } from './dom.js';
import { showError } from './status.js';

let ctx = null; // { session, wardCode, sites, readOnly }
let loading = 0; // only the latest load may draw: an older one can finish after it
let openId = null;

const base = () => `/api/wards/${encodeURIComponent(ctx.wardCode)}/local-issues`;

function changeWords(changes) {
  return Object.keys(changes).map((field) => {
    const { before, after } = changes[field];
    if (field === 'state') {
      return `${t('desk.issue_field.state')} ${t(`issue_state.${before}`)} → ${
        t(`issue_state.${after}`)}`;
    }
    return t(`desk.issue_field.${field}`);
  }).join(t('issues.sep'));
}

function when(at) {
  return new Date(at).toLocaleString(currentLang() === 'en' ? 'en-GB' : 'ja-JP',
    { dateStyle: 'short', timeStyle: 'short' });
}

function facts(issue) {
  const lines = [
    element('p', {}, element('span', { text: t(`issue_state.${issue.state}`),
      className: `badge issue-state ${issue.state}` })),
    element('h3', { text: issue.title }),
    element('p', { text: t('issues.raised_by', { site: issue.site_name,
      date: issue.raised_on ?? '' }), className: 'hint' }),
  ];
  if (issue.detail) lines.push(element('p', { text: issue.detail, className: 'desk-note' }));
  return lines;
}

function history(issue) {
  const items = issue.history.map((entry) => element('li', { text: t(
    'desk.issue_history_item', { at: when(entry.at), by: entry.by,
      fields: changeWords(entry.changes) }) }));
  return [element('h4', { text: t('desk.issue_history') }),
    items.length ? element('ul', { className: 'desk-lines' }, ...items)
      : element('p', { text: t('desk.issue_no_history'), className: 'hint' })];
}

function readOnlyParts(issue) {
  const parts = [];
  if (issue.meetings.length) {
    parts.push(element('p', { text: meetingsInOrder(issue.meetings).map((m) =>
      t(`issues.meeting_${m.stage}`, { date: m.held_on, title: m.title })).join(t('issues.sep')) }));
  }
  if (issue.initiative) parts.push(element('p', { text: t('issues.initiative',
    { text: issue.initiative }) }));
  if (issue.roles.length) {
    parts.push(element('ul', { className: 'desk-lines' }, ...issue.roles.map((role) =>
      element('li', { text: t('issues.role', { site: role.site_name, task: role.task }) }))));
  }
  if (issue.review_dates.length) {
    parts.push(element('p', { text: t('issues.reviews',
      { dates: issue.review_dates.join(t('issues.sep')) }) }));
  }
  return parts;
}

function drawDetail(issue) {
  const detail = document.getElementById('desk-issue-detail');
  detail.replaceChildren(...facts(issue));
  if (ctx.readOnly) {
    detail.append(...readOnlyParts(issue));
  } else {
    const form = element('form', { className: 'desk-step-form issue-form-desk' });
    detail.append(form);
    drawIssueForm(form, { session: ctx.session, wardCode: ctx.wardCode, sites: ctx.sites,
      issue, saved: (answer) => {
        drawDetail(answer);
        return loadIssues({ keepDetail: true });
      } }).catch(showError);
  }
  detail.append(...history(issue));
}

async function openIssue(id) {
  openId = id;
  for (const row of document.querySelectorAll('#desk-issue-list .desk-row')) {
    if (row.dataset.issue === id) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
  const issue = await request('GET', `${base()}/${encodeURIComponent(id)}`,
    { token: ctx.session.token });
  if (openId === id) drawDetail(issue);
}

function row(issue) {
  const open = element('button', { className: 'desk-row', attrs: { type: 'button' } },
    element('span', { text: t(`issue_state.${issue.state}`),
      className: `badge issue-state ${issue.state}` }),
    element('strong', { text: issue.title }),
    element('span', { text: t('issues.raised_by', { site: issue.site_name,
      date: issue.raised_on ?? '' }), className: 'hint' }));
  open.dataset.issue = issue.id;
  if (issue.id === openId) open.setAttribute('aria-current', 'true');
  open.onclick = () => openIssue(issue.id).catch(showError);
  return element('li', {}, open);
}

export async function loadIssues({ keepDetail = false } = {}) {
  const load = ++loading;
  const issues = await request('GET', base(), { token: ctx.session.token });
  if (load !== loading) return;
  document.getElementById('desk-issue-list').replaceChildren(...issues.map(row));
  document.getElementById('desk-issues-empty').hidden = issues.length > 0;
  if (!keepDetail) {
    openId = null;
    document.getElementById('desk-issue-detail').replaceChildren();
  }
}

export function showIssuesDesk(context) {
  ctx = context;
  return loadIssues();
}
