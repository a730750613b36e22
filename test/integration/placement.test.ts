/**
 * Where a lead points, on small hand-built datasets with a known den: a den
 * whose courier meets it down the alley is placed at the address its
 * waybills give, not at the meeting point; a den that drops its parcels at a
 * busy public station is placed at its own address (written on its waybills,
 * geocoded by its accounts' return addresses), not at the station.
 */
import { describe, expect, it } from 'vitest';
import { analyze, type RunSummary } from '../../src/pipeline.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { haversineMeters } from '../../src/geo.ts';
import { tempDir, writeDataset } from '../helpers/db.ts';
import { Signals } from '../../src/stages/signals.ts';

const DEN = { lat: 25.44, lng: 119.01 };
/** Metres east/north of a point, as lat/lng. */
const offset = (p: { lat: number; lng: number }, east: number, north: number) => ({
  lat: p.lat + north / 110_574,
  lng: p.lng + east / (111_320 * Math.cos((p.lat * Math.PI) / 180)),
});

interface Shipper {
  id: string;
  den: boolean;
  /** Where the courier's GPS is at pickup (or, by parcel, at one of several points), and the pickup address geocode. */
  gps: { lat: number; lng: number } | ((k: number) => { lat: number; lng: number });
  address: (k: number) => { lat: number; lng: number };
  sender: (k: number) => string;
  returnAt?: { lat: number; lng: number; text: string };
  /** The area of interest the pickup address lies in (places.aoi_id). */
  aoi?: string;
}

function dataset(shippers: Shipper[]): string {
  const sellers = ['seller_id,bank_hash,phone_hash,return_address,return_lat,return_lng'];
  const listings = ['listing_id,seller_id,title,brand,category,price'];
  const shipments = ['waybill_id,seller_id,listing_id,order_time,amount,sender_address'];
  const pickups = ['waybill_id,courier_id,aoi_id,lng,lat,pickup_time,pickup_gps_time,pickup_gps_lng,pickup_gps_lat'];
  const places = ['aoi_id,aoi_type,name,lat,lng'];
  let w = 0;
  for (const s of shippers) {
    const r = s.returnAt;
    sellers.push(`${s.id},${s.den ? 'BANK-DEN' : `B-${s.id}`},P-${s.id},${r ? `${r.text},${r.lat},${r.lng}` : ',,'}`);
    listings.push(s.den ? `L-${s.id},${s.id},"N1KE 纯原 AJ1 莆田",Nike,shoes,99` : `L-${s.id},${s.id},Nike Air Max 官方正品,Nike,shoes,1299`);
    for (let day = 1; day <= 20; day++) {
      for (let k = 0; k < 4; k++) {
        const id = `WB${w++}`;
        const d = String(day).padStart(2, '0');
        const hour = s.den ? 23 : 14;
        const a = s.address(k + day);
        shipments.push(`${id},${s.id},L-${s.id},2026-03-${d}T10:00:00+08:00,${s.den ? 99 : 1299},${s.sender(k + day)}`);
        const t = `2026-03-${d} ${hour}:1${k}:00`;
        const jitter = ((k % 3) - 1) * 0.00002;
        const g = typeof s.gps === 'function' ? s.gps(k + day) : s.gps;
        pickups.push(`${id},C1,${s.aoi ?? ''},${a.lng.toFixed(6)},${a.lat.toFixed(6)},${t},${t},${(g.lng + jitter).toFixed(6)},${(g.lat - jitter).toFixed(6)}`);
      }
    }
  }
  places.push(`A1,urban_village,后坑村,${DEN.lat},${DEN.lng}`);
  return writeDataset({
    'sellers.csv': sellers.join('\n') + '\n',
    'listings.csv': listings.join('\n') + '\n',
    'shipments.csv': shipments.join('\n') + '\n',
    'pickups.csv': pickups.join('\n') + '\n',
    'places.csv': places.join('\n') + '\n',
  });
}

async function run(dir: string, signals?: Signals): Promise<RunSummary> {
  return analyze({ dataset: dir, out: tempDir(), dbPath: ':memory:', signals, progress: silentProgress });
}

