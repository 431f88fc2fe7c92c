// What a phone is called in the hub's list of devices, so hub staff can tell a person's two
// phones apart: the platform and model the browser tells, and the browser's name, e.g.
// 「Android（Pixel 7）・Chrome」. The user can rename it afterwards (settings).
//
// Chromium tells platform and model through User-Agent Client Hints (navigator.
// userAgentData), and sends only a frozen "Android 10; K" in the user-agent text; Safari
// and Firefox have no client hints, so their user-agent text is read instead.

export const MAX_LENGTH = 80; // the server's device.name column

const BRANDS = new Map([
  ['Google Chrome', 'Chrome'], ['Microsoft Edge', 'Edge'], ['Opera', 'Opera'],
  ['Samsung Internet', 'Samsung Internet'], ['Brave', 'Brave'], ['Vivaldi', 'Vivaldi'],
  ['Chromium', 'Chromium'],
]);

// The user-agent text's browser, most specific first: Edge and Opera also say "Chrome",
// and every browser on iOS says "Safari".
const BROWSERS = [
  [/EdgiOS\/|EdgA?\//, 'Edge'], [/OPR\/|OPT\//, 'Opera'], [/SamsungBrowser\//, 'Samsung Internet'],
  [/FxiOS\/|Firefox\//, 'Firefox'], [/CriOS\/|Chrome\//, 'Chrome'], [/Safari\//, 'Safari'],
];

// C0 and C1 control characters, which the server refuses in a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function clean(text) {
  // A model string comes from the phone's maker: no control characters, no runs of spaces.
  return String(text ?? '').replace(new RegExp(CONTROL.source, 'g'), ' ').replace(/\s+/g, ' ')
    .trim();
}

function compose(platform, model, browser) {
  const name = [platform && model ? `${platform}（${model}）` : platform || model, browser]
    .filter(Boolean).join('・');
  return clean(name).slice(0, MAX_LENGTH) || 'ブラウザ';
}

function browserOfBrands(brands) {
  // Every Chromium-based browser also names "Chromium" (and a made-up brand): the other
  // known brand wins, "Chromium" is left for Chromium itself. BRANDS lists it last.
  const names = new Set((brands ?? []).map((entry) => entry.brand));
  return [...BRANDS].find(([brand]) => names.has(brand))?.[1] ?? '';
}

function browserOfUserAgent(ua) {
  return BROWSERS.find(([pattern]) => pattern.test(ua))?.[1] ?? '';
}

function platformOfUserAgent(ua, touchPoints) {
  if (/iPhone/.test(ua)) return 'iPhone';
  // iPadOS' Safari says "Macintosh"; only an iPad has a touch screen with it.
  if (/iPad/.test(ua) || (/Macintosh/.test(ua) && touchPoints > 1)) return 'iPad';
  if (/Android/.test(ua)) return 'Android';
  if (/Windows/.test(ua)) return 'Windows';
  if (/Macintosh|Mac OS X/.test(ua)) return 'Mac';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Linux/.test(ua)) return 'Linux';
  return '';
}

function androidModel(ua) {
  // "Android 13; Pixel 7 Build/TQ3A" or "Android 13; SC-51C)". Some name no model: Chrome's
  // frozen "K", Firefox's "Mobile", a web view's "wv", an old browser's language ("ja-jp").
  const match = /Android[^;)]*;\s*([^;)]+?)(?:\s+Build\/[^;)]*)?[;)]/.exec(ua);
  const model = match ? clean(match[1]) : '';
  return /^(K|wv|Mobile|Tablet|rv:.*|[a-z]{2}(-[a-z]{2})?)$/i.test(model) ? '' : model;
}

// A typed name, trimmed, or null where the server would refuse it (empty, longer than
// MAX_LENGTH, or with a control character), so the screen can say so in its own words.
export function validDeviceName(text) {
  const name = String(text ?? '').trim();
  const length = [...name].length; // code points, as the server counts
  return length > 0 && length <= MAX_LENGTH && !CONTROL.test(name) ? name : null;
}

// The name from the user-agent text alone.
export function nameFromUserAgent(ua, touchPoints = 0) {
  const platform = platformOfUserAgent(ua, touchPoints);
  const browser = browserOfUserAgent(ua);
  return compose(platform, platform === 'Android' ? androidModel(ua) : '', browser);
}

// The name from the browser's client hints where it gives them, else from its user-agent text.
export async function deviceName(nav = globalThis.navigator) {
  const fallback = nameFromUserAgent(nav?.userAgent ?? '', nav?.maxTouchPoints ?? 0);
  const hints = nav?.userAgentData;
  if (!hints?.getHighEntropyValues) return fallback;
  try {
    const values = await hints.getHighEntropyValues(['platform', 'model', 'platformVersion']);
    const platform = clean(values.platform || hints.platform);
    if (!platform) return fallback;
    const browser = browserOfBrands(values.brands ?? hints.brands)
      || browserOfUserAgent(nav.userAgent ?? '');
    return compose(platform === 'macOS' ? 'Mac' : platform, clean(values.model), browser);
  } catch {
    return fallback; // a browser may refuse the hints; the user-agent text still says enough
  }
}
