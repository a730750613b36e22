/**
 * Time in the world is kept as local wall-clock seconds: seconds since
 * 1970-01-01T00:00 of the scenario's zone, read as if it were UTC. The zone
 * has no daylight saving (Asia/Shanghai), so formatting is plain arithmetic,
 * which matters at a few hundred thousand timestamps a second.
 */

const PAD2: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/** Local seconds at midnight of a YYYY-MM-DD date. */
export function localMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

/** Formats local seconds as they appear in the data. */
export class TimeFormat {
  private readonly dates = new Map<number, string>();

  /** @param offset the zone's UTC offset as written in timestamps, e.g. `+08:00`. */
  constructor(readonly offset: string) {}

  /** YYYY-MM-DD of local seconds. */
  date(sec: number): string {
    const day = Math.floor(sec / 86_400);
    let s = this.dates.get(day);
    if (s === undefined) {
      s = new Date(day * 86_400_000).toISOString().slice(0, 10);
      this.dates.set(day, s);
    }
    return s;
  }

  /** ISO 8601 with offset (`2026-01-03T22:41:07+08:00`), or, when `bare`, the offset-less form with a space. */
  timestamp(sec: number, bare = false): string {
    const t = Math.floor(sec);
    const sod = t - Math.floor(t / 86_400) * 86_400;
    const h = Math.floor(sod / 3600);
    const m = Math.floor((sod - h * 3600) / 60);
    const clock = `${PAD2[h]}:${PAD2[m]}:${PAD2[sod - h * 3600 - m * 60]}`;
    return bare ? `${this.date(t)} ${clock}` : `${this.date(t)}T${clock}${this.offset}`;
  }
}

/** UTC offset of an IANA zone at a date, as `+08:00`. */
export function zoneOffset(timezone: string, date: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' }).formatToParts(new Date(`${date}T12:00:00Z`));
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+00:00';
  const m = /GMT([+-]\d{2}:\d{2})/.exec(name);
  return m ? m[1] : '+00:00';
}
