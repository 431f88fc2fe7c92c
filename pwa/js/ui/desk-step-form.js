// The desk's form to record a review of one cooperation step, for the ward or one area:
// each checkpoint met, partly or not yet, with what shows it, the next action and the
// next review. Hub staff and admins only; the notes are about the work, never a family.
import { request } from '../api.js';
import { tokyoToday } from '../figures-data.js';
import { currentLang, t } from '../i18n.js';
import { element } from './dom.js';
import { showError, showStatus } from './status.js';

const STATUSES = ['met', 'partly', 'not_yet'];
const NOTE_MAX = '400';

function field(id, labelKey, input) {
  input.id = id;
  return element('div', { className: 'desk-step-field' },
    element('label', { text: t(labelKey), attrs: { for: id } }), input);
}

function wording(item, en, ja) {
  return currentLang() === 'en' ? item[en] : item[ja];
}

function checkpointSet(point) {
  const name = `desk-cp-${point.id}`;
  const set = element('fieldset', { className: 'chips desk-checkpoint' },
    element('legend', { text: `${point.number}. ${wording(point, 'text_en', 'text_ja')}` }));
  for (const status of STATUSES) {
    const radio = element('input', { attrs: { type: 'radio', name, value: status,
      required: '' } });
    set.append(element('label', { className: 'chip' }, radio,
      element('span', { text: t(`step.${status}`) })));
  }
  const evidence = element('input', { attrs: { maxlength: NOTE_MAX, autocomplete: 'off' } });
  evidence.dataset.evidence = String(point.id);
  set.append(field(`desk-cp-evidence-${point.id}`, 'desk.step_evidence', evidence));
  return set;
}

function body(form, step, points) {
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  const area = value('desk-step-area');
  return {
    step, area_id: area ? Number(area) : null,
    assessed_on: value('desk-step-assessed'),
    answers: points.map((point) => ({
      checkpoint_id: point.id,
      status: form.querySelector(`input[name="desk-cp-${point.id}"]:checked`).value,
      evidence: form.querySelector(`[data-evidence="${point.id}"]`).value.trim(),
    })),
    next_action: value('desk-step-action'),
    next_action_on: value('desk-step-action-on') || null,
    next_review_on: value('desk-step-review-on'),
  };
}

// Draws the form into ``form`` for ``steps`` (from GET …/checklists) and ``areas``;
// ``saved`` runs after a review is recorded.
export function drawStepForm(form, { session, wardCode, steps, areas, saved }) {
  const areaSelect = element('select', {},
    element('option', { text: t('desk.steps_whole_ward'), attrs: { value: '' } }),
    ...areas.map((area) => element('option', { text: area.name,
      attrs: { value: String(area.id) } })));
  const stepSelect = element('select', {}, ...steps.map((step) => element('option', {
    text: t('desk.step_title', { n: step.number,
      title: wording(step, 'title_en', 'title_ja') }),
    attrs: { value: String(step.number) } })));
  const points = element('div');
  const pointsOf = () => steps.find((s) => String(s.number) === stepSelect.value)
    ?.checkpoints ?? [];
  const drawPoints = () => points.replaceChildren(...pointsOf().map(checkpointSet));
  stepSelect.onchange = drawPoints;
  const today = tokyoToday();
  const dateInput = (value = '', required = false) => element('input', {
    attrs: { type: 'date', ...(value ? { value } : {}), ...(required ? { required: '' } : {}) } });
  const action = element('textarea', { attrs: { rows: '2', maxlength: NOTE_MAX,
    required: '' } });
  form.replaceChildren(
    element('h4', { text: t('desk.step_record') }),
    field('desk-step-area', 'desk.step_area', areaSelect),
    field('desk-step-step', 'desk.step_which', stepSelect),
    points,
    field('desk-step-assessed', 'desk.step_assessed_on', dateInput(today, true)),
    field('desk-step-action', 'desk.step_action', action),
    field('desk-step-action-on', 'desk.step_action_on', dateInput()),
    field('desk-step-review-on', 'desk.step_review_on', dateInput('', true)),
    element('button', { text: t('desk.step_save'), className: 'primary',
      attrs: { type: 'submit' } }));
  drawPoints();
  form.onsubmit = (event) => {
    event.preventDefault();
    const sent = body(form, Number(stepSelect.value), pointsOf());
    request('POST', `/api/wards/${encodeURIComponent(wardCode)}/checklists/assessments`,
      { token: session.token, body: sent })
      .then(() => {
        showStatus(t('desk.step_saved'));
        return saved();
      })
      .catch(showError);
  };
  form.hidden = false;
}
