/**
 * The city: areas of interest (AOIs) of each land use, street addresses
 * inside them, and courier territories (a grid, 1-3 couriers per cell).
 */
import type { AoiType } from '../contract/dataset.ts';
import type { Rng } from './random.ts';
import type { Scenario } from './scenario.ts';

const M_PER_DEG_LAT = 111_320;

export interface Point {
  readonly lat: number;
  readonly lng: number;
}

export interface Aoi extends Point {
  readonly id: string;
  readonly type: AoiType;
  readonly name: string;
  readonly radiusM: number;
  readonly district: string;
  readonly town: string;
  /** Road the AOI's street numbers run along. */
  readonly road: string;
}

export interface Courier {
  readonly id: string;
  readonly territory: Territory;
  /** Share of this courier's pickups without a GPS fix (old handset, habits). */
  readonly gpsMissing: number;
  readonly gpsNoiseM: number;
}

export interface Territory {
  readonly id: string;
  readonly minLat: number;
  readonly minLng: number;
  readonly maxLat: number;
  readonly maxLng: number;
  readonly couriers: Courier[];
}

/** A street address: its text and where the logistics geocoder puts it. */
export interface Address {
  readonly text: string;
  /** Geocode as the logistics system knows it (not necessarily the building). */
  readonly lat: number;
  readonly lng: number;
  readonly aoi: Aoi;
}

/** Moves a point by metres north and east (flat-earth, fine at city scale). */
export function offsetM(p: Point, northM: number, eastM: number): Point {
  return {
    lat: p.lat + northM / M_PER_DEG_LAT,
    lng: p.lng + eastM / (M_PER_DEG_LAT * Math.cos((p.lat * Math.PI) / 180)),
  };
}

/** A point scattered around `p` with a normal error of `sigmaM` metres per axis. */
export function jitter(p: Point, sigmaM: number, rng: Rng): Point {
  return offsetM(p, rng.normal(0, sigmaM), rng.normal(0, sigmaM));
}

/** Approximate distance in metres (equirectangular; exact enough within a city). */
export function distanceM(a: Point, b: Point): number {
  const dy = (a.lat - b.lat) * M_PER_DEG_LAT;
  const dx = (a.lng - b.lng) * M_PER_DEG_LAT * Math.cos((a.lat * Math.PI) / 180);
  return Math.sqrt(dx * dx + dy * dy);
}

const VILLAGE_A = ['东', '西', '南', '北', '上', '下', '前', '后', '新', '沙', '溪', '塘', '洋', '埔', '渠', '清', '华', '七', '岭', '林', '坂', '湖'];
const VILLAGE_B = ['甲', '洪', '坂', '前', '磨', '境', '亭', '桥', '白', '头', '尾', '厝', '山', '井', '墩', '埕', '兜', '庄', '垞', '园', '店', '坑'];
const ESTATE_A = ['万达', '正荣', '阳光', '碧桂园', '联发', '建发', '海峡', '荔园', '凤凰', '绿地', '世纪', '金辉', '中骏', '保利', '融信', '天九湾', '东方', '书香', '锦绣', '滨江', '紫荆', '木兰', '壶兰', '玉湖'];
const ESTATE_B = ['花园', '小区', '华府', '家园', '名城', '公馆', '苑', '新村', '城', '佳园', '广场公寓', '御府'];
const ROADS = ['荔城中大道', '文献路', '梅园路', '学园路', '东园路', '胜利路', '八二一街', '城港大道', '天妃路', '荔华东大道', '拱辰路', '延寿路', '霞林路', '东圳路', '沟头路', '镇海路', '筱塘路', '九华路', '木兰大道', '迎宾路', '兴安路', '红星路', '龙德路', '北磨路', '新港大道', '黄石大道', '华林路', '紫霄路'];
const INDUSTRIAL = ['华林工业园', '黄石工业区', '新度工业园', '西天尾工业区', '涵江高新区', '北高工业园', '三江口工业区', '江口工业园', '华亭工业区', '城厢经济开发区', '秀屿木材加工区', '荔城鞋业园', '华东鞋业基地', '阔口工业区', '东峤工业区'];
const COMMERCIAL = ['步行街', '商业街', '广场', '购物中心', '商贸城', '市场', '鞋城', '服装城'];
const STATION = ['菜鸟驿站', '妈妈驿站', '兔喜生活', '快递超市', '邮政驿站', '京东快递站'];
const OTHER = ['公园', '学校', '医院', '体育馆', '汽车站', '农贸市场'];

/** The built city of a scenario. */
export class City {
  readonly aois: Aoi[] = [];
  readonly byType = new Map<AoiType, Aoi[]>();
  readonly territories: Territory[] = [];
  readonly couriers: Courier[] = [];
  private readonly minLat: number;
  private readonly minLng: number;
  private readonly cellLat: number;
  private readonly cellLng: number;

