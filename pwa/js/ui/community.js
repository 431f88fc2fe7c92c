// The 「地域」 tab: what the ward's supporters do together. Its meetings part shows the
// liaison meetings (連絡会) to those who were not there; the phone keeps the latest copy
// from a good sync (keepForOffline: at most every 10 minutes) and from opening the tab,
// and shows it with no signal, saying when it was kept. The issues part (#issues-part) is the regional issues board's.
import { request } from '../api.js';
import * as db from '../db.js';
import { t } from '../i18n.js';
import { keepForOffline } from '../sync.js';
import { whenWords } from './desk-words.js';
import { element } from './dom.js';
import { meetingBody, meetingHeading } from './meeting-view.js';

let shown = null; // the session whose meetings the part shows (the tab opened last)

// Each user's copy under a key of their own: a shared phone never shows one person's
// ward to another; the prefix lets sign-out drop it with the rest (db.dropReplica).
function keyOf(session) {
  return `${db.KEPT_FOR_OFFLINE}meetings:${session.user.id}`;
}

export async function keepMeetings(session) {
  const ward = session?.user.ward_code;
  if (!ward) return null;
  const meetings = await request('GET', `/api/wards/${encodeURIComponent(ward)}/meetings`,
    { token: session.token });
  const kept = { ward_code: ward, kept_at: new Date().toISOString(), meetings };
  await db.setMeta(keyOf(session), kept);
  if (shown?.user.id === session.user.id) draw(kept, { fresh: true });
  return kept;
}

function draw(kept, { fresh }) {
  const part = document.getElementById('meetings-part');
  const when = kept ? whenWords(kept.kept_at) : '';
  const note = element('p', { className: 'hint', attrs: { id: 'meetings-kept' },
    text: !kept ? t('community.none_kept')
      : fresh ? t('community.kept_at', { time: when })
        : t('community.offline_copy', { time: when }) });
  const list = element('ul', { className: 'meeting-list' },
    ...(kept?.meetings ?? []).map((meeting) => element('li', {},
      element('details', { className: 'meeting' },
        element('summary', {}, meetingHeading(meeting, 'h4')),
        ...meetingBody(meeting)))));
  part.replaceChildren(
    element('h3', { text: t('community.meetings') }),
    element('p', { className: 'hint', text: t('community.meetings_hint') }),
    note,
    kept && !kept.meetings.length ? element('p', { text: t('community.no_meetings') }) : '',
    list);
}

// Opening the tab shows the kept copy at once, then the server's when it answers.
export async function showCommunity(session) {
  shown = session;
  draw(await db.getMeta(keyOf(session)), { fresh: false });
  if (!navigator.onLine) return;
  try {
    await keepMeetings(session);
  } catch (error) {
    if (error.status === 401 || error.code !== 'offline') throw error;
  }
}

keepForOffline(keepMeetings);
