// One liaison meeting (連絡会) as people read it, on the phone and on the desk: when and
// where, who came (sites by name, organisations by kind), and its four parts — shared,
// discussed, decided (who does what, by when) and looked back. Text only, never markup;
// a path of the area calendar in the text becomes a link to it.
import { currentLang, t } from '../i18n.js';
import { element } from './dom.js';

// The kinds of organisation without a site; the same list as schemas/liaison.py.
export const ORGANISATION_KINDS = ['ward_cfsd', 'public_health_nurse',
  'chief_child_commissioner', 'welfare_commissioner', 'care_plaza', 'district_swc',
  'neighborhood_assoc'];

const CALENDAR_PATH = /\/calendar\/\d+(?:\?area=\d+)?/g;

// Paragraphs of ``text`` (one per line), the calendar's paths as links.
export function linked(text) {
  return String(text).split('\n').filter((line) => line.trim()).map((line) => {
    const p = element('p');
    let at = 0;
    for (const match of line.matchAll(CALENDAR_PATH)) {
      p.append(line.slice(at, match.index),
        element('a', { text: t('meeting.calendar_link'), attrs: { href: match[0] } }));
      at = match.index + match[0].length;
    }
    p.append(line.slice(at));
    return p;
  });
}

export function doer(row) {
  return row.site_id !== null ? (row.site_name || `#${row.site_id}`) : t(`org.${row.organisation}`);
}

function part(key, ...content) {
  return element('section', { className: 'meeting-part' },
    element('h5', { text: t(key) }),
    ...(content.length ? content : [element('p', { text: t('meeting.nothing'),
      className: 'hint' })]));
}

function decided(state) {
  const rows = state.decided.map((row) => element('li', {},
    element('strong', { text: doer(row) }), ': ',
    ...linked(row.task).flatMap((p) => [...p.childNodes]),
    row.due_on ? element('span', { text: ` ${t('meeting.due', { date: row.due_on })}`,
      className: 'meeting-due' }) : ''));
  return part('meeting.decided',
    ...(rows.length ? [element('ul', { className: 'meeting-decided' }, ...rows)] : []),
    ...linked(state.decided_note));
}

export function placeOf(state) {
  return state.area_name ?? t('meeting.whole_ward');
}

// The body of one meeting (or one earlier version of it).
export function meetingBody(state) {
  const came = [...state.sites.map((site) => site.name),
    ...state.organisations.map((kind) => t(`org.${kind}`))];
  return [
    element('p', { className: 'meeting-came',
      text: `${t('meeting.came')}: ${came.length ? came.join(currentLang() === 'en' ? ', ' : '、')
        : '—'}` }),
    part('meeting.shared', ...linked(state.shared)),
    part('meeting.discussed', ...linked(state.discussed)),
    decided(state),
    part('meeting.looked_back', ...linked(state.looked_back)),
  ];
}

export function meetingHeading(state, tag = 'h4') {
  return element(tag, { text: t('meeting.heading', { date: state.held_on, title: state.title,
    place: placeOf(state) }) });
}
