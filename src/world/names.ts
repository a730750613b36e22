/**
 * Shop and own-brand names. Counterfeit accounts draw from the same pool as
 * ordinary small shops: a shop name must never give a den away.
 */
import type { Brand } from './catalog.ts';
import type { Rng } from './random.ts';

const SHOP_A = ['潮', '酷', '优', '阿明', '小林', '木兰', '壶山', '荔乡', '星辰', '悦', '品', '鑫', '源', '佳', '顺', '宏', '福', '老陈', '阿珍', '小美', '乐淘', '尚', '兴化', '南门', '东岩', '锦', '恒', '晨曦', '蓝海', '一品'];
const SHOP_B = ['鞋', '潮品', '运动', '好物', '服饰', '百货', '生活', '家居', '精品', '优品', '体育', '时尚', '鞋业', '潮牌', '数码', '母婴'];
const SHOP_C = ['小店', '精品店', '潮品店', '鞋铺', '优选', '工作室', '严选', '馆', '折扣店', '店', '专营店', '商行', '铺子', '集合店'];
const OWN_A = ['踏', '鸿', '驰', '腾', '跃', '瑞', '凯', '骏', '盛', '豪', '展', '帆'];
const OWN_B = ['途', '星', '步', '达', '鹰', '风', '邦', '诺', '迈', '威', '捷', '川'];

/** An ordinary shop name (small sellers, resellers, den accounts alike). */
export function shopName(rng: Rng): string {
  return `${rng.pick(SHOP_A)}${rng.pick(SHOP_B)}${rng.pick(SHOP_C)}`;
}

/** A factory's own brand, not in any rights holder's catalog. */
export function ownBrandName(rng: Rng): string {
  return `${rng.pick(OWN_A)}${rng.pick(OWN_B)}`;
}

/** An authorised store's name. */
export function brandStoreName(brand: Brand, rng: Rng): string {
  return rng.weighted(
    [`${brand.cn}官方旗舰店`, `${brand.name}授权专卖店`, `${brand.cn}${rng.pick(['莆田', '荔城', '万达', '正荣'])}店`],
    [2, 2, 3],
  );
}
