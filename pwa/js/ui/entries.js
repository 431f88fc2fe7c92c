// "My entries": recent session logs and outreach records with how each stands, a way
// to fix a rejected one, and the hub's questions (要確認) to answer.
import { conflictsByRecord, myConflicts } from '../conflicts.js';
import { rejectionText } from '../error-words.js';
import { currentLang, t } from '../i18n.js';
import * as outreach from '../outreach.js';
import * as review from '../review.js';
import * as visits from '../visits.js';
import { button, element } from './dom.js';
import { openLogFor } from './log.js';
import { conflictBlock } from './my-conflicts.js';
import { showView } from './nav.js';
import { openOutreachFor, showMode } from './outreach.js';
import { showError, showStatus } from './status.js';

const CHILDREN = ['children_0', 'children_1', 'children_2', 'children_3plus'];

// Answers typed but not sent with 「直しました」 yet, by mark id: the list is drawn again
// after every sync, which must not lose them.
const drafts = new Map();
let drawing = 0; // the latest refresh of the list

// Each kind of entry: its title, its one-line summary, how it opens and how it goes again.
const KINDS = {
  visit: {
    title: (entry, siteNames) => `${siteNames.get(entry.siteId) ?? entry.siteId}`
      + ` ${dateText(entry.date)} ${t(`session.${entry.session}`)}`,
    lines: (entry) => [summary(entry)],
    open: (entry) => {
      showMode('visit');
      return openLogFor(entry);
    },
    resend: visits.resend,
  },
  outreach: {
    title: (entry, siteNames) => `${t('entries.outreach')} `
      + `${siteNames.get(entry.placeSiteId) ?? entry.placeSiteId} ${dateText(entry.date)}`,
    lines: (entry) => {
      const went = outreach.WENT.reduce((sum, field) => sum + (entry.mine[field] ?? 0), 0);
      const note = entry.texts.summary ?? '';
      return [t('entries.outreach_summary', { went, parents: entry.mine.parents ?? 0,
        children: entry.mine.children ?? 0 }), ...(note ? [note.length > 80
        ? `${note.slice(0, 80)}…` : note] : [])];
    },
    open: openOutreachFor,
    resend: outreach.resend,
  },
};

function summary(entry) {
  const children = CHILDREN.reduce((sum, field) => sum + (entry.mine[field] ?? 0), 0);
  return t('entries.summary', { parents: entry.mine.parents ?? 0, children });
}

function dateText(iso) {
  return new Date(`${iso}T00:00:00`).toLocaleDateString(currentLang(),
    { month: 'short', day: 'numeric', weekday: 'short' });
}

// One mark on an entry: the hub's question, and while it is open, a short answer and
// 「直しました」, which settles it (kept on the phone and sent at the next sync).
function markBlock(mark, session, refresh) {
  const headingId = `review-${mark.id}`;
  const block = element('div', { className: `review ${mark.status}`,
    attrs: { role: 'group', 'aria-labelledby': headingId } });
  block.dataset.mark = mark.id;
  const badge = mark.sending ? 'review.done_waiting' : `review.${mark.status}`;
  block.append(
    element('p', {}, element('span', { text: t(badge), className: `badge review-${mark.status}`,
      attrs: { id: headingId } })),
    // The hub's words: always text, never markup.
    element('p', { text: mark.comment, className: 'review-comment' }),
  );
  if (mark.status === 'done') {
    if (mark.answer) block.append(element('p', { className: 'hint',
      text: t('review.answered', { answer: mark.answer }) }));
    return block;
  }
  for (const item of mark.rejected) {
    block.append(element('p', { className: 'error',
      text: rejectionText(item) }));
  }
  const inputId = `review-answer-${mark.id}`;
  const input = element('input', { attrs: { id: inputId, type: 'text',
    maxlength: String(review.ANSWER_LIMIT), autocomplete: 'off',
    'aria-describedby': `${inputId}-hint` } });
  input.value = drafts.get(mark.id) ?? '';
  input.oninput = () => drafts.set(mark.id, input.value);
  block.append(
    element('label', { text: t('review.answer'), attrs: { for: inputId } }),
    element('p', { text: t('review.answer_hint'), className: 'hint',
      attrs: { id: `${inputId}-hint` } }),
    input,
    button(t('review.fixed'), 'primary', async () => {
      try {
        await review.markDone(session.user.id, mark, input.value);
        drafts.delete(mark.id);
        showStatus(t(navigator.onLine ? 'review.saved' : 'review.saved_offline'));
        await refresh();
      } catch (error) {
        showError(error);
      }
    }),
  );
  return block;
}