  constructor(
    readonly scenario: Scenario,
    rng: Rng,
  ) {
    const half = (scenario.extentKm * 1000) / 2;
    const sw = offsetM(scenario.center, -half, -half);
    const ne = offsetM(scenario.center, half, half);
    this.minLat = sw.lat;
    this.minLng = sw.lng;
    const g = scenario.territoryGrid;
    this.cellLat = (ne.lat - sw.lat) / g;
    this.cellLng = (ne.lng - sw.lng) / g;
    this.buildTerritories(rng.fork('territories'));
    this.buildAois(rng.fork('aois'));
  }

  private buildTerritories(rng: Rng): void {
    const g = this.scenario.territoryGrid;
    let courierNo = 0;
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        const t: Territory = {
          id: `R${3501 + i * g + j}`,
          minLat: this.minLat + i * this.cellLat,
          minLng: this.minLng + j * this.cellLng,
          maxLat: this.minLat + (i + 1) * this.cellLat,
          maxLng: this.minLng + (j + 1) * this.cellLng,
          couriers: [],
        };
        const n = rng.intIn(this.scenario.couriersPerTerritory);
        for (let k = 0; k < n; k++) {
          courierNo++;
          const c: Courier = {
            id: `C${(10_000 + courierNo * 37 + rng.int(0, 30)).toString()}`,
            territory: t,
            gpsMissing: rng.in(this.scenario.logistics.gpsMissing),
            gpsNoiseM: rng.in(this.scenario.logistics.gpsNoiseM),
          };
          t.couriers.push(c);
          this.couriers.push(c);
        }
        this.territories.push(t);
      }
    }
  }

  private buildAois(rng: Rng): void {
    const s = this.scenario;
    const used = new Set<string>();
    const unique = (make: () => string): string => {
      for (let tries = 0; tries < 50; tries++) {
        const name = make();
        if (!used.has(name)) {
          used.add(name);
          return name;
        }
      }
      const name = `${make()}${used.size}`;
      used.add(name);
      return name;
    };
    const half = (s.extentKm * 1000) / 2;
    const types = Object.keys(s.aoiCounts) as AoiType[];
    let no = 0;
    for (const type of types) {
      const list: Aoi[] = [];
      for (let k = 0; k < s.aoiCounts[type]; k++) {
        // Urban villages ring the old town; the rest spread evenly. A few tries keep AOIs from overlapping.
        let p: Point = s.center;
        for (let tries = 0; tries < 20; tries++) {
          p =
            type === 'urban_village' || type === 'industrial'
              ? offsetM(s.center, rng.normal(0, half * 0.5), rng.normal(0, half * 0.5))
              : offsetM(s.center, rng.range(-half * 0.9, half * 0.9), rng.range(-half * 0.9, half * 0.9));
          const clear = this.aois.every((a) => distanceM(a, p) > a.radiusM + 80);
          if (clear && Math.abs(p.lat - s.center.lat) * M_PER_DEG_LAT < half * 0.95) break;
        }
        const clamped = this.clamp(p);
        const col = Math.min(s.districts.length - 1, Math.floor(((clamped.lng - this.minLng) / (this.cellLng * s.territoryGrid)) * s.districts.length));
        const district = s.districts[col];
        const town = rng.pick(district.towns);
        const name = unique(() => this.aoiName(type, rng, town));
        no++;
        const aoi: Aoi = {
          id: `A${(100 + no).toString()}`,
          type,
          name,
          radiusM: rng.in(s.aoiRadiusM[type]),
          district: district.name,
          town,
          road: rng.pick(ROADS),
          lat: clamped.lat,
          lng: clamped.lng,
        };
        list.push(aoi);
        this.aois.push(aoi);
      }
      this.byType.set(type, list);
    }
  }

  private aoiName(type: AoiType, rng: Rng, town: string): string {
    switch (type) {
      case 'urban_village':
        return `${rng.pick(VILLAGE_A)}${rng.pick(VILLAGE_B)}村`;
      case 'residential':
        return `${rng.pick(ESTATE_A)}${rng.pick(ESTATE_B)}`;
      case 'industrial':
        return rng.pick(INDUSTRIAL);
      case 'commercial':
        return `${rng.pick(ESTATE_A)}${rng.pick(COMMERCIAL)}`;
      case 'parcel_station':
        return `${rng.pick(STATION)}(${town.replace(/街道|镇/, '')}${rng.int(1, 30)}号店)`;
      case 'other':
        return `${town.replace(/街道|镇/, '')}${rng.pick(OTHER)}`;
    }
  }

  private clamp(p: Point): Point {
    const g = this.scenario.territoryGrid;
    const eps = 1e-6;
    return {
      lat: Math.min(Math.max(p.lat, this.minLat + eps), this.minLat + g * this.cellLat - eps),
      lng: Math.min(Math.max(p.lng, this.minLng + eps), this.minLng + g * this.cellLng - eps),
    };
  }

  /** AOIs of one land use. */
  ofType(type: AoiType): Aoi[] {
    return this.byType.get(type) ?? [];
  }

  /** The courier territory a point falls in (points outside the grid go to the nearest cell). */
  territoryOf(p: Point): Territory {
    const g = this.scenario.territoryGrid;
    const i = Math.min(g - 1, Math.max(0, Math.floor((p.lat - this.minLat) / this.cellLat)));
    const j = Math.min(g - 1, Math.max(0, Math.floor((p.lng - this.minLng) / this.cellLng)));
    return this.territories[i * g + j];
  }

  /** The AOI of a type nearest to a point. */
  nearest(type: AoiType, p: Point): Aoi {
    let best = this.ofType(type)[0];
    let bestD = Infinity;
    for (const a of this.ofType(type)) {
      const d = distanceM(a, p);
      if (d < bestD) {
        bestD = d;
        best = a;
      }
    }
    return best;
  }

  /** A building somewhere inside an AOI. */
  pointIn(aoi: Aoi, rng: Rng): Point {
    const r = aoi.radiusM * Math.sqrt(rng.float());
    const th = rng.range(0, 2 * Math.PI);
    return offsetM(aoi, r * Math.sin(th), r * Math.cos(th));
  }

  /** A random point on a courier's beat (used for late scans, taken somewhere along the route). */
  pointInTerritory(t: Territory, rng: Rng): Point {
    return { lat: rng.range(t.minLat, t.maxLat), lng: rng.range(t.minLng, t.maxLng) };
  }

  /** Street address of a building: text plus the geocoder's (noisy) position. */
  addressOf(aoi: Aoi, building: Point, rng: Rng, houseNo = rng.int(1, 188)): Address {
    const geo = this.geocode(aoi, building, rng);
    return { text: this.addressText(aoi, houseNo, rng), lat: geo.lat, lng: geo.lng, aoi };
  }

  /**
   * Where the logistics geocoder puts a building's address: near the building,
   * or (where the scenario sets `geocodePrecision`) only on its street or at the
   * centroid of its AOI. Without that knob it draws exactly as it always did.
   */
  geocode(aoi: Aoi, building: Point, rng: Rng): Point {
    const log = this.scenario.logistics;
    const precision = log.geocodePrecision ? rng.weightedKey(log.geocodePrecision) : 'building';
    if (precision === 'street') return jitter(building, rng.in(log.streetErrorM ?? [40, 150]) / Math.SQRT2, rng);
    if (precision === 'village') return jitter(aoi, 10, rng);
    return jitter(building, rng.in(log.geocodeNoiseM) / Math.SQRT2, rng);
  }

  /**
   * An urban village's public courier point (a shop or gate where the village's
   * courier collects): fixed by the village's geometry, drawn from no stream.
   * It lies 60% of the radius from the centre, towards the city centre.
   */
  villagePoint(aoi: Aoi): Point {
    const c = this.scenario.center;
    const d = distanceM(aoi, c);
    if (d < 1) return offsetM(aoi, aoi.radiusM * 0.6, 0);
    const north = (c.lat - aoi.lat) * M_PER_DEG_LAT;
    const east = (c.lng - aoi.lng) * M_PER_DEG_LAT * Math.cos((aoi.lat * Math.PI) / 180);
    const k = (aoi.radiusM * 0.6) / d;
    return offsetM(aoi, north * k, east * k);
  }

  /** The address text of an AOI without a house number: a vague sender address. */
  vagueAddress(aoi: Aoi): Address {
    return { text: `${this.scenario.city}市${aoi.district}${aoi.town}${aoi.name}`, lat: aoi.lat, lng: aoi.lng, aoi };
  }

  /** Canonical address text for a house number in an AOI. */
  addressText(aoi: Aoi, houseNo: number, rng: Rng): string {
    const base = `${this.scenario.city}市${aoi.district}`;
    switch (aoi.type) {
      case 'urban_village':
        return `${base}${aoi.town}${aoi.name}${houseNo}号`;
      case 'residential':
        return `${base}${aoi.road}${rng.int(1, 999)}号${aoi.name}${rng.int(1, 30)}栋${rng.int(1, 33)}0${rng.int(1, 4)}室`;
      case 'industrial':
        return `${base}${aoi.town}${aoi.name}${aoi.road}${houseNo}号`;
      case 'commercial':
        return `${base}${aoi.road}${houseNo}号${aoi.name}${rng.int(1, 3)}层`;
      case 'parcel_station':
        return `${base}${aoi.road}${houseNo}号${aoi.name}`;
      case 'other':
        return `${base}${aoi.town}${aoi.road}${houseNo}号`;
    }
  }

  /** A plausible address anywhere in the city (fake sender addresses are drawn from these). */
  randomAddress(rng: Rng): Address {
    const aoi = rng.pick(this.aois.filter((a) => a.type !== 'parcel_station'));
    return this.addressOf(aoi, this.pointIn(aoi, rng), rng);
  }
}
