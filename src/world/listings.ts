/**
 * Listings: what each kind of seller puts on the marketplace, with the
 * titles, brand fields, prices and photos that kind of seller really uses.
 * Legitimate sellers of genuine goods overlap with counterfeiters on most
 * single signals (cheap resellers, brand words in accessory titles, official
 * photos reused by importers); only combinations separate them.
 */
import type { Category } from '../contract/dataset.ts';
import type { Listing, Seller } from './actors.ts';
import { flipBits, randomPhash, type Brand, type Catalog, type Product } from './catalog.ts';
import type { Rng } from './random.ts';
import type { Scenario } from './scenario.ts';

const UNIT_KG: Readonly<Record<Category, readonly [number, number]>> = {
  shoes: [0.9, 1.6],
  clothing: [0.3, 1.3],
  food_drug: [0.2, 0.8],
  mother_baby: [0.8, 1.3],
  auto_parts: [0.2, 3],
  appliances: [1.5, 9],
  luggage: [3, 6],
  furniture: [6, 35],
  other: [0.05, 0.6],
};

const GENERIC: readonly { category: Category; items: readonly string[]; price: readonly [number, number] }[] = [
  { category: 'shoes', items: ['百搭透气运动鞋', '男士休闲板鞋', '女款老爹鞋', '儿童运动鞋', '加绒棉鞋', '拖鞋 居家'], price: [29, 159] },
  { category: 'clothing', items: ['纯棉短袖T恤', '加厚卫衣', '休闲裤 男', '羽绒马甲', '儿童外套'], price: [19, 199] },
  { category: 'food_drug', items: ['莆田桂圆干 500g', '荔枝干 特级', '手工线面', '兴化米粉 2斤', '枇杷膏'], price: [15, 128] },
  { category: 'mother_baby', items: ['婴儿口水巾', '儿童保温杯', '宝宝辅食碗', '纸尿裤收纳袋'], price: [9, 89] },
  { category: 'auto_parts', items: ['汽车脚垫', '车载手机支架', '通用雨刮片', '座椅靠垫'], price: [15, 199] },
  { category: 'appliances', items: ['迷你加湿器', '暖手宝', '电热水壶', '小风扇 USB'], price: [29, 199] },
  { category: 'luggage', items: ['学生双肩包', '旅行收纳袋', '20寸拉杆箱'], price: [39, 299] },
  { category: 'furniture', items: ['红木茶盘', '实木小板凳', '仙游红木 茶几', '折叠桌'], price: [49, 1999] },
  { category: 'other', items: ['手机壳', '数据线', '木雕摆件', '茶叶罐', '莆田卤面调料'], price: [5, 99] },
];

const OWN_BRAND_ITEMS: readonly { category: Category; items: readonly string[]; price: readonly [number, number] }[] = [
  { category: 'shoes', items: ['休闲运动鞋', '轻便跑步鞋', '男士商务皮鞋', '女士小白鞋', '儿童学步鞋'], price: [59, 299] },
  { category: 'clothing', items: ['运动套装', '速干T恤', '冲锋衣'], price: [49, 399] },
  { category: 'furniture', items: ['红木沙发', '实木餐桌', '古典博古架'], price: [899, 19_999] },
  { category: 'luggage', items: ['商务拉杆箱', '登机箱 20寸'], price: [129, 499] },
];

const RESALE_WORDS = ['二手', '99新', '95新', '清仓', '折扣', 'outlet', '断码清仓', '闲置'];
const IMPORT_WORDS = ['代购', '海外直邮', '香港代购', '日本代购', '美国代购', '海外版'];
const DISGUISE_WORDS = ['outlet', '清仓', '折扣', '工厂店', '尾单', '正品'];

function roundPrice(x: number, rng: Rng): number {
  if (x < 20) return Math.max(1, Math.round(x * 10) / 10);
  return Math.max(1, Math.round(x) - (rng.chance(0.5) ? 0.1 : 0));
}

