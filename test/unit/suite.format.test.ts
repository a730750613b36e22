/** The suite table: medians per scenario and, with several seeds, Dragnet's worst seed below them. */
import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../src/evaluate/evaluate.ts';
import { formatSuite, type SuiteRun } from '../../src/evaluate/suite.ts';

function run(seed: number, recall: number, errorM: number, label = 'dragnet'): SuiteRun {
  const report = {
    sites: { recall250: recall, recall500: recall, leadAP: recall, medianErrorM: errorM, insideRadius: 0.9 },
    sellers: { ap: 1 },
    listings: { ap: 1 },
    networks: { f1: 0.9 },
    status: { accuracy: 1 },
  } as unknown as EvaluationReport;
  return { scenario: 'randomised', seed, method: label === 'dragnet' ? 'dragnet' : 'hotspot', label, report };
}

const cells = (line: string) => line.trim().split(/\s{2,}/);

describe('formatSuite', () => {
  it('prints the median and, below, the worst seed: the lowest figure and the largest error', () => {
    const table = formatSuite([run(1, 0.9, 20), run(2, 0.5, 80), run(3, 0.7, 40), run(1, 0.1, 300, 'hotspot'), run(2, 0.2, 10, 'hotspot')]);
    const lines = table.split('\n');
    const median = cells(lines.find((l) => l.startsWith('randomised') && l.includes('dragnet'))!);
    expect(median.slice(2, 6)).toEqual(['0.700', '0.700', '0.700', '40']);
    const worst = lines.filter((l) => l.startsWith('worst:'));
    expect(worst).toHaveLength(1);
    expect(cells(worst[0]).slice(0, 6)).toEqual(['worst:randomised', 'dragnet', '0.500', '0.500', '0.500', '80']);
  });

  it('prints no worst-seed row for a single seed', () => {
    expect(formatSuite([run(1, 0.9, 20)])).not.toMatch(/worst:/);
  });
});
