// The desk's form to move a regional issue along: its state, the liaison meetings where it
// was shared or discussed (chosen from the ward's meetings), the initiative decided, which site
// does what, and the review dates. Hub staff and admins only; each save is one change in
// the issue's history. The words are about the area's work, never a family.
import { request } from '../api.js';
import { STATES } from '../local-issues.js';
import { t } from '../i18n.js';
import { button, element } from './dom.js';
import { showError, showStatus } from './status.js';

const STAGES = ['shared', 'discussed'];
let serial = 0; // ids for the rows' controls, so each label names its own input

function nextId(prefix) {
  serial += 1;
  return `${prefix}-${serial}`;
}

function labelled(labelKey, input, prefix) {
  input.id = nextId(prefix);
  return element('div', { className: 'desk-step-field' },
    element('label', { text: t(labelKey), attrs: { for: input.id } }), input);
}

function select(choices, value) {
  const node = element('select', {}, ...choices.map(([v, text]) => element('option',
    { text, attrs: { value: String(v) } })));
  if (value !== undefined && value !== null) node.value = String(value);
  return node;
}

// A list of rows the hub adds to and removes from; ``make(value)`` builds one row's
// controls and returns { node, read }.
function rows(legendKey, addKey, values, make) {
  const list = element('div', { className: 'issue-rows' });
  const readers = new Map();
  const add = (value) => {
    const made = make(value);
    const row = element('div', { className: 'desk-actions issue-row' }, made.node);
    row.append(button(t('desk.issue_remove'), 'secondary', () => {
      readers.delete(row);
      row.remove();
    }));
    readers.set(row, made.read);
    list.append(row);
  };
  values.forEach(add);
  const set = element('fieldset', { className: 'issue-set' },
    element('legend', { text: t(legendKey) }), list,
    button(t(addKey), 'secondary', () => add(undefined)));
  return { node: set, read: () => [...readers.values()].map((read) => read()) };
}

// ``meetings``: the ward's liaison meetings, newest first, as the desk's list has them.
function meetingRow(meetings) {
  return (value) => {
    const meeting = select(meetings.map((m) => [m.id, t('desk.issue_meeting_line',
      { date: m.held_on, title: m.title })]), value?.meeting_id);
    const stage = select(STAGES.map((s) => [s, t(`desk.issue_stage.${s}`)]), value?.stage);
    return { node: element('div', { className: 'issue-row-fields' },
      labelled('desk.issue_meeting_id', meeting, 'issue-meeting'),
      labelled('desk.issue_meeting_stage', stage, 'issue-stage')),
    read: () => ({ meeting_id: Number(meeting.value), stage: stage.value }) };
  };
}

function roleRow(sites) {
  return (value) => {
    const site = select(sites.map((s) => [s.id, s.name]), value?.site_id);
    const task = element('input', { attrs: { maxlength: '300', required: '',
      autocomplete: 'off', ...(value ? { value: value.task } : {}) } });
    return { node: element('div', { className: 'issue-row-fields' },
      labelled('desk.issue_role_site', site, 'issue-role-site'),
      labelled('desk.issue_role_task', task, 'issue-role-task')),
    read: () => ({ site_id: Number(site.value), task: task.value.trim() }) };
  };
}

function reviewRow(value) {
  const day = element('input', { attrs: { type: 'date', required: '',
    ...(value ? { value } : {}) } });
  return { node: labelled('desk.issue_review_on', day, 'issue-review'), read: () => day.value };
}

// Draws the form for ``issue`` (from GET …/local-issues/<id>) into ``form``; ``saved``
// runs with the issue as the server answered after a save.
export async function drawIssueForm(form, { session, wardCode, sites, issue, saved }) {
  const ward = encodeURIComponent(wardCode);
  const wardMeetings = await request('GET', `/api/wards/${ward}/meetings`,
    { token: session.token });
  const state = select(STATES.map((s) => [s, t(`issue_state.${s}`)]), issue.state);
  const initiative = element('textarea', { attrs: { rows: '3', maxlength: '1000' } });
  initiative.value = issue.initiative;
  const meetings = rows('desk.issue_meetings', 'desk.issue_add_meeting', issue.meetings,
    meetingRow(wardMeetings));
  const roles = rows('desk.issue_roles', 'desk.issue_add_role', issue.roles, roleRow(sites));
  const reviews = rows('desk.issue_reviews', 'desk.issue_add_review', issue.review_dates,
    reviewRow);
  form.replaceChildren(
    element('h4', { text: t('desk.issue_edit') }),
    labelled('desk.issue_state', state, 'issue-state'),
    meetings.node,
    labelled('desk.issue_initiative', initiative, 'issue-initiative'),
    roles.node,
    reviews.node,
    element('button', { text: t('desk.issue_save'), className: 'primary',
      attrs: { type: 'submit' } }));
  form.onsubmit = (event) => {
    event.preventDefault();
    const body = { state: state.value, initiative: initiative.value.trim(),
      meetings: meetings.read(), roles: roles.read(), review_dates: reviews.read() };
    request('PATCH', `/api/wards/${ward}/local-issues/${
      encodeURIComponent(issue.id)}`, { token: session.token, body })
      .then((answer) => {
        showStatus(t('desk.issue_saved'));
        return saved(answer);
      })
      .catch(showError);
  };
  form.hidden = false;
}