function listing(seller: Seller, fields: Omit<Listing, 'id' | 'seller' | 'createdAt' | 'unitKg' | 'popularity'>, createdAt: number, rng: Rng): Listing {
  const kg = UNIT_KG[fields.category];
  return { id: '', seller, createdAt, unitKg: Math.round(rng.in(kg) * 100) / 100, popularity: rng.lognormal(1, 1), ...fields };
}

function randomBrandedProduct(catalog: Catalog, rng: Rng): Product {
  return rng.pick(catalog.products);
}

/** A brand name as a listing's brand field carries it: the canonical name, or the name the seller used. */
function brandField(brand: Brand, rng: Rng, variantProb: number): string {
  return rng.chance(variantProb) ? rng.pick(brand.variants) : brand.name;
}

export interface ListingContext {
  readonly scenario: Scenario;
  readonly catalog: Catalog;
  /** For brand stores: the brand they are authorised for. For counterfeit accounts: the operation's brands. */
  readonly brands: readonly Brand[];
  /** For factories: their own (non-catalog) brand. */
  readonly ownBrand: string | null;
}

/**
 * When a listing of product `p` goes up: not before genuine stock exists
 * (`minDays` to `maxDays` after the release for the seller's kind: the brand's
 * own store on launch day, resellers weeks later), else as planned.
 */
function listedAfter(p: Product, createdAt: number, minDays: number, maxDays: number, rng: Rng): number {
  return Math.max(createdAt, p.releasedAt + rng.int(minDays, maxDays) * 86_400);
}

