// The desk's お知らせ: the hub's inbox. Reminders of reviews coming up and the weekly
// digest, written by the server's scheduled jobs; each person marks what they have read
// (one colleague's reading does not hide a reminder from the others). Hub staff and
// admins only: the hub's work list is the hub's.
import { request } from '../api.js';
import { currentLang, t } from '../i18n.js';
import { button, element } from './dom.js';
import { showError } from './status.js';

let ctx = null; // { session, wardCode }
let loading = 0; // only the latest load may draw: an older one can finish after it

function japanDay(iso) {
  return new Date(iso).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
}

function reminderLines(body) {
  const title = currentLang() === 'en' && body.title_en ? body.title_en : body.title;
  if (body.source === 'checklist_review') {
    const place = body.area_name ?? t('desk.steps_whole_ward');
    return [t('inbox.checklist_review', { place, n: body.step, title, date: body.review_on })];
  }
  if (body.source === 'issue_review') {
    return [t('inbox.issue_review', { title, date: body.review_on })];
  }
  return [t('inbox.review_other', { title, date: body.review_on })];
}

const SECTIONS = {
  issues_raised: (s) => [t('inbox.issues_raised', { n: s.count }),
    ...s.titles.map((title) => t('inbox.issue_title', { title }))],
  cards: (s) => [t('inbox.cards', { issued: s.issued, arrived: s.arrived })],
  review_marks: (s) => [t('inbox.review_marks', { n: s.open })],
  sync_waiting: (s) => [t('inbox.sync_waiting', { conflicts: s.conflicts,
    quarantined: s.quarantined })],
  quiet_phones: (s) => [t('inbox.quiet_phones', { n: s.count }),
    ...s.phones.map((phone) => t('inbox.quiet_phone', { name: phone.name, user: phone.user,
      date: phone.last_seen_on }))],
};

function digestLines(body) {
  const lines = Object.entries(body.sections).flatMap(([name, section]) =>
    (SECTIONS[name] ?? ((s) => [`${name}: ${Object.entries(s)
      .filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${v}`).join(', ')}`]))(section));
  if (body.failed?.length) lines.push(t('inbox.failed', { names: body.failed.join(', ') }));
  return lines;
}

function item(message) {
  const body = message.body;
  const digest = message.kind === 'digest';
  const heading = element('h4', { text: digest
    ? t('inbox.digest_title', { from: body.from, to: body.to })
    : t('inbox.reminder_title') });
  if (!message.read) heading.prepend(element('span', { text: t('inbox.unread'),
    className: 'badge review-open' }), ' ');
  const li = element('li', { className: 'desk-item' }, heading,
    element('p', { text: t('inbox.received', { date: japanDay(message.created_at) }),
      className: 'hint' }),
    element('ul', { className: 'desk-lines' }, ...(digest ? digestLines(body)
      : reminderLines(body)).map((line) => element('li', { text: line }))));
  if (!message.read) {
    li.append(button(t('inbox.mark_read'), 'secondary', async (event) => {
      event.target.disabled = true;
      try {
        await request('POST', `/api/wards/${encodeURIComponent(ctx.wardCode)}/inbox/${
          message.id}/read`, { token: ctx.session.token });
        await loadInbox();
      } catch (error) {
        event.target.disabled = false;
        showError(error);
      }
    }));
  }
  li.dataset.kind = message.kind;
  return li;
}

export async function loadInbox() {
  const load = ++loading;
  const inbox = await request('GET', `/api/wards/${encodeURIComponent(ctx.wardCode)}/inbox`,
    { token: ctx.session.token });
  if (load !== loading) return;
  showCount(inbox.unread);
  document.getElementById('desk-inbox-unread').textContent = t('inbox.unread_count',
    { n: inbox.unread });
  document.getElementById('desk-inbox-list').replaceChildren(...inbox.messages.map(item));
  document.getElementById('desk-inbox-empty').hidden = inbox.messages.length > 0;
}

// The unread count on the desk's お知らせ button, so a new reminder is seen from any screen.
function showCount(unread) {
  const count = document.getElementById('desk-inbox-count');
  count.textContent = String(unread);
  count.hidden = unread === 0;
}

export async function countUnread(context) {
  const inbox = await request('GET', `/api/wards/${encodeURIComponent(context.wardCode)}/inbox`,
    { token: context.session.token });
  showCount(inbox.unread);
}

export function showInbox(context) {
  ctx = context;
  return loadInbox();
}
