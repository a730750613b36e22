/**
 * DBSCAN (Ester et al. 1996) over planar points in metres, with a grid of
 * eps-sized cells as the neighbour index so a region query touches 9 cells.
 * turf's implementation was tried first: it took ~50 s on 40k points here,
 * too slow for a suite that runs it hundreds of times.
 */

/** Cluster label per point (0, 1, ...), or -1 for noise. Deterministic: points are visited in input order. */
export function dbscan(xs: ArrayLike<number>, ys: ArrayLike<number>, eps: number, minPoints: number): Int32Array {
  const n = xs.length;
  const key = (cx: number, cy: number) => `${cx},${cy}`;
  const grid = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = key(Math.floor(xs[i] / eps), Math.floor(ys[i] / eps));
    const bucket = grid.get(k);
    if (bucket) bucket.push(i);
    else grid.set(k, [i]);
  }
  const eps2 = eps * eps;
  const neighbours = (i: number): number[] => {
    const cx = Math.floor(xs[i] / eps);
    const cy = Math.floor(ys[i] / eps);
    const out: number[] = [];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of grid.get(key(cx + dx, cy + dy)) ?? []) {
          const ddx = xs[i] - xs[j];
          const ddy = ys[i] - ys[j];
          if (ddx * ddx + ddy * ddy <= eps2) out.push(j);
        }
      }
    }
    return out;
  };
  const UNSEEN = -2;
  const NOISE = -1;
  const labels = new Int32Array(n).fill(UNSEEN);
  let cluster = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== UNSEEN) continue;
    const seeds = neighbours(i);
    if (seeds.length < minPoints) {
      labels[i] = NOISE;
      continue;
    }
    // Points are labelled when queued, so each is expanded at most once.
    labels[i] = cluster;
    const queue: number[] = [];
    const claim = (j: number) => {
      if (labels[j] === UNSEEN) {
        labels[j] = cluster;
        queue.push(j);
      } else if (labels[j] === NOISE) {
        labels[j] = cluster; // a border point: reachable, but not dense enough to expand
      }
    };
    for (const j of seeds) claim(j);
    for (let q = 0; q < queue.length; q++) {
      const more = neighbours(queue[q]);
      if (more.length >= minPoints) for (const m of more) claim(m);
    }
    cluster++;
  }
  return labels;
}
