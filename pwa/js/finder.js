// Finding a site that fits what a family wants (step 3 of the city's guide:
// 親子の希望に合った施設・会場を紹介する). Pure: no DOM, no storage, no network and no
// clock, so it works on the directory the phone keeps, with no signal.
//
// rankSites(sites, events, query, options) scores every site but the volunteer's own
// (options.fromSite) and lists them all, best first. A site's score is the sum of:
//
//   wish            +3 for each wished tag (query.wishes) found in site.tags.
//                      reason {code: 'wish', tag}, one per matched tag, in wish order.
//   age             +2 when the site serves the child's age (ageServed below).
//                      reason {code: 'age'}
//   age_not_served  -10 when it clearly does not, so it sinks to the bottom but is
//                      still listed. reason {code: 'age_not_served'}
//                      No age given (ageMonths null): no points either way.
//   open_on_day     +2 when the site really opens on at least one of query.weekdays
//                      (0 = Mon … 6 = Sun) in the coming eight weeks: one of its open
//                      days (openDays below) falls on it. reason {code: 'open_on_day',
//                      weekdays: [the shared days, ascending]}. No preferred days, or
//                      none shared: no points either way.
//   near            +2 × (1 − min(km, 5) / 5), rounded to 2 decimals, where km is the
//                      straight-line (haversine) distance from options.fromSite; so 0 km
//                      gives +2, 2.5 km +1, 5 km or more 0. reason {code: 'near', km}
//                      (km to 1 decimal), given only when the points are above 0.
//                      No fromSite, or either has no coordinates: 0.
//   programme_soon  +1, once per site, when the site has an event dated from today to
//                      today + soonDays (both included) whose target ages fit the child:
//                      no target ages at all fits anyone; otherwise the same range test
//                      as for sites (null bound = open), where pregnancy (negative
//                      ageMonths) fits only a target_age_min_months of -9. With no
//                      ageMonths every event fits. reason {code: 'programme_soon',
//                      programmeId, date, title} for the earliest such event.
//
// ageServed(site, ageMonths): null when ageMonths is null. Pregnancy (ageMonths < 0,
// normally -9) is served only when site.age_min_months is -9 or the site has the tag
// 'prenatal_ok'. Otherwise served when age_min_months ≤ ageMonths ≤ age_max_months,
// a null bound being open.
//
// The score is rounded to 2 decimals. Equal scores are ordered by site name
// (localeCompare 'ja'), then by id, so the order is total and the same every time.
// Reasons are listed in the order above.
//
// openDays(site, today): the days the site opens from today through the next
// OPEN_HORIZON_DAYS, ascending, as 'YYYY-MM-DD'. A site with an opening rule
// (site.open_rrule: 毎月第1火曜日, 隔週…) opens on the server's site.next_open_dates, the
// past ones dropped (the phone fetches the directory each time the app starts online, and
// the server lists eight weeks); a site without one opens every week on its
// open_weekdays, which never goes out of date.
//
// Each result is {site, score, reasons, km, nextOpenDates, nextEvents}: km is the
// distance to 1 decimal, or null; nextOpenDates the first 3 of openDays; nextEvents are
// the site's events dated today or later, sorted by date then start time (none first)
// then programme id, at most 3, each a copy of the event with needsBooking
// (booking_required) and capacity (null = no limit) so the UI can warn 「要予約」/「定員 N」.
//
// Event target ages: the server's events (EventSchema) do not carry them; they are read
// from the event's own target_age_min_months / target_age_max_months when present,
// else from options.programmes (the programme with the event's programme_id), else the
// event counts as having no target ages.

export const POINTS = Object.freeze({
  wish: 3, age: 2, ageNotServed: -10, openOnDay: 2, near: 2, programmeSoon: 1,
});
// As the server's opening.HORIZON_DAYS (a parity test holds them equal).
export const OPEN_HORIZON_DAYS = 56;
const NEAR_LIMIT_KM = 5;
const PRENATAL = -9;
const EARTH_RADIUS_KM = 6371.0088;

function round(value, decimals) {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function hasCoordinates(point) {
  return point != null && Number.isFinite(point.latitude) && Number.isFinite(point.longitude);
}

// Straight-line distance in km between two {latitude, longitude}; null if either lacks them.
export function haversineKm(a, b) {
  if (!hasCoordinates(a) || !hasCoordinates(b)) return null;
  const rad = (deg) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2
    + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

function withinRange(min, max, ageMonths) {
  return (!isNumber(min) || ageMonths >= min) && (!isNumber(max) || ageMonths <= max);
}

// true / false whether the site serves a child of ageMonths (negative = pregnancy);
// null when no age is given.
export function ageServed(site, ageMonths) {
  if (!isNumber(ageMonths)) return null;
  if (ageMonths < 0) {
    return site.age_min_months === PRENATAL || (site.tags ?? []).includes('prenatal_ok');
  }
  return withinRange(site.age_min_months, site.age_max_months, ageMonths);
}

function targetAgesOf(event, programmesById) {
  if (event.target_age_min_months !== undefined || event.target_age_max_months !== undefined) {
    return [event.target_age_min_months ?? null, event.target_age_max_months ?? null];
  }
  const programme = programmesById.get(String(event.programme_id));
  if (programme) {
    return [programme.target_age_min_months ?? null, programme.target_age_max_months ?? null];
  }
  return [null, null];
}

function eventFitsAge(event, ageMonths, programmesById) {
  if (!isNumber(ageMonths)) return true;
  const [min, max] = targetAgesOf(event, programmesById);
  if (!isNumber(min) && !isNumber(max)) return true;
  if (ageMonths < 0) return min === PRENATAL;
  return withinRange(min, max, ageMonths);
}

// Days since 1970-01-01 for a 'YYYY-MM-DD' text; null if it is not one.
function dayNumber(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text ?? ''));
  if (!match) return null;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86400000;
}

