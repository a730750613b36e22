/**
 * The evidence of a lead in Chinese. The analysis writes its reasons as
 * English sentences from a handful of templates (src/stages/leads/
 * evidence.ts, leads.ts); those are recognised here and rewritten with
 * their numbers, and a sentence not recognised is shown as written, so a
 * new template reads in English rather than wrongly.
 */
import type { Lang } from './index.ts';

const KIND: Record<string, string> = {
  'a bank account': '同一银行账户',
  'an identity document': '同一身份证件',
  'a phone number': '同一电话号码',
  'a login device': '同一登录设备',
  'a return address': '同一退货地址',
  'a waybill sender phone': '同一寄件人电话',
  'a waybill sender address': '同一寄件地址',
  'the spot and hours their parcels leave from': '相同的发货地点和时段',
};

const PLACE: Record<string, string> = {
  'urban village': '城中村', residential: '住宅区', industrial: '工业区', commercial: '商业区', 'parcel station': '快递站点', other: '其他',
};

type Rule = [RegExp, (m: RegExpExecArray) => string | null];

const RULES: Rule[] = [
  [/^(\d+%) of ([\d,]+) parcels picked up 22:00-06:00$/, (m) => `${m[2]} 个包裹中 ${m[1]} 在 22:00–06:00 揽收`],
  [
    /^([\d,]+) high-risk shop accounts?(?: in (\d+) networks)?(?:, ([\d,]+) sharing (.+))?$/,
    (m) => {
      const kind = m[4] === undefined ? '' : KIND[m[4]];
      if (kind === undefined) return null;
      return `${m[1]} 个高风险店铺账号${m[2] ? `，分属 ${m[2]} 个网络` : ''}${m[3] ? `，其中 ${m[3]} 个共用${kind}` : ''}`;
    },
  ],
  [/^median price (\d+%) of MSRP across ([\d,]+) listings$/, (m) => `${m[2]} 件商品的售价中位数为建议零售价的 ${m[1]}`],
  [/^([\d,]+) listings? put up before the product's official release$/, (m) => `${m[1]} 件商品在正品官方发售前上架`],
  [/^(\d+) test buys? confirmed counterfeit$/, (m) => `${m[1]} 次试买确认为假货`],
  [
    /^parcels handed over at a public drop-off point(?: \((.+)\))? used by ([\d,]+) sellers: the site is nearby, radius widened$/,
    (m) => `包裹在公共代收点${m[1] ? `（${m[1]}）` : ''}交接，该点有 ${m[2]} 个卖家使用：窝点在附近，已扩大半径`,
  ],
  [
    /^parcels handed over at a public drop-off point(?: \((.+)\))? used by ([\d,]+) sellers; the sender address on (\d+%) of their waybills here, geocoded by ([\d,]+) (?:accounts'|account's) return address, ([\d,]+) m away: lead placed there$/,
    (m) => `包裹在公共代收点${m[1] ? `（${m[1]}）` : ''}交接，该点有 ${m[2]} 个卖家使用；此处 ${m[3]} 的运单所写寄件地址（按 ${m[4]} 个账号的退货地址定位）在 ${m[5]} 米外：线索定位于该处`,
  ],
  [
    /^pickups concentrated within ([\d,]+) m(?: in (.+?)(?: \(([a-z ]+)\))?)?, (\d+) couriers?$/,
    (m) => `揽收集中在 ${m[1]} 米范围内${m[2] ? `（${m[2]}${m[3] ? `，${PLACE[m[3]] ?? m[3]}` : ''}）` : ''}，${m[4]} 名快递员`,
  ],
  [
    /^couriers collect ([\d,]+) m from the pickup address on (\d+%) of nearby waybills: lead placed at that address$/,
    (m) => `附近 ${m[2]} 的运单由快递员在距寄件地址 ${m[1]} 米处揽收：线索定位于该地址`,
  ],
  [/^estimated sales ([\d,]+)$/, (m) => `估计销售额 ${m[1]}`],
  [/^confirmed by an offline check on (\d{4}-\d{2}-\d{2})$/, (m) => `${m[1]} 经线下核查确认`],
  [/^checked on (\d{4}-\d{2}-\d{2}), nothing found, no new activity since: lowered$/, (m) => `${m[1]} 核查未发现，此后无新活动：已调低`],
  [/^checked on (\d{4}-\d{2}-\d{2}) with nothing found, but parcels kept leaving afterwards$/, (m) => `${m[1]} 核查未发现，但此后仍有包裹发出`],
  [/^no parcels since (\d{4}-\d{2}-\d{2}) \((\d+) days before the end of the data\)$/, (m) => `自 ${m[1]} 起无包裹（距数据截止 ${m[2]} 天）`],
  [/^the same operation resumed at lead (\S+) from (\d{4}-\d{2}-\d{2})$/, (m) => `同一团伙自 ${m[2]} 起在线索 ${m[1]} 重新活动`],
];

export function evidenceText(text: string, lang: Lang): string {
  if (lang !== 'zh') return text;
  for (const [re, zh] of RULES) {
    const m = re.exec(text);
    if (m) return zh(m) ?? text;
  }
  return text;
}
