// Places the finder can measure "near" from, besides the site where a card is given: the
// family's area. The directory has no station data yet, so an area's position is the mean
// of the positions of its sites (the directory's areas carry no coordinates of their own).
// Pure: works on the directory the phone keeps, with no signal.

function located(site) {
  return Number.isFinite(site.latitude) && Number.isFinite(site.longitude);
}

// [{id: 'area:<id>', name, latitude, longitude}] for each area with at least one located
// site, by name. The id cannot collide with a site's, so rankSites drops no site for it.
export function areaPlaces(sites) {
  const byArea = new Map();
  for (const site of sites) {
    if (!site.area || !located(site)) continue;
    const key = String(site.area.id);
    const sum = byArea.get(key) ?? { name: site.area.name, latitude: 0, longitude: 0, n: 0 };
    sum.latitude += site.latitude;
    sum.longitude += site.longitude;
    sum.n += 1;
    byArea.set(key, sum);
  }
  return [...byArea].map(([id, sum]) => ({ id: `area:${id}`, name: sum.name,
    latitude: sum.latitude / sum.n, longitude: sum.longitude / sum.n }))
    .sort((a, b) => a.name.localeCompare(b.name, 'ja'));
}
