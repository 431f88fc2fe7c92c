// Hybrid logical clock readings, in the server's text form (sync/hlc.py):
// "<15-digit wall ms>:<6-digit counter>:<node>", whose text order is the clock order.

function parse(text) {
  if (!text) return null;
  const [wall, counter] = text.split(':');
  return { wall: Number(wall), counter: Number(counter) };
}

function format(wall, counter, node) {
  return `${String(wall).padStart(15, '0')}:${String(counter).padStart(6, '0')}:${node}`;
}

// The reading for a local change: after every reading this phone made or has seen.
export function tick(last, nowMs, node) {
  const previous = parse(last);
  if (!previous || nowMs > previous.wall) return format(nowMs, 0, node);
  return format(previous.wall, previous.counter + 1, node);
}

// The reading after hearing the server's clock, so later changes order after it.
export function observe(last, remote, nowMs, node) {
  const mine = parse(last) ?? { wall: 0, counter: 0 };
  const theirs = parse(remote) ?? { wall: 0, counter: 0 };
  const wall = Math.max(mine.wall, theirs.wall, nowMs);
  const counter = wall === nowMs && wall > mine.wall && wall > theirs.wall ? 0
    : Math.max(wall === mine.wall ? mine.counter : 0, wall === theirs.wall ? theirs.counter : 0);
  return format(wall, counter, node);
}
