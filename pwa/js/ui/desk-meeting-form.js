// The desk's form to write a liaison meeting or edit one: date, place (the ward or an
// area), who came (sites of the ward by area, organisations by kind), the four parts, and
// the decided rows "who does what, by when". An edit sends the version it started from;
// the server refuses it if someone saved in between, and keeps every earlier version.
import { request } from '../api.js';
import { tokyoToday } from '../figures-data.js';
import { t } from '../i18n.js';
import { button, element } from './dom.js';
import { ORGANISATION_KINDS } from './meeting-view.js';
import { showError, showStatus } from './status.js';

const PART_MAX = '4000';

function field(id, labelKey, input) {
  input.id = id;
  return element('div', { className: 'desk-step-field' },
    element('label', { text: t(labelKey), attrs: { for: id } }), input);
}

function chip(name, value, label, checked) {
  const box = element('input', { attrs: { type: 'checkbox', name, value } });
  box.checked = checked;
  return element('label', { className: 'chip' }, box, element('span', { text: label }));
}

function areasOf(sites) {
  const areas = new Map();
  for (const site of sites) {
    const key = site.area?.id ?? '';
    if (!areas.has(key)) areas.set(key, { name: site.area?.name ?? t('meeting.no_area'), sites: [] });
    areas.get(key).sites.push(site);
  }
  return [...areas.values()].sort((a, b) => a.name.localeCompare(b.name, 'ja'));
}

function whoSelect(sites, row) {
  const select = element('select', { attrs: { 'aria-label': t('meeting.who') } },
    element('optgroup', { attrs: { label: t('meeting.organisations') } },
      ...ORGANISATION_KINDS.map((kind) => element('option', { text: t(`org.${kind}`),
        attrs: { value: `org:${kind}` } }))),
    element('optgroup', { attrs: { label: t('meeting.sites') } },
      ...sites.map((site) => element('option', { text: site.name,
        attrs: { value: `site:${site.id}` } }))));
  if (row) select.value = row.site_id !== null ? `site:${row.site_id}` : `org:${row.organisation}`;
  return select;
}

function decidedRow(sites, row, n) {
  const task = element('input', { attrs: { maxlength: '400', autocomplete: 'off', required: '',
    'aria-label': t('meeting.task') } });
  task.value = row?.task ?? '';
  const due = element('input', { attrs: { type: 'date', 'aria-label': t('meeting.due_on') } });
  due.value = row?.due_on ?? '';
  const li = element('li', { className: 'meeting-decided-row' }, whoSelect(sites, row), task,
    due);
  li.dataset.row = String(n);
  li.append(button(t('meeting.remove_row'), 'secondary', () => li.remove()));
  return li;
}

function body(form) {
  const value = (id) => form.querySelector(`#${id}`).value;
  const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)]
    .map((box) => box.value);
  return {
    area_id: value('meeting-area') ? Number(value('meeting-area')) : null,
    held_on: value('meeting-held-on'),
    title: value('meeting-title').trim(),
    site_ids: checked('meeting-site').map(Number),
    organisations: checked('meeting-org'),
    shared: value('meeting-shared'),
    discussed: value('meeting-discussed'),
    decided: [...form.querySelectorAll('.meeting-decided-row')].map((li) => {
      const [kind, id] = li.querySelector('select').value.split(':');
      const [task, due] = li.querySelectorAll('input');
      return { site_id: kind === 'site' ? Number(id) : null,
        organisation: kind === 'org' ? id : null, task: task.value.trim(),
        due_on: due.value || null };
    }),
    decided_note: value('meeting-decided-note'),
    looked_back: value('meeting-looked-back'),
  };
}

function textPart(id, key, text) {
  const area = element('textarea', { attrs: { rows: '4', maxlength: PART_MAX } });
  area.value = text ?? '';
  return field(id, key, area);
}

// Draws the form into ``form``: a new meeting, or ``meeting`` (as the API answers it) to
// edit. ``saved(meeting)`` runs after the server took it; ``cancel`` closes the form.
export function drawMeetingForm(form, { session, wardCode, sites, areas, meeting, saved,
  cancel }) {
  const came = new Set(meeting?.sites.map((site) => site.id) ?? []);
  const orgs = new Set(meeting?.organisations ?? []);
  const areaSelect = element('select', {},
    element('option', { text: t('meeting.whole_ward'), attrs: { value: '' } }),
    ...areas.map((area) => element('option', { text: area.name,
      attrs: { value: String(area.id) } })));
  areaSelect.value = meeting?.area_id ? String(meeting.area_id) : '';
  const heldOn = element('input', { attrs: { type: 'date', required: '' } });
  heldOn.value = meeting?.held_on ?? tokyoToday();
  const title = element('input', { attrs: { maxlength: '200', required: '',
    autocomplete: 'off' } });
  title.value = meeting?.title ?? '';
  const rows = element('ol', { className: 'meeting-decided-rows' },
    ...(meeting?.decided ?? []).map((row, n) => decidedRow(sites, row, n)));
  let next = rows.children.length;
  const note = element('textarea', { attrs: { rows: '2', maxlength: PART_MAX } });
  note.value = meeting?.decided_note ?? '';
  form.replaceChildren(
    element('h4', { text: meeting ? t('meeting.edit_heading', { title: meeting.title })
      : t('meeting.new_heading') }),
    field('meeting-held-on', 'meeting.held_on', heldOn),
    field('meeting-title', 'meeting.title', title),
    field('meeting-area', 'meeting.place', areaSelect),
    element('fieldset', { className: 'chips meeting-came-set' },
      element('legend', { text: t('meeting.came_sites') }),
      ...areasOf(sites).map((area) => element('details', { className: 'meeting-area-sites',
        attrs: area.sites.some((site) => came.has(site.id)) ? { open: '' } : {} },
      element('summary', { text: `${area.name}（${area.sites.length}）` }),
      ...area.sites.map((site) => chip('meeting-site', String(site.id), site.name,
        came.has(site.id)))))),
    element('fieldset', { className: 'chips' },
      element('legend', { text: t('meeting.came_organisations') }),
      ...ORGANISATION_KINDS.map((kind) => chip('meeting-org', kind, t(`org.${kind}`),
        orgs.has(kind)))),
    textPart('meeting-shared', 'meeting.shared', meeting?.shared),
    textPart('meeting-discussed', 'meeting.discussed', meeting?.discussed),
    element('fieldset', { className: 'meeting-decided-set' },
      element('legend', { text: t('meeting.decided') }),
      element('p', { className: 'hint', text: t('meeting.decided_hint') }),
      rows,
      button(t('meeting.add_row'), 'secondary', () => rows.append(
        decidedRow(sites, null, next++))),
      field('meeting-decided-note', 'meeting.decided_note', note)),
    textPart('meeting-looked-back', 'meeting.looked_back', meeting?.looked_back),
    element('div', { className: 'desk-filter-buttons' },
      element('button', { text: t('meeting.save'), className: 'primary',
        attrs: { type: 'submit' } }),
      button(t('meeting.cancel'), 'secondary', cancel)));
  form.onsubmit = (event) => {
    event.preventDefault();
    const base = `/api/wards/${encodeURIComponent(wardCode)}/meetings`;
    const sent = body(form);
    const call = meeting
      ? request('PUT', `${base}/${meeting.id}`, { token: session.token,
        body: { ...sent, version: meeting.version } })
      : request('POST', base, { token: session.token, body: sent });
    call.then((answer) => {
      showStatus(t('meeting.saved'));
      return saved(answer);
    }).catch(showError);
  };
  form.hidden = false;
  title.focus();
}
