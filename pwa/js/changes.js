// Folding a later change into a waiting op, field by field, by the shape of the change.
// Counters and registers carry the new value, so the later one replaces the earlier; a
// set change is {add, remove}, and the later wish about an element is the one that counts.

function isSetChange(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function foldSet(earlier, later) {
  const add = new Set(earlier.add ?? []);
  const remove = new Set(earlier.remove ?? []);
  for (const element of later.add ?? []) { add.add(element); remove.delete(element); }
  for (const element of later.remove ?? []) { remove.add(element); add.delete(element); }
  return { add: [...add], remove: [...remove] };
}

export function mergeChanges(earlier, later) {
  const merged = { ...earlier };
  for (const [field, value] of Object.entries(later)) {
    merged[field] = isSetChange(value) && isSetChange(merged[field])
      ? foldSet(merged[field], value) : value;
  }
  return merged;
}
