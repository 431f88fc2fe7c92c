// The desk's cooperation steps: where the ward and each of its areas stand on the four
// steps of the city's guideline, what moved since the review before, and when the next
// review is due. Everyone with a desk reads it; the reviews are recorded by hub staff.
import { request } from '../api.js';
import { currentLang, t } from '../i18n.js';
import { element } from './dom.js';
import { drawStepForm } from './desk-step-form.js';

const STATUSES = ['met', 'partly', 'not_yet'];

let ctx = null; // { session, wardCode, readOnly }
let loading = 0; // only the latest load may draw: an older one can finish after it

function signed(n) {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0';
}

function counts(values, format = String) {
  return t('desk.step_counts', Object.fromEntries(STATUSES.map((s) => [s, format(values[s])])));
}

function text(answer) {
  return currentLang() === 'en' ? answer.text_en : answer.text_ja;
}

function changeLines(row) {
  if (!row.previous) return [element('p', { text: t('desk.step_first'), className: 'hint' })];
  const lines = [element('p', { text: `${t('desk.step_since', { date: row.previous.assessed_on })}: ${
    counts(row.counts_change, signed)}` })];
  if (!row.changes.length) {
    lines.push(element('p', { text: t('desk.step_unchanged'), className: 'hint' }));
    return lines;
  }
  const answers = new Map(row.current.answers.map((a) => [a.number, a]));
  lines.push(element('ul', { className: 'desk-lines' }, ...row.changes.map((change) =>
    element('li', { text: `${change.number}. ${text(answers.get(change.number))}: ${
      change.before ? t(`step.${change.before}`) : '—'} → ${t(`step.${change.now}`)}` }))));
  return lines;
}

function item(row, titles) {
  const place = row.area_name ?? t('desk.steps_whole_ward');
  const current = row.current;
  const li = element('li', { className: 'desk-item' },
    element('h4', { text: `${place}　${t('desk.step_title', {
      n: row.step, title: titles.get(row.step) ?? '' })}` }),
    element('p', { text: `${t('desk.step_assessed', { date: current.assessed_on })}: ${
      counts(current.counts)}` }),
    ...changeLines(row));
  const action = t('desk.step_next_action', { action: current.next_action })
    + (current.next_action_on ? t('desk.step_action_by', { date: current.next_action_on }) : '');
  li.append(element('p', { text: action, className: 'desk-note' }));
  const review = element('p', { text: t('desk.step_next_review', { date: row.next_review_on }) });
  if (row.review_due) {
    review.append(' ', element('strong', { text: t('desk.step_review_due'),
      className: 'error' }));
  }
  li.append(review);
  li.dataset.step = String(row.step);
  return li;
}

export async function loadSteps({ redrawForm = true } = {}) {
  const load = ++loading;
  const ward = encodeURIComponent(ctx.wardCode);
  const base = `/api/wards/${ward}/checklists`;
  const [listed, standing, areas] = await Promise.all([
    request('GET', base, { token: ctx.session.token }),
    request('GET', `${base}/standing`, { token: ctx.session.token }),
    ctx.readOnly ? [] : request('GET', `/api/wards/${ward}/areas`)]);
  if (load !== loading) return;
  const form = document.getElementById('desk-step-form');
  if (ctx.readOnly) {
    form.hidden = true;
    form.replaceChildren();
  } else if (redrawForm) {
    drawStepForm(form, { session: ctx.session, wardCode: ctx.wardCode, steps: listed.steps,
      areas, saved: () => loadSteps() });
  }
  const titles = new Map(listed.steps.map((step) => [step.number,
    currentLang() === 'en' ? step.title_en : step.title_ja]));
  document.getElementById('desk-step-list').replaceChildren(
    ...standing.standings.map((row) => item(row, titles)));
  document.getElementById('desk-steps-empty').hidden = standing.standings.length > 0;
}

export function showSteps(context) {
  ctx = context;
  return loadSteps();
}
