// On an entry of "my entries": the author's value that lost to someone else's edit, both
// texts side by side, and the choice to keep theirs or take the other.
import { settle } from '../conflicts.js';
import { fieldLabel } from '../error-words.js';
import { t } from '../i18n.js';
import { takeRecordNotes } from '../visits.js';
import { button, element } from './dom.js';
import { showError, showStatus } from './status.js';

function valueText(value) {
  if (value === null || value === undefined || value === '') return t('entries.conflict_empty');
  return Array.isArray(value) ? value.join('、') : String(value);
}

export function conflictBlock(conflict, session, refresh) {
  const headingId = `conflict-${conflict.op_id}-${conflict.field}`;
  const label = fieldLabel(conflict.field);
  const block = element('div', { className: 'my-conflict',
    attrs: { role: 'group', 'aria-labelledby': headingId } });
  block.dataset.conflict = conflict.conflict_id;
  const offline = element('p', { className: 'hint', text: t('entries.conflict_offline') });
  offline.hidden = true;
  const choose = async (keep) => {
    offline.hidden = true;
    try {
      await settle(session, conflict, keep);
      if (!keep && conflict.collection === 'visit' && conflict.field === 'notes') {
        await takeRecordNotes(session.user.id, conflict.record_id);
      }
      showStatus(t(keep ? 'entries.conflict_kept' : 'entries.conflict_taken', { field: label }));
      await refresh();
    } catch (error) {
      // Settling needs the server: say so beside the buttons, kindly, and keep both texts.
      if (error.code === 'offline') {
        offline.hidden = false;
      } else if (error.status === 404) {
        // Settled meanwhile (on the desk, or on another phone of theirs).
        showStatus(t('error.conflict_not_found'));
        await refresh();
      } else {
        showError(error);
      }
    }
  };
  const keep = button(t('entries.keep_mine'), 'primary', () => choose(true));
  const take = button(t('entries.use_theirs'), 'secondary', () => choose(false));
  block.append(
    element('p', {}, element('span', { className: 'badge conflict', attrs: { id: headingId },
      text: t('entries.conflict_heading', { field: label }) })),
    element('p', { className: 'hint', text: t('entries.conflict_hint') }),
    element('div', { className: 'conflict-texts' },
      element('div', {},
        element('p', { className: 'hint', text: t('entries.conflict_mine') }),
        // Typed text: never markup.
        element('p', { className: 'conflict-value mine', text: valueText(conflict.value) })),
      element('div', {},
        element('p', { className: 'hint', text: t('entries.conflict_theirs') }),
        element('p', { className: 'conflict-value theirs', text: valueText(conflict.current) }))),
    element('div', { className: 'actions' }, keep, take),
    offline,
  );
  return block;
}
