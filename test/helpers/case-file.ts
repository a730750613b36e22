/**
 * A realistic case file for the export tests: a night-shipping sneaker site
 * in a village near Putian, four linked shop accounts with Chinese names,
 * two shared identifiers, a month of parcels, the site followed across three
 * runs, and a case taken from `new` to `referred`. Deterministic: no clock,
 * no randomness.
 */
import { createHash } from 'node:crypto';
import type { CaseFile, LeadDetail } from '../../src/workspace/types.ts';

export const SAMPLE_ADDRESS = '福建省莆田市荔城区黄石镇沙堤村';
export const SAMPLE_LEAD_ID = 'L-7f3a92c1';

const LAT = 25.43218;
const LNG = 119.00473;

/** 30 days of parcels, weekends busier, two quiet days left out as the run's database leaves them out. */
function parcelsByDay(): LeadDetail['parcels_by_day'] {
  const days: LeadDetail['parcels_by_day'] = [];
  for (let i = 0; i < 30; i++) {
    const date = new Date(Date.UTC(2026, 0, 6 + i)).toISOString().slice(0, 10);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const parcels = Math.round(52 + 18 * Math.sin(i / 3.1) + (weekday === 0 || weekday === 6 ? 21 : 0) + i * 0.8);
    if (i === 17 || i === 18) continue;
    days.push({ date, parcels });
  }
  return days;
}

/** Hour bins weighted to the night: the site packs and hands over after dark. */
const BY_HOUR = [162, 171, 150, 118, 74, 33, 9, 4, 5, 8, 11, 14, 16, 12, 10, 13, 17, 22, 31, 47, 72, 108, 149, 168];

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

const detail: LeadDetail = {
  parcels_by_day: parcelsByDay(),
  parcels_by_hour: BY_HOUR,
  handover_points: [
    { lat: 25.43231, lng: 119.00491, parcels: 684 },
    { lat: 25.43172, lng: 119.00402, parcels: 411 },
    { lat: 25.43295, lng: 119.00538, parcels: 298 },
    { lat: 25.43141, lng: 119.00566, parcels: 201 },
    { lat: 25.43322, lng: 119.00371, parcels: 146 },
    { lat: 25.43109, lng: 119.00455, parcels: 94 },
  ],
  accounts: [
    { seller_id: 's-10231', shop_name: '莆田鞋业旗舰店', score: 0.94, network_id: 'N-04', parcels: 712 },
    { seller_id: 's-10488', shop_name: '潮流运动, "正品" 折扣店', score: 0.88, network_id: 'N-04', parcels: 518 },
    { seller_id: 's-11902', shop_name: 'Sneaker Hub 黄石', score: 0.81, network_id: 'N-04', parcels: 402 },
    { seller_id: 's-12077', shop_name: '鞋匠工厂直营店', score: 0.67, network_id: 'N-09', parcels: 202 },
  ],
  identifiers: [
    { kind: 'sender_phone_hash', value: hash('+86 138 0594 1120'), seller_ids: ['s-10231', 's-10488', 's-11902'] },
    { kind: 'device_id', value: 'd-77310', seller_ids: ['s-10488', 's-12077'] },
  ],
  listings: [
    { listing_id: 'li-880121', seller_id: 's-10231', title: '耐克 Air Jordan 1 高帮 复古篮球鞋 男款 芝加哥配色', brand: 'Nike', category: 'shoes', price: 268, msrp: 1299, price_ratio: 0.206, score: 0.93 },
    { listing_id: 'li-880455', seller_id: 's-10231', title: '阿迪达斯 Yeezy 350 V2 椰子鞋 透气跑步鞋', brand: 'Adidas', category: 'shoes', price: 399, msrp: 1899, price_ratio: 0.21, score: 0.9 },
    { listing_id: 'li-881020', seller_id: 's-10488', title: 'Nike Dunk Low 熊猫 黑白 板鞋 情侣款', brand: 'Nike', category: 'shoes', price: 219, msrp: 799, price_ratio: 0.274, score: 0.86 },
    { listing_id: 'li-881377', seller_id: 's-11902', title: 'AJ4 白水泥 公司级 莆田纯原', brand: 'Nike', category: 'shoes', price: 355, msrp: 1499, price_ratio: 0.237, score: 0.91 },
    { listing_id: 'li-882004', seller_id: 's-12077', title: '运动休闲鞋 百搭 厚底 老爹鞋', brand: null, category: 'shoes', price: 89, msrp: null, price_ratio: null, score: 0.41 },
  ],
};

