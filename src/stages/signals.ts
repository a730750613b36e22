/**
 * The signals the analysis combines, each of which can be switched off
 * (`dragnet analyze --without price,door`, `dragnet evaluate --suite
 * --ablation`) to measure what it adds: the ablation table in docs/method.md.
 */
export const SIGNALS = {
  price: 'listing price against the genuine price',
  jargon: 'counterfeit jargon in titles',
  brand_spelling: 'brand names spelled with look-alike characters',
  imitation_lag: 'listed before or just after the official release',
  official_photo: "near-copies of a brand's official photo by unauthorised sellers",
  authorised: "rights holders' lists of authorised sellers",
  reports: 'test buys, platform verdicts, notices and complaints as evidence',
  learned_weights: 'listing weights adjusted by the labelled listings',
  networks: 'linking accounts into operations by shared identifiers',
  logistics: 'linking accounts by the handover points and sender phones they share, weighed by rarity',
  night: 'the hours parcels leave',
  door: 'the door most waybills name, when couriers collect away from it',
  handover_points: "placing a den between the handover points its accounts share, not at one of them",
  drop_origin: "placing a station drop at its den's address",
  outcomes: 'offline checks that confirmed a site or found nothing',
} as const;

export type Signal = keyof typeof SIGNALS;

/** Which signals are on for a run. */
export class Signals {
  private readonly off: ReadonlySet<Signal>;

  constructor(without: Iterable<Signal> = []) {
    this.off = new Set(without);
  }

  on(signal: Signal): boolean {
    return !this.off.has(signal);
  }

  /** The switched-off signals, sorted. */
  get without(): Signal[] {
    return [...this.off].sort();
  }

  /** Parses a comma-separated list of signal names; throws naming an unknown one. */
  static parse(list: string): Signals {
    const names = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const name of names) {
      if (!(name in SIGNALS)) throw new Error(`unknown signal '${name}' (known: ${Object.keys(SIGNALS).join(', ')})`);
    }
    return new Signals(names as Signal[]);
  }
}

export const ALL_SIGNALS = new Signals();
