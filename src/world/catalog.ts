/**
 * The rights holders' catalog: brands, their genuine products with MSRP,
 * release date and official image hash, and the names people use for the
 * brand (transliterations and misspellings that counterfeit listings use).
 */
import type { Category } from '../contract/dataset.ts';
import type { Rng } from './random.ts';

export interface BrandLine {
  readonly category: Category;
  readonly models: readonly string[];
  readonly msrp: readonly [number, number];
  /** What the product is called in a title (男鞋, 奶粉, 火花塞). */
  readonly noun: string;
}

export interface Brand {
  readonly name: string;
  /** Chinese name as written by the brand itself. */
  readonly cn: string;
  /** Names in the street: transliterations, abbreviations, misspellings. */
  readonly variants: readonly string[];
  readonly lines: readonly BrandLine[];
  /** Accessories third parties sell "for" this brand (laces, filters). */
  readonly accessories: readonly string[];
  /** Relative weight of the brand among counterfeiters (Putian: shoes first). */
  readonly fakeWeight: number;
}

export interface Product {
  readonly id: string;
  readonly brand: Brand;
  readonly model: string;
  readonly title: string;
  readonly category: Category;
  readonly noun: string;
  readonly msrp: number;
  readonly releaseDate: string;
  /** Release as epoch seconds, and whether it is a recent release (copies of which appear around its launch). */
  readonly releasedAt: number;
  readonly fresh: boolean;
  readonly phash: string;
  /** Filled in once sellers exist: the brand's authorised stores. */
  authorizedSellers: string[];
}

