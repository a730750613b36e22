/**
 * Named scenarios: the putian world with one thing stressed each, plus a
 * second city and a mix. They are parameter overrides only, so every
 * scenario shares the generator's code and differs where it says.
 */
import type { Crs } from '../contract/dataset.ts';
import { putian, type Scenario } from './scenario.ts';

export interface NamedScenario {
  readonly scenario: Scenario;
  /** Coordinate system the scenario's datasets are written in unless `--crs` says otherwise. */
  readonly crs: Crs;
}

type Den = Scenario['den'];

function variant(name: string, description: string, change: (s: Scenario) => Partial<Scenario>, crs: Crs = 'WGS84'): NamedScenario {
  return { scenario: { ...putian, ...change(putian), name, description }, crs };
}

const den = (s: Scenario, d: Partial<Den>): Den => ({ ...s.den, ...d });
const onlyMode = (mode: keyof Den['modeWeights']): Den['modeWeights'] => ({ doorstep: 0, alley: 0, station: 0, [mode]: 1 });

const quanzhou: Scenario = {
  ...putian,
  name: 'quanzhou',
  description: 'Quanzhou-Jinjiang (Fujian): a larger sportswear belt, more legitimate factories, fewer and larger operations',
  city: '泉州',
  center: { lat: 24.8, lng: 118.58 },
  extentKm: 16,
  districts: [
    { name: '丰泽区', towns: ['东海街道', '城东街道', '北峰街道'] },
    { name: '鲤城区', towns: ['开元街道', '海滨街道', '浮桥街道'] },
    { name: '晋江市', towns: ['陈埭镇', '池店镇', '青阳街道', '梅岭街道'] },
    { name: '石狮市', towns: ['灵秀镇', '宝盖镇', '蚶江镇'] },
  ],
  legitMix: { ...putian.legitMix, factory: putian.legitMix.factory * 2 },
  den: { ...putian.den, accountsPerOperation: [6, 20], nightShare: [0.6, 0.8] },
};

/**
 * A scenario whose parameters each seed draws afresh around `named`'s (see
 * randomise.ts): `randomised` for putian, `<name>-randomised` otherwise.
 */
export function randomisedVariant(named: NamedScenario): NamedScenario {
  const s = named.scenario;
  if (s.randomise) return named;
  const name = s.name === 'putian' ? 'randomised' : `${s.name}-randomised`;
  return { scenario: { ...s, name, randomise: true, description: `${s.description}, every mechanism's parameters drawn per seed` }, crs: named.crs };
}

export const SCENARIOS: Readonly<Record<string, NamedScenario>> = {
  putian: { scenario: putian, crs: 'WGS84' },
  doorstep: variant('doorstep', 'every den hands parcels over at its own door', (s) => ({ den: den(s, { modeWeights: onlyMode('doorstep') }) })),
  alley: variant('alley', 'every den meets couriers at alley meeting points 50-150 m away', (s) => ({
    den: den(s, { modeWeights: onlyMode('alley') }),
  })),
  station: variant('station', 'every den drops its parcels at a public parcel station', (s) => ({ den: den(s, { modeWeights: onlyMode('station') }) })),
  split: variant('split', 'most operations run two sites a few hundred metres apart', (s) => ({ den: den(s, { splitDenProb: 0.8 }) })),
  relocation: variant('relocation', 'most operations move after the festival', (s) => ({ den: den(s, { moveProb: 0.7, stopProb: 0.1 }) })),
  late_scans: variant('late_scans', 'a quarter of parcels are scanned late, away from the pickup point', (s) => ({
    logistics: { ...s.logistics, lateScan: 0.25 },
  })),
  disguised: variant('disguised', 'most operations price near outlet levels and spell brands plainly', (s) => ({
    den: den(s, { disguisedProb: 0.8, disguisedFraction: [0.3, 0.55], brandVariantProb: 0.1 }),
  })),
  small_dens: variant('small_dens', 'small operations: one to three accounts, low volume', (s) => ({
    den: den(s, { accountsPerOperation: [1, 3] }),
    kindVolume: { ...s.kindVolume, den_account: s.kindVolume.den_account / 3 },
  })),
  night_legit: variant('night_legit', 'heavy legitimate night traffic from livestream sellers', (s) => ({
    legitMix: { ...s.legitMix, livestream: s.legitMix.livestream * 5 },
  })),
  deterrence: variant(
    'deterrence',
    'more raids; after each, the other dens within 3 km react: some pause, some stop for good, some move; a few OEM factories supply a den',
    (s) => ({
      den: den(s, { stopProb: 0.45, raidShareOfStops: 0.9, moveProb: 0.15 }),
      deterrence: {
        radiusM: 3000,
        weights: { continued: 0.35, paused: 0.35, stopped: 0.15, moved: 0.15 },
        lagDays: [0, 2],
        pauseDays: [7, 21],
        moveGapDays: [4, 12],
      },
      denSuppliers: { accounts: [1, 3], premises: [1, 2] },
    }),
  ),
  gcj02: variant('gcj02', 'the putian world written in GCJ-02 coordinates', () => ({}), 'GCJ-02'),
  quanzhou: { scenario: quanzhou, crs: 'WGS84' },
  mixed: variant(
    'mixed',
    'several stresses at once: late scans, sparse GPS, disguised prices, relocations, GCJ-02',
    (s) => ({
      logistics: { ...s.logistics, lateScan: 0.12, gpsMissing: [0.3, 0.5] },
      den: den(s, { disguisedProb: 0.4, moveProb: 0.45 }),
    }),
    'GCJ-02',
  ),
  randomised: randomisedVariant({ scenario: putian, crs: 'WGS84' }),
};