function entryItem({ entry, state: sending, rejected }, marks, conflicts, session, siteNames,
  refresh) {
  // Sent, but someone else's edit won over part of it: say so rather than 「送信済み」.
  const state = sending === 'sent' && conflicts.length ? 'conflict' : sending;
  const item = document.createElement('li');
  item.dataset.state = state;
  item.dataset.record = entry.recordId;
  item.dataset.collection = entry.collection;
  const kind = KINDS[entry.collection];
  const text = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = kind.title(entry, siteNames);
  const lines = kind.lines(entry).map((words) => {
    const line = document.createElement('p');
    line.textContent = words; // typed text: never markup
    return line;
  });
  const badge = document.createElement('span');
  badge.className = `badge ${state}`;
  badge.textContent = t(`entries.${state}`);
  text.append(title, ...lines, badge);
  for (const item_ of rejected) {
    const reason = document.createElement('p');
    reason.className = 'error';
    reason.textContent = rejectionText(item_);
    text.append(reason);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(button(t('entries.open'), 'secondary', async () => {
    showView('log-view');
    await kind.open(entry);
  }));
  if (rejected.length) {
    actions.append(button(t('entries.resend'), 'primary', async () => {
      try {
        await kind.resend(entry, rejected);
        await refresh();
      } catch (error) {
        showError(error);
      }
    }));
  }
  const open = marks.some((mark) => mark.status === 'open');
  if (marks.length) item.dataset.review = open ? 'open' : 'done';
  item.append(text, ...conflicts.map((conflict) => conflictBlock(conflict, session, refresh)),
    ...marks.map((mark) => markBlock(mark, session, refresh)), actions);
  return item;
}

// A conflict on a record this phone holds no entry of (written on another phone, or before
// this one was set up): shown on its own, so its author still sees and settles it.
function conflictItem(recordKey, conflicts, session, siteNames, refresh) {
  const [collection, recordId] = recordKey.split(/\/(.*)/s);
  const [siteId, date, slot] = recordId.split(':');
  const title = collection === 'visit' && slot
    ? KINDS.visit.title({ siteId, date, session: slot }, siteNames)
    : t('entries.conflict_record');
  const item = element('li', {}, element('div', {},
    element('strong', { text: title }),
    element('p', {}, element('span', { className: 'badge conflict', text: t('entries.conflict') }))),
  ...conflicts.map((conflict) => conflictBlock(conflict, session, refresh)));
  item.dataset.state = 'conflict';
  item.dataset.record = recordId;
  item.dataset.collection = collection;
  return item;
}

export async function showEntries(session, directory) {
  const siteNames = new Map((directory?.sites ?? []).map((site) => [String(site.id), site.name]));
  const refresh = async () => {
    // Asking the server for conflicts takes a while: only the latest refresh may draw, or
    // an older one finishing late would put back a state the list has left.
    const serial = ++drawing;
    const [marks, listed] = await Promise.all([review.marksByTarget(session.user.id),
      myConflicts(session)]);
    const conflicts = conflictsByRecord(listed);
    const marksOf = (row) => marks.get(row.entry.recordKey) ?? [];
    const conflictsOf = (row) => conflicts.get(row.entry.recordKey) ?? [];
    const asked = (row) => (marksOf(row).some((mark) => mark.status === 'open')
      || conflictsOf(row).length ? 0 : 1);
    // Entries the hub asked about, or whose note someone else changed, come first, so an
    // old one is not lost below the rest.
    const rows = [...await visits.myEntries(session.user.id),
      ...await outreach.myEntries(session.user.id)]
      .sort((a, b) => asked(a) - asked(b) || b.entry.updatedAt - a.entry.updatedAt);
    if (serial !== drawing) return;
    const shownKeys = new Set(rows.map((row) => row.entry.recordKey));
    const elsewhere = [...conflicts].filter(([recordKey]) => !shownKeys.has(recordKey));
    document.getElementById('entries-empty').hidden = rows.length + elsewhere.length > 0;
    const list = document.getElementById('entry-list');
    const focused = list.contains(document.activeElement) ? document.activeElement.id : '';
    list.replaceChildren(
      ...elsewhere.map(([recordKey, found]) => conflictItem(recordKey, found, session, siteNames,
        refresh)),
      ...rows.slice(0, 100).map((row) => entryItem(row, marksOf(row), conflictsOf(row), session,
        siteNames, refresh)));
    // Drawn again after a sync while the user types an answer: keep them where they were.
    if (focused) document.getElementById(focused)?.focus();
  };
  await refresh();
}
