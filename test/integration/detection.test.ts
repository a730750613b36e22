/**
 * Time to detection with daily reruns, on a world the generator randomises:
 * the analysis rerun on the data as it stood at the end of each of the first
 * days must already hold most dens that were shipping from the first day.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { timeToDetection } from '../../src/evaluate/detection.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { tempDir } from '../helpers/db.ts';

describe('time to detection', () => {
  it('finds at least half the dens shipping from the first day within two days of daily reruns', async () => {
    const named = SCENARIOS.randomised;
    const world = join(tempDir(), 'world');
    await generateWorld({ scenario: named.scenario, seed: 1, pickups: 40_000, out: world, format: 'csv', crs: named.crs }, silentProgress);
    const detection = await timeToDetection(world, { stepDays: 1, days: 2 });
    const first = detection.reduce((m, d) => (d.first_active < m ? d.first_active : m), detection[0].first_active);
    const fromStart = detection.filter((d) => d.first_active === first);
    expect(fromStart.length).toBeGreaterThanOrEqual(4);
    const found = fromStart.filter((d) => d.days !== null && d.days <= 2);
    // Days count from the site's first day: a rerun after day one's data reads 1, after day two's 2.
    for (const d of found) expect(d.days).toBeGreaterThanOrEqual(1);
    expect(found.length).toBeGreaterThanOrEqual(fromStart.length / 2);
  }, 180_000);
});