export const BRANDS: readonly Brand[] = [
  {
    name: 'Nike',
    cn: '耐克',
    variants: ['耐克', 'NIKE', 'nike', 'N1KE', 'Nlke', 'AJ', '乔丹', '勾子', '耐剋'],
    lines: [
      { category: 'shoes', noun: '运动鞋', msrp: [699, 1699], models: ['Air Jordan 1 High OG', 'Air Jordan 4 Retro', 'Air Force 1 07', 'Dunk Low Retro', 'Air Max 90', 'Air Max 97', 'Pegasus 41', 'Blazer Mid 77', 'Cortez'] },
      { category: 'clothing', noun: '卫衣', msrp: [399, 999], models: ['Tech Fleece 连帽衫', 'Sportswear Club 卫衣', 'Windrunner 夹克'] },
    ],
    accessories: ['鞋带', '鞋撑', '鞋盒', '清洁剂'],
    fakeWeight: 10,
  },
  {
    name: 'Adidas',
    cn: '阿迪达斯',
    variants: ['阿迪', '阿迪达斯', 'ADIDAS', 'adldas', 'adi', '三叶草', '椰子', 'Adibas'],
    lines: [
      { category: 'shoes', noun: '板鞋', msrp: [699, 1899], models: ['Yeezy Boost 350 V2', 'Samba OG', 'Superstar', 'Ultraboost 22', 'Stan Smith', 'Gazelle', 'Forum Low'] },
      { category: 'clothing', noun: '外套', msrp: [399, 899], models: ['三叶草 运动夹克', 'Firebird 运动裤'] },
    ],
    accessories: ['鞋带', '鞋垫'],
    fakeWeight: 7,
  },
  {
    name: 'New Balance',
    cn: '新百伦',
    variants: ['新百伦', 'NB', 'nb', 'N家', 'NewBalance', '新白伦'],
    lines: [{ category: 'shoes', noun: '跑鞋', msrp: [699, 1999], models: ['550', '990v6', '2002R', '327', '574', '9060', '1906R'] }],
    accessories: ['鞋带'],
    fakeWeight: 5,
  },
  {
    name: 'Anta',
    cn: '安踏',
    variants: ['安踏', 'ANTA', 'anta'],
    lines: [{ category: 'shoes', noun: '篮球鞋', msrp: [399, 899], models: ['KT8', 'C202 GT', '水花3', '狂潮5'] }],
    accessories: ['鞋垫'],
    fakeWeight: 1.5,
  },
  {
    name: 'Li-Ning',
    cn: '李宁',
    variants: ['李宁', 'LINING', 'LI-NING', 'Li Ning', '李寧'],
    lines: [
      { category: 'shoes', noun: '跑鞋', msrp: [499, 1299], models: ['韦德之道10', '超轻21', '䨻 飞电3', '赤兔6'] },
      { category: 'clothing', noun: '卫衣', msrp: [299, 599], models: ['中国李宁 卫衣', '运动套装'] },
    ],
    accessories: ['鞋垫'],
    fakeWeight: 1.5,
  },
  {
    name: 'Puma',
    cn: '彪马',
    variants: ['彪马', 'PUMA', 'puma', 'PUMMA'],
    lines: [{ category: 'shoes', noun: '休闲鞋', msrp: [499, 999], models: ['Suede Classic', 'Palermo', 'RS-X', 'Speedcat'] }],
    accessories: ['鞋带'],
    fakeWeight: 1.5,
  },
  {
    name: 'The North Face',
    cn: '北面',
    variants: ['北面', 'TNF', 'the north face', '北脸'],
    lines: [{ category: 'clothing', noun: '羽绒服', msrp: [1599, 3599], models: ['1996 Nuptse 羽绒服', 'Himalayan 羽绒服', '冲锋衣'] }],
    accessories: [],
    fakeWeight: 2,
  },
  {
    name: 'Canada Goose',
    cn: '加拿大鹅',
    variants: ['加拿大鹅', '大鹅', 'CG', 'canada goose'],
    lines: [{ category: 'clothing', noun: '羽绒服', msrp: [6500, 12800], models: ['Expedition 派克大衣', 'Chilliwack 夹克', 'Langford 派克'] }],
    accessories: [],
    fakeWeight: 1,
  },
  {
    name: 'Feihe',
    cn: '飞鹤',
    variants: ['飞鹤', 'FEIHE', '飞鹤星飞帆'],
    lines: [{ category: 'mother_baby', noun: '奶粉', msrp: [268, 458], models: ['星飞帆 1段 700g', '星飞帆 2段 700g', '星飞帆 3段 700g', '臻稚 卓蓓 3段'] }],
    accessories: ['奶粉盒', '奶粉勺'],
    fakeWeight: 0.8,
  },
  {
    name: 'a2',
    cn: 'a2',
    variants: ['a2', 'A2', '澳洲a2', 'a2至初'],
    lines: [{ category: 'mother_baby', noun: '奶粉', msrp: [288, 428], models: ['至初 1段 900g', '至初 2段 900g', '至初 3段 900g'] }],
    accessories: [],
    fakeWeight: 0.6,
  },
  {
    name: 'Aptamil',
    cn: '爱他美',
    variants: ['爱他美', 'Aptamil', 'aptamil', '德爱'],
    lines: [{ category: 'mother_baby', noun: '奶粉', msrp: [238, 468], models: ['卓萃 1段 900g', '卓萃 2段 900g', '白金版 3段 800g'] }],
    accessories: [],
    fakeWeight: 0.6,
  },
  {
    name: 'Swisse',
    cn: '斯维诗',
    variants: ['斯维诗', 'swisse', 'SWISSE'],
    lines: [{ category: 'food_drug', noun: '保健品', msrp: [139, 329], models: ['奶蓟草护肝片', '钙+维生素D', '胶原蛋白液'] }],
    accessories: [],
    fakeWeight: 0.4,
  },
  {
    name: 'Bosch',
    cn: '博世',
    variants: ['博世', 'BOSCH', 'Bosh', 'bosch'],
    lines: [{ category: 'auto_parts', noun: '配件', msrp: [68, 698], models: ['雨刮器 风翼', '刹车片 前轮', '机油滤清器', '空调滤芯', '铱金火花塞'] }],
    accessories: ['雨刮接头'],
    fakeWeight: 0.6,
  },
  {
    name: 'NGK',
    cn: 'NGK',
    variants: ['NGK', 'ngk', '日本特殊陶业', 'N G K'],
    lines: [{ category: 'auto_parts', noun: '火花塞', msrp: [58, 198], models: ['铱金火花塞 ILZKR7B11', '铂金火花塞 BKR6EIX', '镍合金火花塞'] }],
    accessories: [],
    fakeWeight: 0.5,
  },
  {
    name: 'Midea',
    cn: '美的',
    variants: ['美的', 'Midea', 'midea'],
    lines: [{ category: 'appliances', noun: '家电', msrp: [199, 3999], models: ['电饭煲 MB-FB40', '空气炸锅 KZ50', '电风扇', '挂烫机'] }],
    accessories: ['滤网'],
    fakeWeight: 0.2,
  },
  {
    name: 'Gree',
    cn: '格力',
    variants: ['格力', 'GREE', 'gree'],
    lines: [{ category: 'appliances', noun: '家电', msrp: [199, 4999], models: ['取暖器', '加湿器', '电风扇 FD-40'] }],
    accessories: ['遥控器'],
    fakeWeight: 0.2,
  },
  {
    name: 'Dyson',
    cn: '戴森',
    variants: ['戴森', 'DYSON', 'dyson', '戴深', 'dysen'],
    lines: [{ category: 'appliances', noun: '电器', msrp: [2990, 5490], models: ['Supersonic 吹风机 HD15', 'Airwrap 美发造型器', 'V12 吸尘器', 'V15 Detect 吸尘器'] }],
    accessories: ['滤网', '吸头', '风嘴', '收纳架'],
    fakeWeight: 1,
  },
  {
    name: 'Samsonite',
    cn: '新秀丽',
    variants: ['新秀丽', 'SAMSONITE', 'sams0nite', '三星箱'],
    lines: [{ category: 'luggage', noun: '拉杆箱', msrp: [1299, 4599], models: ['Cosmolite 20寸', 'Proxis 25寸', 'Octolite 28寸'] }],
    accessories: ['箱套', '密码锁'],
    fakeWeight: 0.6,
  },
  {
    name: 'Rimowa',
    cn: '日默瓦',
    variants: ['日默瓦', 'RIMOWA', 'rimowa', '日默娃'],
    lines: [{ category: 'luggage', noun: '行李箱', msrp: [6500, 13900], models: ['Essential 登机箱', 'Original Cabin', 'Classic Check-In M'] }],
    accessories: ['箱套'],
    fakeWeight: 0.4,
  },
];