const FAR = (k: number) => offset(DEN, 3000 + (k % 5) * 700, -2000 - (k % 3) * 900);
const honest = (n: number, at: (i: number) => { lat: number; lng: number }): Shipper[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `H${i}`,
    den: false,
    gps: at(i),
    address: () => at(i),
    sender: () => `莆田市城厢区凤凰山街道华林路${100 + i}号`,
  }));

describe('lead placement', () => {
  it('puts a den met down the alley at the address its waybills give, not at the meeting point', async () => {
    const meeting = offset(DEN, 110, 0);
    const den: Shipper[] = ['D1', 'D2', 'D3'].map((id) => ({
      id,
      den: true,
      gps: meeting,
      // Three waybills in four give the den's address; the rest give fakes across town.
      address: (k) => (k % 4 === 0 ? FAR(k) : DEN),
      sender: (k) => (k % 4 === 0 ? `莆田市涵江区某路${k}号` : '莆田市荔城区北高镇后坑村116号'),
    }));
    const dir = dataset([...den, ...honest(6, (i) => offset(DEN, -1500 - i * 300, 1200))]);
    const summary = await run(dir);
    const top = summary.leads[0];
    expect(top.seller_ids).toEqual(['D1', 'D2', 'D3']);
    expect(haversineMeters(top.lat, top.lng, DEN.lat, DEN.lng)).toBeLessThan(30);
    expect(haversineMeters(top.lat, top.lng, meeting.lat, meeting.lng)).toBeGreaterThan(80);
    expect(top.evidence.some((e) => e.includes('lead placed at that address'))).toBe(true);
    expect(summary.leads.filter((l) => l.seller_ids.includes('D1'))).toHaveLength(1);
    // Without the door, the lead stays where the courier stood.
    const blind = (await run(dir, new Signals(['door']))).leads[0];
    expect(haversineMeters(blind.lat, blind.lng, meeting.lat, meeting.lng)).toBeLessThan(20);
  });

  it('does not take a village centroid that every sender geocodes to for the den\'s door', async () => {
    // A coarse geocoder knows only the village: every address in it, the den's and its neighbours', lands on one point.
    const centroid = offset(DEN, -120, 60);
    const den: Shipper[] = ['D1', 'D2', 'D3'].map((id) => ({ id, den: true, gps: DEN, address: () => centroid, sender: () => '莆田市荔城区北高镇后坑村116号' }));
    const neighbours = honest(6, (i) => offset(DEN, 60 * (i - 3), -80)).map((h) => ({ ...h, address: () => centroid }));
    const top = (await run(dataset([...den, ...neighbours]))).leads[0];
    expect(top.seller_ids).toEqual(['D1', 'D2', 'D3']);
    expect(haversineMeters(top.lat, top.lng, DEN.lat, DEN.lng)).toBeLessThan(20);
  });

  it('puts a den that drops at a busy public station at its own address, not at the station', async () => {
    const station = offset(DEN, 700, 500);
    const text = '莆田市荔城区北高镇后坑村116号';
    const den: Shipper[] = ['D1', 'D2', 'D3'].map((id, i) => ({
      id,
      den: true,
      gps: station,
      address: () => station,
      // Variants of one address, as different accounts write it.
      sender: (k) => (k % 5 === 0 ? `莆田市某区某路${k}号` : ['福建省莆田市荔城区北高镇后坑村１１６号', '北高镇后坑村116号后门', '莆田荔城北高后坑村一百一十六号'][i]),
      returnAt: { ...offset(DEN, i * 5, 0), text },
    }));
    // Fifteen honest shops hand their parcels over at the same station by day.
    const dir = dataset([...den, ...honest(15, () => station)]);
    const summary = await run(dir);
    const lead = summary.leads.find((l) => l.seller_ids.includes('D1'))!;
    expect(lead.rank).toBe(1);
    expect(haversineMeters(lead.lat, lead.lng, DEN.lat, DEN.lng)).toBeLessThan(lead.radius_m);
    expect(haversineMeters(lead.lat, lead.lng, station.lat, station.lng)).toBeGreaterThan(600);
    expect(lead.evidence.some((e) => e.includes('public drop-off point') && e.includes('lead placed there'))).toBe(true);
    // Without following the den's address, the lead stays at the station with a wide radius.
    const blind = (await run(dir, new Signals(['drop_origin']))).leads.find((l) => l.seller_ids.includes('D1'))!;
    expect(haversineMeters(blind.lat, blind.lng, station.lat, station.lng)).toBeLessThan(30);
    expect(blind.radius_m).toBeGreaterThanOrEqual(600);
  });

  it("gives a den placed at its village's centroid the village's extent, read from couriers' fixes there, as its radius", async () => {
    const station = offset(DEN, 700, 500);
    // Its accounts write the village on every waybill, but no account's return address geocodes it.
    const den: Shipper[] = ['D1', 'D2', 'D3'].map((id) => ({ id, den: true, gps: station, address: () => station, sender: () => '莆田市荔城区北高镇后坑村116号' }));
    const atStation = honest(15, () => station);
    // Shops across the village, out to 450 m from its centroid, whose parcels couriers collect at their doors.
    const village = honest(8, (i) => offset(DEN, 450 * Math.cos(i), 450 * Math.sin(i))).map((h) => ({ ...h, id: `V${h.id}`, aoi: 'A1' }));
    const lead = (await run(dataset([...den, ...atStation, ...village]))).leads.find((l) => l.seller_ids.includes('D1'))!;
    expect(haversineMeters(lead.lat, lead.lng, DEN.lat, DEN.lng)).toBeLessThan(5);
    expect(lead.radius_m).toBeGreaterThanOrEqual(400);
    expect(lead.evidence.some((e) => e.includes('names 后坑村') && e.includes('couriers collect 90% of its parcels within'))).toBe(true);
    // With no fixes in the village, the place is taken to be 250 m across (before the widening every inferred radius gets).
    const bare = (await run(dataset([...den, ...atStation]))).leads.find((l) => l.seller_ids.includes('D1'))!;
    expect(bare.radius_m).toBeLessThan(lead.radius_m);
    expect(bare.evidence.some((e) => e.includes('couriers collect 90%'))).toBe(false);
  });

  it('puts a den whose couriers collect at two alley mouths between them, with a radius that covers it', async () => {
    // No account identifier shared, every sender address a fake across town: only the handover points say where the den is.
    const mouths = [offset(DEN, -150, 20), offset(DEN, 140, -30)];
    const den: Shipper[] = ['D1', 'D2', 'D3'].map((id) => ({
      id,
      den: true,
      gps: (k) => mouths[k % 2],
      address: (k) => FAR(k),
      sender: (k) => `莆田市涵江区某路${k}号`,
    }));
    const dir = dataset([...den, ...honest(6, (i) => offset(DEN, -1500 - i * 300, 1200))]);
    const summary = await run(dir);
    const leads = summary.leads.filter((l) => l.seller_ids.some((id) => id.startsWith('D')));
    expect(leads).toHaveLength(1);
    const [lead] = leads;
    const error = haversineMeters(lead.lat, lead.lng, DEN.lat, DEN.lng);
    expect(error).toBeLessThan(40);
    expect(error).toBeLessThanOrEqual(lead.radius_m);
    // Honest, not boundless: the den can only be where it reaches both mouths.
    expect(lead.radius_m).toBeLessThan(250);
    expect(lead.evidence.some((e) => e.startsWith('placement handover_points') && e.includes('2 handover points'))).toBe(true);
    // Without it, the leads sit at the mouths, one each, and miss the den by the length of the alley.
    const blind = (await run(dir, new Signals(['handover_points']))).leads.filter((l) => l.seller_ids.some((id) => id.startsWith('D')));
    expect(blind).toHaveLength(2);
    for (const l of blind) expect(haversineMeters(l.lat, l.lng, DEN.lat, DEN.lng)).toBeGreaterThan(120);
  });
});
