/**
 * Deterrence: after a raid, the other operations shipping within a few
 * kilometres react. Most carry on; some pause for a while, some stop for
 * good, some move to a new den in another village. Switched on by the
 * scenario's `deterrence` knob; without it the world is what it was.
 *
 * Drawn from a stream of its own after the operations exist, so a scenario
 * without the knob keeps every table byte-identical.
 */
import { sitesOn, type Operation, type Reaction, type Site } from './actors.ts';
import { distanceM } from './city.ts';
import { makeSite, type OperationContext } from './operations.ts';
import type { Rng } from './random.ts';
import type { Range } from './scenario.ts';

export interface DeterrenceKnob {
  /** Operations whose den lies this near a raid, in metres, react. */
  readonly radiusM: number;
  /** Weights of each reaction for an operation within the radius. */
  readonly weights: { readonly continued: number; readonly paused: number; readonly stopped: number; readonly moved: number };
  /** Days between the raid and going quiet. */
  readonly lagDays: Range;
  /** Length of a pause, and of the quiet gap before a move's new den ships. */
  readonly pauseDays: Range;
  readonly moveGapDays: Range;
}

/** Other operations of a raid's region (within this many metres) are recorded in truth, reacting or not. */
const REGION_M = 10_000;

/** What an operation did after a raid, for truth/deterrence.csv. */
export interface TruthReaction {
  /** Network raided, and the day of the raid. */
  readonly raidedNetworkId: string;
  readonly raidDay: number;
  readonly networkId: string;
  readonly distanceM: number;
  readonly reaction: 'continued' | Reaction['kind'];
  /** First quiet day, and the day shipping resumed (null: never, or not quiet). */
  readonly quietFrom: number | null;
  readonly resumedAt: number | null;
  readonly siteIds: readonly string[];
  readonly successorSiteId: string | null;
}

/**
 * Draws each operation's reaction to the raids near it (an operation reacts
 * to the first raid that reaches it), changing the operations in place and
 * adding any new dens to `sites`. Returns what happened, for the truth.
 */
export function applyDeterrence(ctx: OperationContext, knob: DeterrenceKnob, operations: readonly Operation[], sites: Site[], rng: Rng): TruthReaction[] {
  const out: TruthReaction[] = [];
  const raids = operations.filter((op) => op.raided).sort((a, b) => a.stopDay - b.stopDay || (a.id < b.id ? -1 : 1));
  const villages = ctx.city.ofType('urban_village');
  for (const raid of raids) {
    const raidDay = Math.min(ctx.days - 1, raid.stopDay);
    for (const op of operations) {
      if (op === raid || op.raided) continue;
      const here = sitesOn(op, raidDay);
      if (here.length === 0) continue;
      const d = Math.min(...raid.before.flatMap((r) => here.map((s) => distanceM(r.point, s.point))));
      if (d > REGION_M) continue;
      const r = rng.fork(`${raid.id}:${op.id}`);
      // An operation reacts once, and only while it still has days to ship before a stop it had planned.
      const free = op.reaction === undefined && op.stopDay > raidDay + 1;
      let kind: TruthReaction['reaction'] = 'continued';
      if (free && d <= knob.radiusM) kind = r.weightedKey(knob.weights);
      const from = raidDay + 1 + r.intIn(knob.lagDays);
      if (kind !== 'continued' && from >= Math.min(ctx.days, op.stopDay) - 1) kind = 'continued';
      // A move planned for the holiday still to come stays the operation's move: it pauses instead.
      if (kind === 'moved' && op.after !== op.before && raidDay < op.pauseTo) kind = 'paused';
      let reaction: Reaction | undefined;
      if (kind === 'paused') reaction = { kind, from, until: from + r.intIn(knob.pauseDays), to: [] };
      else if (kind === 'stopped') reaction = { kind, from, until: Infinity, to: [] };
      else if (kind === 'moved') {
        const old = here[0];
        const aoi = r.pick(villages.filter((v) => v !== old.aoi));
        const mode = r.chance(0.6) ? old.mode : r.weightedKey(ctx.scenario.den.modeWeights);
        const successor = makeSite(ctx, `site-${Number(op.id.slice(4))}d`, op.id, aoi, ctx.city.pointIn(aoi, r), r.int(1, 188), mode, r);
        if (op.stopDay !== Infinity) successor.status = 'dormant';
        sites.push(successor);
        for (const s of here) {
          s.status = 'moved';
          s.successor = successor;
        }
        reaction = { kind, from, until: from + r.intIn(knob.moveGapDays), to: [successor] };
      }
      if (reaction) op.reaction = reaction;
      if (kind === 'stopped') for (const s of here) s.status = 'dormant';
      const quiet = reaction !== undefined;
      out.push({
        raidedNetworkId: raid.id,
        raidDay,
        networkId: op.id,
        distanceM: Math.round(d),
        reaction: kind,
        quietFrom: quiet ? from : null,
        resumedAt: reaction && Number.isFinite(reaction.until) && reaction.until < ctx.days ? reaction.until : null,
        siteIds: here.map((s) => s.id),
        successorSiteId: reaction?.kind === 'moved' ? reaction.to[0].id : null,
      });
    }
  }
  return out;
}

/** Days after a raid within which a quiet spell counts as the reaction to it (as the analysis looks). */
const OBSERVE_DAYS = 28;

/**
 * What a site did after a raid, by its operation's schedule (holiday pause,
 * reactions to any raid, stop, move): the first run of days without it that
 * starts within 28 days after the raid. `paused` when the site ships again
 * before the data ends, else `moved` when the operation ships elsewhere
 * afterwards, else `stopped`; `continued` without such a run.
 */
export function observedAfter(op: Operation, site: Site, raidDay: number, days: number): { status: TruthReaction['reaction']; quietFrom: number | null; quietDays: number | null } {
  const on = (d: number) => sitesOn(op, d).includes(site);
  for (let d = raidDay + 1; d <= Math.min(raidDay + OBSERVE_DAYS, days - 1); d++) {
    if (on(d)) continue;
    let e = d;
    while (e + 1 < days && !on(e + 1)) e++;
    if (e + 1 < days) return { status: 'paused', quietFrom: d, quietDays: e - d + 1 };
    let elsewhere = false;
    for (let k = d; k < days && !elsewhere; k++) elsewhere = sitesOn(op, k).length > 0;
    return { status: elsewhere ? 'moved' : 'stopped', quietFrom: d, quietDays: e - d + 1 };
  }
  return { status: 'continued', quietFrom: null, quietDays: null };
}