const COLORS = ['黑白', '纯白', '熊猫', '大学蓝', '芝加哥', '黑色', '灰色', '摩卡', '燕麦', '海军蓝', '红色', '绿色'];

/** A random 64-bit perceptual hash, 16 hex digits. */
export function randomPhash(rng: Rng): string {
  return rng.hex(16);
}

/** Flips `bits` distinct random bits of a 64-bit hex hash (a photo of the same image, re-encoded or cropped). */
export function flipBits(phash: string, bits: number, rng: Rng): string {
  if (bits <= 0) return phash;
  const digits = phash.split('').map((h) => parseInt(h, 16));
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(rng.int(0, 63));
  for (const b of chosen) digits[b >> 2] ^= 1 << (b & 3);
  return digits.map((d) => d.toString(16)).join('');
}

export interface Catalog {
  readonly brands: readonly Brand[];
  readonly products: Product[];
  readonly byBrand: Map<string, Product[]>;
}

/** Share of products released in the months before the period: the drops counterfeiters copy at once. */
const FRESH_SHARE = 0.25;

/** Builds the catalog: 1-3 colourways of each model, MSRP in the line's range, released over the last three years. */
export function buildCatalog(startDate: string, rng: Rng): Catalog {
  const products: Product[] = [];
  const byBrand = new Map<string, Product[]>();
  const start = Date.parse(`${startDate}T00:00:00Z`);
  let no = 0;
  for (const brand of BRANDS) {
    const list: Product[] = [];
    for (const line of brand.lines) {
      for (const model of line.models) {
        const base = Math.round(rng.in(line.msrp) / 10) * 10 - 1;
        const colours = line.category === 'shoes' || line.category === 'clothing' ? rng.int(1, 3) : 1;
        for (let c = 0; c < colours; c++) {
          no++;
          const colour = colours > 1 ? ` ${rng.pick(COLORS)}` : '';
          const fresh = rng.chance(FRESH_SHARE);
          const releasedMs = start - (fresh ? rng.int(5, 120) : rng.int(20, 1100)) * 86_400_000;
          const released = new Date(releasedMs).toISOString().slice(0, 10);
          const p: Product = {
            id: `P${(20_000 + no * 13).toString()}`,
            brand,
            model,
            title: `${brand.name} ${model}${colour}`,
            category: line.category,
            noun: line.noun,
            msrp: base + (c === 0 ? 0 : rng.pick([0, 0, 100, -100])),
            releaseDate: released,
            releasedAt: releasedMs / 1000,
            fresh,
            phash: randomPhash(rng),
            authorizedSellers: [],
          };
          list.push(p);
          products.push(p);
        }
      }
    }
    byBrand.set(brand.name, list);
  }
  return { brands: BRANDS, products, byBrand };
}
