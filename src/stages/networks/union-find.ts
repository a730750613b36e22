/** Disjoint sets over string ids, with path halving and union by size. */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  add(id: string): void {
    if (!this.parent.has(id)) {
      this.parent.set(id, id);
      this.size.set(id, 1);
    }
  }

  find(id: string): string {
    this.add(id);
    let x = id;
    for (;;) {
      const p = this.parent.get(x)!;
      if (p === x) return x;
      const gp = this.parent.get(p)!;
      this.parent.set(x, gp);
      x = gp;
    }
  }

  union(a: string, b: string): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size.get(ra)! < this.size.get(rb)!) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, this.size.get(ra)! + this.size.get(rb)!);
  }

  /** Every id with its set's members, deterministic: sets and members sorted. */
  groups(): string[][] {
    const bySet = new Map<string, string[]>();
    for (const id of this.parent.keys()) {
      const r = this.find(id);
      if (!bySet.has(r)) bySet.set(r, []);
      bySet.get(r)!.push(id);
    }
    return [...bySet.values()].map((g) => g.sort()).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}