function isoDay(number) {
  return new Date(number * 86400000).toISOString().slice(0, 10);
}

// Monday = 0, as the directory counts; 1970-01-01 (day 0) was a Thursday.
function weekdayOf(number) {
  return (number + 3) % 7;
}

function openDayNumbers(site, today) {
  const last = today + OPEN_HORIZON_DAYS - 1;
  if (site.open_rrule) {
    return [...new Set((site.next_open_dates ?? []).map(dayNumber))]
      .filter((day) => day !== null && day >= today && day <= last).sort((a, b) => a - b);
  }
  const weekdays = new Set(site.open_weekdays ?? []);
  const days = [];
  for (let day = today; day <= last; day += 1) if (weekdays.has(weekdayOf(day))) days.push(day);
  return days;
}

export function openDays(site, today) {
  const from = dayNumber(today);
  if (from === null) throw new TypeError("openDays needs today as 'YYYY-MM-DD'");
  return openDayNumbers(site, from).map(isoDay);
}

function compareIds(a, b) {
  if (isNumber(a) && isNumber(b)) return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareEvents(a, b) {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  const x = a.starts_at ?? '';
  const y = b.starts_at ?? '';
  if (x !== y) return x < y ? -1 : 1;
  return compareIds(a.programme_id, b.programme_id);
}

function scoreSite(site, upcoming, query, context) {
  const reasons = [];
  let score = 0;
  const tags = new Set(site.tags ?? []);
  for (const tag of query.wishes) {
    if (tags.has(tag)) {
      score += POINTS.wish;
      reasons.push({ code: 'wish', tag });
    }
  }
  const served = ageServed(site, query.ageMonths);
  if (served === true) {
    score += POINTS.age;
    reasons.push({ code: 'age' });
  } else if (served === false) {
    score += POINTS.ageNotServed;
    reasons.push({ code: 'age_not_served' });
  }
  const openOn = openDayNumbers(site, context.today);
  const open = new Set(openOn.map(weekdayOf));
  const days = query.weekdays.filter((day) => open.has(day));
  if (days.length) {
    score += POINTS.openOnDay;
    reasons.push({ code: 'open_on_day', weekdays: days });
  }
  const km = context.fromSite ? haversineKm(context.fromSite, site) : null;
  if (km !== null) {
    const points = round(POINTS.near * (1 - Math.min(km, NEAR_LIMIT_KM) / NEAR_LIMIT_KM), 2);
    if (points > 0) {
      score += points;
      reasons.push({ code: 'near', km: round(km, 1) });
    }
  }
  const soon = upcoming.find((event) => dayNumber(event.date) <= context.lastSoonDay
    && eventFitsAge(event, query.ageMonths, context.programmesById));
  if (soon) {
    score += POINTS.programmeSoon;
    reasons.push({ code: 'programme_soon', programmeId: soon.programme_id, date: soon.date,
      title: soon.title });
  }
  return {
    site,
    score: round(score, 2),
    reasons,
    km: km === null ? null : round(km, 1),
    nextOpenDates: openOn.slice(0, 3).map(isoDay),
    nextEvents: upcoming.slice(0, 3).map((event) => ({
      ...event,
      needsBooking: Boolean(event.booking_required),
      capacity: isNumber(event.capacity) ? event.capacity : null,
    })),
  };
}

// Every site but options.fromSite as {site, score, reasons, km, nextOpenDates, nextEvents},
// best first.
// query = {wishes: [tag], ageMonths: number|null, weekdays: [0..6]};
// options = {fromSite: site|null, today: 'YYYY-MM-DD', soonDays: 14, programmes: [programme]}.
export function rankSites(sites, events, query = {}, options = {}) {
  const today = dayNumber(options.today);
  if (today === null) throw new TypeError("rankSites needs options.today as 'YYYY-MM-DD'");
  const soonDays = isNumber(options.soonDays) ? options.soonDays : 14;
  const normalised = {
    wishes: [...new Set(query.wishes ?? [])],
    ageMonths: isNumber(query.ageMonths) ? query.ageMonths : null,
    weekdays: [...new Set(query.weekdays ?? [])].sort((a, b) => a - b),
  };
  const fromSite = options.fromSite ?? null;
  const context = {
    today,
    fromSite,
    lastSoonDay: today + soonDays,
    programmesById: new Map((options.programmes ?? []).map((p) => [String(p.id), p])),
  };
  const upcomingBySite = new Map();
  for (const event of events ?? []) {
    const day = dayNumber(event.date);
    if (day === null || day < today) continue;
    const key = String(event.site_id);
    if (!upcomingBySite.has(key)) upcomingBySite.set(key, []);
    upcomingBySite.get(key).push(event);
  }
  for (const list of upcomingBySite.values()) list.sort(compareEvents);
  return (sites ?? [])
    .filter((site) => !fromSite || String(site.id) !== String(fromSite.id))
    .map((site) => scoreSite(site, upcomingBySite.get(String(site.id)) ?? [], normalised,
      context))
    .sort((a, b) => b.score - a.score
      || String(a.site.name ?? '').localeCompare(String(b.site.name ?? ''), 'ja')
      || compareIds(a.site.id, b.site.id));
}
