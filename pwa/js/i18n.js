// Japanese first; English when the user asks for it. The choice is remembered on this phone.
const MESSAGES = {
  ja: {
    'app.title': 'つなぐ',
    'signin.heading': 'サインイン',
    'signin.login': 'ログイン名',
    'signin.password': 'パスワード',
    'signin.submit': 'サインインする',
    'signin.pair_hint': '拠点のスタッフが見せる QR コードを読み取っても、サインインできます。',
    'signin.working': 'サインインしています…',
    'home.hello': 'こんにちは、',
    'home.signout': 'サインアウト',
    'home.signed_out': 'サインアウトしました。',
    'pair.working': 'この端末をつないでいます…',
    'pair.done': 'この端末でサインインしました。',
    'devices.heading': '端末の管理',
    'devices.pair_label': '新しい端末をつなぐ人',
    'devices.pair_submit': 'QR コードを表示する',
    'devices.pair_link': 'この端末で開くリンク',
    'devices.pair_caption': '{name} さんの端末で読み取ってください（{time} まで有効・1回だけ）',
    'devices.revoke': '利用停止',
    'devices.revoked': '停止済み',
    'devices.revoke_confirm': '{name} の「{device}」を利用停止にしますか？',
    'devices.last_seen': '最終利用',
    'devices.never': 'まだ使われていません',
    'role.volunteer': 'ボランティア',
    'role.site_staff': '施設スタッフ',
    'role.hub_staff': '拠点スタッフ',
    'role.ward_officer': '区の職員',
    'role.admin': '管理者',
    'lang.toggle': 'English',
    'error.offline': '電波がありません。つながったら、もう一度お試しください。',
  },
  en: {
    'app.title': 'Tsunagu',
    'signin.heading': 'Sign in',
    'signin.login': 'Login name',
    'signin.password': 'Password',
    'signin.submit': 'Sign in',
    'signin.pair_hint': 'You can also sign in by scanning the QR code that hub staff show you.',
    'signin.working': 'Signing in…',
    'home.hello': 'Hello, ',
    'home.signout': 'Sign out',
    'home.signed_out': 'You have signed out.',
    'pair.working': 'Connecting this phone…',
    'pair.done': 'This phone is now signed in.',
    'devices.heading': 'Devices',
    'devices.pair_label': 'Connect a new phone for',
    'devices.pair_submit': 'Show the QR code',
    'devices.pair_link': 'Link to open on the phone',
    'devices.pair_caption': 'Scan on {name}\'s phone (valid until {time}, once only)',
    'devices.revoke': 'Revoke',
    'devices.revoked': 'Revoked',
    'devices.revoke_confirm': 'Revoke "{device}" of {name}?',
    'devices.last_seen': 'Last used',
    'devices.never': 'Not used yet',
    'role.volunteer': 'Volunteer',
    'role.site_staff': 'Site staff',
    'role.hub_staff': 'Hub staff',
    'role.ward_officer': 'Ward officer',
    'role.admin': 'Administrator',
    'lang.toggle': '日本語',
    'error.offline': 'No signal. Please try again once you are connected.',
  },
};

const STORAGE_KEY = 'tsunagu.lang';

export function currentLang() {
  return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ja';
}

export function t(key, params = {}) {
  const text = MESSAGES[currentLang()][key] ?? MESSAGES.ja[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

// Server messages come as "日本語 / English"; show the half in the user's language.
export function pickLanguage(message) {
  const [ja, en] = String(message).split(' / ');
  return currentLang() === 'en' && en ? en : ja;
}

export function applyTranslations(root = document) {
  document.documentElement.lang = currentLang();
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  const toggle = document.getElementById('lang-toggle');
  if (toggle) {
    toggle.textContent = t('lang.toggle');
    toggle.lang = currentLang() === 'ja' ? 'en' : 'ja';
  }
}

export function toggleLanguage() {
  localStorage.setItem(STORAGE_KEY, currentLang() === 'ja' ? 'en' : 'ja');
  applyTranslations();
}
