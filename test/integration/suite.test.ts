/** The evaluation suite end to end on one small scenario, and its table. */
import { describe, expect, it } from 'vitest';
import { formatSuite, runSuite } from '../../src/evaluate/suite.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { tempDir } from '../helpers/db.ts';

describe('evaluation suite', () => {
  it('scores Dragnet and the baseline on each scenario and seed and prints medians', async () => {
    const runs = await runSuite({
      scenarios: ['doorstep'],
      seeds: [1, 2],
      pickups: 20_000,
      workDir: tempDir(),
      ttdSeeds: 1,
      ttdStepDays: 20,
      progress: silentProgress,
    });
    expect(runs.map((r) => `${r.scenario}/${r.seed}/${r.method}`)).toEqual([
      'doorstep/1/dragnet',
      'doorstep/1/hotspot',
      'doorstep/1/price-dbscan',
      'doorstep/2/dragnet',
      'doorstep/2/hotspot',
      'doorstep/2/price-dbscan',
    ]);
    for (const r of runs) expect(r.report.sites.n).toBeGreaterThan(0);
    // Time to detection only on the first seed's Dragnet run: a delay per true site, most of them found.
    const measured = runs.filter((r) => r.detection);
    expect(measured.map((r) => `${r.seed}/${r.method}`)).toEqual(['1/dragnet']);
    const detection = measured[0].detection!;
    expect(detection).toHaveLength(measured[0].report.sites.n);
    const days = detection.map((d) => d.days).filter((d): d is number => d !== null);
    expect(days.length).toBeGreaterThan(detection.length / 2);
    for (const d of days) expect(d).toBeGreaterThanOrEqual(0);
    const dragnet = runs.filter((r) => r.method === 'dragnet');
    const hotspot = runs.filter((r) => r.method === 'hotspot');
    const ap = (rs: typeof runs) => rs.map((r) => r.report.sites.leadAP ?? 0).reduce((a, b) => a + b, 0);
    expect(ap(dragnet)).toBeGreaterThan(ap(hotspot));
    const table = formatSuite(runs);
    expect(table).toMatch(/^1 scenarios x 2 seeds/);
    // The main table, then the impact table of Dragnet's runs (every world has the programme's truth).
    const [main, impact] = table.split('\nimpact (medians over seeds)\n');
    expect(main.split('\n').filter((l) => l.startsWith('doorstep'))).toHaveLength(3);
    expect(impact.split('\n').filter((l) => l.startsWith('doorstep'))).toEqual([expect.stringMatching(/^doorstep\s+dragnet\s/)]);
    expect(table).toMatch(/ALL \(median\)\s+dragnet/);
    expect(table.split('\n')[1]).toMatch(/TTD days$/);
  });

  it('runs an ablation: Dragnet whole and without each listed signal, one table row each', async () => {
    const runs = await runSuite({
      scenarios: ['station'],
      seeds: [1],
      pickups: 20_000,
      workDir: tempDir(),
      ablate: ['drop_origin', 'networks'],
      progress: silentProgress,
    });
    expect(runs.map((r) => r.label)).toEqual(['dragnet', 'dragnet -drop_origin', 'dragnet -networks']);
    const byLabel = new Map(runs.map((r) => [r.label, r.report]));
    // At public stations, following each den's own address is what finds it.
    expect(byLabel.get('dragnet')!.sites.recall250!).toBeGreaterThan(byLabel.get('dragnet -drop_origin')!.sites.recall250!);
    // Without links every account is its own network.
    expect(byLabel.get('dragnet -networks')!.networks.f1).toBeLessThan(byLabel.get('dragnet')!.networks.f1);
    const table = formatSuite(runs);
    expect(table).toMatch(/ALL \(median\)\s+dragnet -networks/);
  });
});