export function sampleCaseFile(overrides: Partial<CaseFile> = {}): CaseFile {
  const file: CaseFile = {
    generated_at: '2026-02-10T03:15:00.000Z',
    generated_by: { name: 'Chen Jing', role: 'supervisor' },
    timezone: 'Asia/Shanghai',
    currency: 'CNY',
    case: {
      case_id: 42,
      title: '黄石镇沙堤村 运动鞋仓库 (Nike, Adidas)',
      state: 'referred',
      created_at: '2026-02-05T01:20:00.000Z',
      categories: ['shoes'],
      brands: ['Nike', 'Adidas'],
      partner: { partner_id: 'P-FJ-PT', name: '莆田市公安局 经侦支队' },
      outcome: null,
    },
    lead: {
      run_id: 3,
      lead_id: SAMPLE_LEAD_ID,
      rank: 2,
      score: 0.912,
      lat: LAT,
      lng: LNG,
      radius_m: 180,
      seller_ids: detail.accounts.map((a) => a.seller_id),
      network_ids: ['N-04', 'N-09'],
      waybills: 1834,
      night_share: 0.71,
      first_seen: '2026-01-06T14:41:12.000Z',
      last_seen: '2026-02-04T19:02:45.000Z',
      status: 'active',
      successor_lead_id: null,
      brands: ['Nike', 'Adidas'],
      categories: ['shoes'],
      est_value: 412380.5,
      evidence: [
        '71% of 1,834 parcels picked up 22:00-06:00',
        '4 high-risk shop accounts in 2 networks, 3 sharing a waybill sender phone',
        'median price 22% of MSRP across 4 listings',
        `pickups concentrated within 120 m in ${SAMPLE_ADDRESS} (village), 2 couriers`,
        'the same operation moved here from lead L-5e19ab77, 410 m south-west, in January',
      ],
    },
    site_history: [
      { run_id: 1, run_label: 'Dec 2025 run', lead_id: 'L-2c81d0e4', lat: 25.42912, lng: 119.00121, radius_m: 260, score: 0.74, status: 'moved', successor_lead_id: 'L-5e19ab77', last_seen: '2025-12-19T17:40:00.000Z' },
      { run_id: 2, run_label: 'Jan 2026 run', lead_id: 'L-5e19ab77', lat: 25.43071, lng: 119.00308, radius_m: 210, score: 0.83, status: 'moved', successor_lead_id: SAMPLE_LEAD_ID, last_seen: '2026-01-09T16:05:00.000Z' },
      { run_id: 3, run_label: 'Feb 2026 run', lead_id: SAMPLE_LEAD_ID, lat: LAT, lng: LNG, radius_m: 180, score: 0.912, status: 'active', successor_lead_id: null, last_seen: '2026-02-04T19:02:45.000Z' },
    ],
    detail: structuredClone(detail),
    transitions: [
      { at: '2026-02-05T01:20:00.000Z', user: 'Li Wei', role: 'analyst', from: null, to: 'new', comment: 'Opened from the February run, rank 2.' },
      { at: '2026-02-05T02:02:00.000Z', user: 'Li Wei', role: 'analyst', from: 'new', to: 'analysing', comment: 'Night pickups and shared sender phone; checking listings.' },
      { at: '2026-02-06T07:45:00.000Z', user: 'Li Wei', role: 'analyst', from: 'analysing', to: 'offline_check', comment: '请当地核实沙堤村仓库位置 (ask local team to verify the warehouse).' },
      { at: '2026-02-08T09:10:00.000Z', user: 'Chen Jing', role: 'supervisor', from: 'offline_check', to: 'referral_proposed', comment: 'Test buy from s-10231 confirmed counterfeit.' },
      { at: '2026-02-09T06:30:00.000Z', user: 'Huang Min', role: 'police_liaison', from: 'referral_proposed', to: 'referred', comment: 'Referred to 莆田市公安局 经侦支队.' },
    ],
    custody: [],
    ...overrides,
  };
  if (!overrides.custody) {
    const actions: [string, string, CaseFile['custody'][number]['role'], string][] = [
      ['2026-02-05T01:20:00.000Z', 'Li Wei', 'analyst', 'case.create'],
      ['2026-02-05T02:02:00.000Z', 'Li Wei', 'analyst', 'case.transition'],
      ['2026-02-06T07:45:00.000Z', 'Li Wei', 'analyst', 'case.transition'],
      ['2026-02-07T03:12:00.000Z', 'Wang Fang', 'rights_holder', 'case.view'],
      ['2026-02-08T09:10:00.000Z', 'Chen Jing', 'supervisor', 'case.transition'],
      ['2026-02-09T06:30:00.000Z', 'Huang Min', 'police_liaison', 'case.transition'],
      ['2026-02-10T03:15:00.000Z', 'Chen Jing', 'supervisor', 'case.export'],
    ];
    let prev = '0'.repeat(64);
    file.custody = actions.map(([at, user, role, action], i) => {
      prev = hash(`${prev}|${i + 101}|${at}|${user}|${action}`);
      return { seq: i + 101, at, user, role, action, ip: '10.8.0.14', hash: prev };
    });
  }
  return file;
}
