/** Small helpers over JS collections that Node 20 lacks (`Map.groupBy` arrives in Node 21). */

/** Items grouped by key, in first-seen order of keys and input order within each group. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
