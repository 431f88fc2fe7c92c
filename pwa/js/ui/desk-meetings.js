// The desk's liaison meetings (連絡会): the ward's meetings of a year (or of one area),
// each with its earlier versions, a form to write or edit one (hub staff and admins), and
// the sites' attendance over the year, those rarely or never reached marked so the hub
// keeps them informed anyway.
import { request } from '../api.js';
import { tokyoToday } from '../figures-data.js';
import { t } from '../i18n.js';
import { whenWords } from './desk-words.js';
import { button, element } from './dom.js';
import { drawMeetingForm } from './desk-meeting-form.js';
import { meetingBody, meetingHeading } from './meeting-view.js';
import { showError } from './status.js';

let ctx = null; // { session, wardCode, sites, readOnly }
let loading = 0; // only the latest load may draw
let areas = [];

function base() {
  return `/api/wards/${encodeURIComponent(ctx.wardCode)}/meetings`;
}

function closeForm() {
  const form = document.getElementById('desk-meeting-form');
  form.hidden = true;
  form.replaceChildren();
  document.getElementById('desk-meeting-new').hidden = ctx.readOnly;
}

function openForm(meeting = null) {
  const form = document.getElementById('desk-meeting-form');
  document.getElementById('desk-meeting-new').hidden = true;
  drawMeetingForm(form, { session: ctx.session, wardCode: ctx.wardCode, sites: ctx.sites,
    areas, meeting,
    saved: (answer) => {
      closeForm();
      const year = document.getElementById('desk-meeting-year');
      year.value = answer.held_on.slice(0, 4);
      return loadMeetings();
    },
    cancel: closeForm });
  form.scrollIntoView({ block: 'start' });
}

async function showHistory(meeting, holder) {
  const versions = await request('GET', `${base()}/${meeting.id}/history`,
    { token: ctx.session.token });
  holder.replaceChildren(element('h5', { text: t('meeting.history') }),
    element('ol', { className: 'meeting-versions' }, ...versions.map((version) =>
      element('li', {}, element('details', {},
        element('summary', { text: t('meeting.version_line', { n: version.version,
          when: whenWords(version.changed_at), who: version.changed_by }) }),
        meetingHeading(version.state, 'h6'), ...meetingBody(version.state))))));
}

function item(meeting) {
  const history = element('div', { className: 'meeting-history' });
  const actions = element('div', { className: 'desk-filter-buttons' },
    button(t('meeting.show_history', { n: meeting.version }), 'secondary',
      () => showHistory(meeting, history).catch(showError)));
  if (!ctx.readOnly) {
    actions.prepend(button(t('meeting.edit'), 'secondary', () => openForm(meeting)));
  }
  const li = element('li', { className: 'desk-item' },
    element('details', { className: 'meeting' },
      element('summary', {}, meetingHeading(meeting, 'h4')),
      ...meetingBody(meeting), actions, history));
  li.dataset.meeting = String(meeting.id);
  return li;
}

function attendanceTable(report) {
  const sorted = [...report.sites].sort((a, b) => Number(b.rarely) - Number(a.rarely)
    || a.attended.length - b.attended.length);
  const rows = sorted.map((site) => {
    const mark = !site.attended.length && site.held_for ? t('meeting.never_reached')
      : site.rarely ? t('meeting.rarely_reached') : '';
    const tr = element('tr', { className: site.rarely ? 'meeting-rarely' : '' },
      element('th', { text: site.name, attrs: { scope: 'row' } }),
      element('td', { text: site.area_name ?? '—' }),
      element('td', {}, `${site.attended.length} / ${site.held_for}`,
        mark ? element('strong', { text: ` ${mark}`, className: 'error' }) : ''));
    tr.title = site.attended.map((m) => `${m.held_on} ${m.title}`).join('\n');
    return tr;
  });
  const rarely = report.sites.filter((site) => site.rarely).length;
  return [
    element('p', { text: t('meeting.attendance_summary', { year: report.year,
      meetings: report.meetings, rarely }) }),
    element('div', { className: 'table-scroll' },
      element('table', { className: 'meeting-attendance' },
        element('caption', { text: t('meeting.attendance_caption', { year: report.year }) }),
        element('thead', {}, element('tr', {},
          element('th', { text: t('meeting.site'), attrs: { scope: 'col' } }),
          element('th', { text: t('meeting.area'), attrs: { scope: 'col' } }),
          element('th', { text: t('meeting.attended'), attrs: { scope: 'col' } }))),
        element('tbody', {}, ...rows))),
  ];
}

function fillFilters() {
  const area = document.getElementById('desk-meeting-area');
  const chosen = area.value;
  area.replaceChildren(element('option', { text: t('meeting.all_places'), attrs: { value: '' } }),
    ...areas.map((a) => element('option', { text: a.name, attrs: { value: String(a.id) } })));
  area.value = areas.some((a) => String(a.id) === chosen) ? chosen : '';
  const year = document.getElementById('desk-meeting-year');
  if (!year.options.length) {
    const now = Number(tokyoToday().slice(0, 4));
    year.replaceChildren(...[now + 1, now, now - 1, now - 2, now - 3].map((y) =>
      element('option', { text: t('meeting.year', { year: y }), attrs: { value: String(y) } })));
    year.value = String(now);
  }
}

export async function loadMeetings() {
  const load = ++loading;
  const area = document.getElementById('desk-meeting-area').value;
  const year = document.getElementById('desk-meeting-year').value;
  const query = new URLSearchParams({ year, ...(area ? { area } : {}) });
  const token = ctx.session.token;
  const [meetings, report] = await Promise.all([
    request('GET', `${base()}?${query}`, { token }),
    request('GET', `${base()}/attendance?year=${year}`, { token })]);
  if (load !== loading) return;
  document.getElementById('desk-meeting-list').replaceChildren(...meetings.map(item));
  document.getElementById('desk-meetings-empty').hidden = meetings.length > 0;
  document.getElementById('desk-meeting-attendance').replaceChildren(
    ...attendanceTable(report));
}

export async function showMeetings(context) {
  const changedWard = ctx?.wardCode !== context.wardCode
    || ctx?.session.user.id !== context.session.user.id;
  ctx = context;
  if (changedWard) {
    areas = await request('GET', `/api/wards/${encodeURIComponent(ctx.wardCode)}/areas`);
    closeForm();
  }
  fillFilters();
  document.getElementById('desk-meeting-new').hidden = ctx.readOnly
    || !document.getElementById('desk-meeting-form').hidden;
  document.getElementById('desk-meeting-new').onclick = () => openForm();
  for (const id of ['desk-meeting-area', 'desk-meeting-year']) {
    document.getElementById(id).onchange = () => loadMeetings().catch(showError);
  }
  return loadMeetings();
}
