/** `dragnet impact deterrence|outcomes|programme OUT`: tables read off a run's impact/ files (see src/impact/figures.ts). */
import type { Command } from 'commander';
import { Workspace } from '../workspace/store.ts';
import {
  deterrenceByRaid,
  ENROLMENT_WINDOW_DAYS,
  legalWayAfterRaids,
  outcomeFigures,
  programmeHeadline,
  readImpactFiles,
  readRunContext,
  SITE_KINDS,
  workspaceCases,
} from '../impact/figures.ts';

export function registerImpact(program: Command): void {
  const impact = program.command('impact').description("Enforcement and programme figures from a run's impact/ files");
  impact
    .command('deterrence')
    .description('per raid: the leads of its region (10 km), their parcels per day before and after, and which paused, stopped or moved; the programme factories and enrolments around it; then the resurfacings')
    .argument('<out>', 'output folder of an analysis run')
    .action(async (out: string) => {
      const files = readImpactFiles(out);
      const ctx = await readRunContext(out);
      const raids = deterrenceByRaid(files.deterrence, ctx.outcomes);
      process.stdout.write(
        table(
          ['raid', 'date', 'leads', 'before/day', 'after/day', 'change', 'continued', 'paused', 'stopped', 'moved', 'paused days'],
          raids.map((r) => [r.outcome_id, r.date ?? '', r.leads, fix(r.perDayBefore, 1), fix(r.perDayAfter, 1), pct(r.dip), r.continued, r.paused, r.stopped, r.moved, r.medianPausedDays ?? '']),
        ),
      );
      const legal = legalWayAfterRaids(ctx, new Set(files.capacityAtRisk.map((c) => c.factory_id)));
      if (ctx.factories.length > 0 && legal.length > 0) {
        const months = legal[0].byMonth.map((m) => m.month);
        process.stdout.write(`\nthe legal way near each raid (10 km): programme factories, enrolments ${ENROLMENT_WINDOW_DAYS} days before and after, and by month\n`);
        process.stdout.write(
          table(
            ['raid', 'date', 'factories', 'enrolled before', `${ENROLMENT_WINDOW_DAYS} d before`, `${ENROLMENT_WINDOW_DAYS} d after`, ...months],
            legal.map((r) => [r.outcome_id, r.date, r.factories, r.enrolledBefore, r.windowBefore, r.windowAfter, ...r.byMonth.map((m) => m.enrolments)]),
          ),
        );
      }
      process.stdout.write(`\nresurfacings: ${files.resurfacings.length}\n`);
      if (files.resurfacings.length > 0) {
        process.stdout.write(
          table(
            ['from lead', 'to lead', 'network', 'quiet from', 'resumed', 'km'],
            files.resurfacings.map((r) => [r.from_lead_id, r.to_lead_id, r.network_id, r.quiet_from, r.resumed_at, fix(r.distance_m / 1000, 1)]),
          ),
        );
      }
    });
  impact
    .command('outcomes')
    .description('by month and region: leads, checks, raids, sites found by kind, arrests, value seized, conversion, days from first parcel to raid')
    .argument('<out>', 'output folder of an analysis run')
    .option('--workspace <dir>', 'a workspace: add the cases opened and referred from it, and the days first parcel -> case -> raid')
    .action(async (out: string, options: { workspace?: string }) => {
      const ctx = await readRunContext(out);
      let cases = null;
      if (options.workspace) {
        const ws = Workspace.open(options.workspace, { readonly: true });
        try {
          cases = workspaceCases(ws.sql);
        } finally {
          ws.close();
        }
      }
      const rows = outcomeFigures(ctx, cases);
      const head = ['month', 'region', 'leads', 'checks', 'raids', ...SITE_KINDS, 'arrests', 'seized', 'conversion', 'parcel->raid d'];
      if (cases) head.push('cases', 'referred', 'parcel->case d', 'case->raid d');
      process.stdout.write(
        table(
          head,
          rows.map((r) => {
            const row: (string | number)[] = [r.month, r.region, r.leads, r.checks, r.raids, ...SITE_KINDS.map((k) => r.sites[k]), r.arrests, Math.round(r.seized), share(r.conversion), r.firstParcelToRaidDays ?? ''];
            if (cases) row.push(r.casesOpened ?? 0, r.casesReferred ?? 0, r.firstParcelToLeadDays ?? '', r.leadToRaidDays ?? '');
            return row;
          }),
        ),
      );
    });
  impact
    .command('programme')
    .description("the own-brand programme: belts, categories, turnover, share by province, growth; the top candidates to invite; capacity at risk")
    .argument('<out>', 'output folder of an analysis run')
    .option('--top <n>', 'candidates to list', '10')
    .action(async (out: string, options: { top: string }) => {
      const files = readImpactFiles(out);
      const ctx = await readRunContext(out);
      const h = programmeHeadline(files.turnover, ctx.belts);
      process.stdout.write(
        [
          `belts ${h.belts} (${h.enrolledBelts} with enrolled factories' sales), categories: ${h.categories.join(', ') || '-'}`,
          `turnover ${h.from ?? '-'} to ${h.to ?? '-'}: ${Math.round(h.total).toLocaleString('en-US')} in ${h.orders.toLocaleString('en-US')} orders; ` +
            `per day over the last 28 days ${h.dailyTurnover === null ? '-' : Math.round(h.dailyTurnover).toLocaleString('en-US')}; ` +
            `growth on a year before ${h.growth === null ? 'n/a (no data a year back)' : pct(h.growth)}`,
          `share by province: ${h.byProvince.map((p) => `${p.province} ${share(p.share)}`).join(', ') || '-'}`,
          '',
        ].join('\n'),
      );
      process.stdout.write(table(['belt', 'name', 'turnover', 'orders', 'growth'], h.byBelt.map((b) => [b.belt_id, b.name ?? '', Math.round(b.turnover), b.orders, pct(b.growth)])));
      const top = Math.max(0, Number(options.top) || 0);
      process.stdout.write(`\ncandidates: ${files.candidates.length} (top ${Math.min(top, files.candidates.length)})\n`);
      if (files.candidates.length > 0 && top > 0) {
        process.stdout.write(table(['seller', 'factory', 'score', 'evidence'], files.candidates.slice(0, top).map((c) => [c.seller_id, c.factory_id ?? '', fix(c.score, 3), c.evidence])));
      }
      process.stdout.write(`\ncapacity at risk (for enforcement): ${new Set(files.capacityAtRisk.map((c) => c.factory_id)).size} factories\n`);
      if (files.capacityAtRisk.length > 0) {
        process.stdout.write(table(['factory', 'link', 'account', 'lead', 'network', 'evidence'], files.capacityAtRisk.map((c) => [c.factory_id, c.link, c.seller_id, c.lead_id, c.network_id, c.evidence])));
      }
    });
}

const fix = (v: number, d: number) => v.toFixed(d);
/** A change, signed. */
const pct = (v: number | null) => (v === null ? '' : `${v > 0 ? '+' : ''}${Math.round(v * 100)}%`);
/** A share. */
const share = (v: number | null) => (v === null ? '' : `${Math.round(v * 100)}%`);

/** A plain text table: left-aligned text, right-aligned numbers. */
function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [head.map(String), ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c]?.length ?? 0)));
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || /^[-+]?[\d.,]+%?$/.test(String(r[c])) || r[c] === ''));
  const render = (r: readonly string[]) => r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [render(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(render)].join('\n') + '\n';
}
