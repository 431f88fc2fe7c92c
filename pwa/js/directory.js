// The directory this phone keeps for use with no signal: the wards (with the ward
// office's desk), and the sites, programmes and the next four weeks of dated events of the
// user's wards. It is public data.
import { request } from './api.js';
import { getDirectory, putDirectory } from './db.js';
import { openDays } from './finder.js';
import { localDate } from './staging.js';

async function wardCodesOf(user) {
  if (user.ward_code) return [user.ward_code];
  const sites = await Promise.all(user.site_ids.slice(0, 20)
    .map((id) => request('GET', `/api/sites/${id}`)));
  return [...new Set(sites.map((site) => site.ward_code))];
}

// Fetches a fresh copy when online; with no signal, the copy kept last time.
export async function loadDirectory(user) {
  // With no signal, do not wait for requests that cannot succeed.
  if (!navigator.onLine) {
    const kept = await getDirectory();
    if (kept) return kept;
  }
  try {
    const codes = await wardCodesOf(user);
    const perWard = (path) => Promise.all(codes.map(
      (code) => request('GET', `/api/wards/${code}/${path}`))).then((lists) => lists.flat());
    const [wards, sites, programmes, events] = await Promise.all([
      request('GET', '/api/wards'), perWard('sites'), perWard('programmes'), perWard('events'),
    ]);
    const directory = { wards, sites, programmes, events, fetchedAt: Date.now() };
    await putDirectory(directory);
    return directory;
  } catch (error) {
    const kept = await getDirectory();
    if (kept) return kept;
    throw error;
  }
}

// The sites this user logs sessions for: their own, or their ward's for hub staff.
export function mySites(directory, user) {
  const own = new Set(user.site_ids.map(String));
  if (own.size) return directory.sites.filter((site) => own.has(String(site.id)));
  if (user.role === 'hub_staff' || user.role === 'admin') {
    return directory.sites.filter((site) => site.ward_code === user.ward_code);
  }
  return [];
}

function minutes(hhmm) {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

// The site whose session is on now, else one open today, else the first.
export function siteOnNow(sites, now = new Date()) {
  const current = now.getHours() * 60 + now.getMinutes();
  // Open today by its own days: a monthly salon is not open every Tuesday.
  const today = sites.filter((site) => openDays(site, localDate(now))[0] === localDate(now));
  const open = today.find((site) => site.opens_at && site.closes_at
    && minutes(site.opens_at) <= current && current <= minutes(site.closes_at));
  return open ?? today[0] ?? sites[0] ?? null;
}

export function wardOf(directory, site) {
  return directory.wards.find((ward) => ward.code === site?.ward_code) ?? null;
}
