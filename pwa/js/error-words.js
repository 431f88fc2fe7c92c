// What the phone says about a refusal, worded here from the server's stable codes (an API
// error's `code` and `fields`, a rejected op's `reason`, `field` and `fault`), never from
// the server's own message: that one is English, or half English, and for developers.
import { t } from './i18n.js';

// The log screen already names most fields; a field it does not name is said as 「ある項目」
// rather than by its code.
const LABEL_KEYS = {
  site_id: 'log.site',
  session_date: 'log.date',
  session: 'log.session',
  notes: 'log.notes',
  needs: 'log.needs',
  summary: 'outreach.summary',
  topics: 'outreach.topics',
  follow_up: 'outreach.follow_up_what',
  follow_up_site_id: 'outreach.follow_up_site',
  follow_up_by: 'outreach.follow_up_by',
  visit_date: 'outreach.date',
  ask_for: 'issue.ask_for',
  message: 'issue.message',
  planned_date: 'issue.date',
  done_note: 'field.answer',
  login: 'signin.login',
  password: 'signin.password',
};

function known(key) {
  return t(key) !== key;
}

export function fieldLabel(field) {
  if (typeof field !== 'string' || !field) return t('field.unknown');
  const consultation = /^consultation_([a-z_]+?)_(answered_on_site|referred_to_site|connected_to_ward)$/
    .exec(field);
  if (consultation && known(`topic.${consultation[1]}`)) {
    return `${t(`topic.${consultation[1]}`)}・${t(`answer.${consultation[2]}`)}`;
  }
  for (const key of [LABEL_KEYS[field], `counter.${field}`, `outreach.${field}`,
    `field.${field}`]) {
    if (key && known(key)) return t(key);
  }
  return t('field.unknown');
}

// A rejected op as the outbox keeps it: {reason, field?, fault?, limit?}.
export function rejectionText(item) {
  const reason = known(`reason.${item?.reason}`) ? t(`reason.${item.reason}`) : t('error.unknown');
  if (!item?.field || !known(`fault.${item.fault}`)) return reason;
  return t(`fault.${item.fault}`, { field: fieldLabel(item.field), limit: item.limit ?? '' });
}

// An API error (`ApiError` of api.js): its code worded, and the fields at fault named.
export function apiErrorText(error) {
  const code = error?.code;
  const words = known(`error.${code}`) ? t(`error.${code}`)
    // A refused desk or conflict action carries an op rejection's reason as its code.
    : known(`reason.${code}`) ? t(`reason.${code}`) : t('error.unknown');
  // Only fields the user can recognise are named: an id in a request says nothing to them.
  const labels = Object.keys(error?.fields ?? {}).map(fieldLabel)
    .filter((label) => label !== t('field.unknown'));
  if (!labels.length) return words;
  return t('error.with_fields', { message: words, fields: [...new Set(labels)].join('、') });
}