/** One listing of a seller, shaped by the seller's kind. */
export function makeListing(seller: Seller, ctx: ListingContext, createdAt: number, rng: Rng): Listing {
  const den = ctx.scenario.den;
  switch (seller.kind) {
    case 'brand_store': {
      const p = rng.pick(ctx.catalog.byBrand.get(ctx.brands[0].name) ?? ctx.catalog.products);
      return listing(
        seller,
        {
          title: `${p.title} ${p.brand.cn}官方正品 ${p.noun}`,
          brand: p.brand.name,
          productRef: rng.chance(0.9) ? p.id : null,
          category: p.category,
          price: roundPrice(p.msrp * rng.weighted([1, rng.range(0.85, 0.98)], [0.6, 0.4]), rng),
          phash: rng.chance(0.9) ? p.phash : flipBits(p.phash, 1, rng),
          isCounterfeit: false,
        },
        listedAfter(p, createdAt, 0, 0, rng),
        rng,
      );
    }
    case 'reseller': {
      const p = randomBrandedProduct(ctx.catalog, rng);
      return listing(
        seller,
        {
          title: `${rng.pick(RESALE_WORDS)} ${rng.chance(0.5) ? p.brand.cn : p.brand.name} ${p.model} ${p.noun}${rng.chance(0.3) ? ' 正品保证' : ''}`,
          brand: rng.chance(0.8) ? p.brand.name : null,
          productRef: rng.chance(0.4) ? p.id : null,
          category: p.category,
          price: roundPrice(p.msrp * rng.range(0.4, 0.8), rng),
          phash: rng.chance(0.85) ? randomPhash(rng) : p.phash,
          isCounterfeit: false,
        },
        listedAfter(p, createdAt, 14, 60, rng),
        rng,
      );
    }
    case 'parallel_importer': {
      const p = randomBrandedProduct(ctx.catalog, rng);
      return listing(
        seller,
        {
          title: `${rng.pick(IMPORT_WORDS)} ${p.brand.name} ${p.model} ${p.noun}`,
          brand: rng.chance(0.9) ? p.brand.name : null,
          productRef: rng.chance(0.6) ? p.id : null,
          category: p.category,
          price: roundPrice(p.msrp * rng.range(0.8, 1.02), rng),
          phash: rng.chance(0.4) ? flipBits(p.phash, rng.int(0, 2), rng) : randomPhash(rng),
          isCounterfeit: false,
        },
        listedAfter(p, createdAt, 14, 60, rng),
        rng,
      );
    }
    case 'livestream': {
      const p = randomBrandedProduct(ctx.catalog, rng);
      return listing(
        seller,
        {
          title: `【直播间专享】${p.brand.cn} ${p.model} ${p.noun}`,
          brand: p.brand.name,
          productRef: rng.chance(0.5) ? p.id : null,
          category: p.category,
          price: roundPrice(p.msrp * rng.range(0.7, 0.95), rng),
          phash: rng.chance(0.5) ? p.phash : randomPhash(rng),
          isCounterfeit: false,
        },
        listedAfter(p, createdAt, 3, 30, rng),
        rng,
      );
    }
    case 'accessory': {
      const brands = ctx.catalog.brands.filter((b) => b.accessories.length > 0);
      const b = rng.pick(brands);
      const item = rng.pick(b.accessories);
      const title = rng.weighted([`适用于${b.name} ${item}`, `for ${b.name} ${item} 通用`, `${b.cn}${item} 配件 非原装`], [4, 3, 2]);
      return listing(
        seller,
        {
          title,
          brand: rng.chance(0.3) ? b.name : null,
          productRef: null,
          category: 'other',
          price: roundPrice(rng.range(5, 80), rng),
          phash: randomPhash(rng),
          isCounterfeit: false,
        },
        createdAt,
        rng,
      );
    }
    case 'factory': {
      const line = rng.pick(OWN_BRAND_ITEMS);
      return listing(
        seller,
        {
          title: `${ctx.ownBrand ?? ''} ${rng.pick(line.items)} 厂家直销`.trim(),
          brand: rng.chance(0.9) ? ctx.ownBrand : null,
          productRef: null,
          category: line.category,
          price: roundPrice(rng.in(line.price), rng),
          phash: randomPhash(rng),
          isCounterfeit: false,
        },
        createdAt,
        rng,
      );
    }
    case 'small_seller':
      return genericListing(seller, createdAt, rng, false);
    case 'den_account': {
      if (rng.chance(den.genericListingProb)) return genericListing(seller, createdAt, rng, true);
      const brand = rng.weighted(ctx.brands, ctx.brands.map((b) => b.fakeWeight));
      const p = rng.pick(ctx.catalog.byBrand.get(brand.name) ?? ctx.catalog.products);
      const name = rng.chance(0.7) ? rng.pick(brand.variants) : brand.name;
      const model = p.model.startsWith('Air Jordan') && rng.chance(0.5) ? p.model.replace('Air Jordan ', 'AJ') : p.model;
      const disguised = rng.chance(den.disguisedProb);
      const words = disguised
        ? [rng.pick(DISGUISE_WORDS), rng.pick(DISGUISE_WORDS)]
        : rng.shuffle([...den.jargon]).slice(0, rng.int(1, 3));
      const title = `${name} ${model} ${words.join(' ')} ${p.noun}`;
      const brandValue = rng.chance(den.brandMissingProb) ? null : brandField(brand, rng, den.brandVariantProb);
      return listing(
        seller,
        {
          title,
          brand: brandValue,
          productRef: rng.chance(den.productRefProb) ? p.id : null,
          category: p.category,
          price: roundPrice(p.msrp * (disguised ? rng.in(den.disguisedFraction) : rng.in(den.priceFraction)), rng),
          phash: flipBits(p.phash, rng.int(0, den.maxPhashFlips), rng),
          isCounterfeit: true,
        },
        // Copies of a new release are listed around its launch, some before it (imitation lag).
        p.fresh ? p.releasedAt + rng.int(-10, 6) * 86_400 : listedAfter(p, createdAt, -10, 6, rng),
        rng,
      );
    }
  }
}

/** An unbranded product: a small seller's goods, or the filler a den account lists beside its fakes. */
function genericListing(seller: Seller, createdAt: number, rng: Rng, shoesFirst: boolean): Listing {
  const group = shoesFirst && rng.chance(0.7) ? GENERIC[0] : rng.pick(GENERIC);
  return listing(
    seller,
    {
      title: rng.pick(group.items),
      brand: null,
      productRef: null,
      category: group.category,
      price: roundPrice(rng.in(group.price), rng),
      phash: rng.chance(0.9) ? randomPhash(rng) : null,
      isCounterfeit: false,
    },
    createdAt,
    rng,
  );
}
