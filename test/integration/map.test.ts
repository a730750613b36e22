/** The run's SVG map: parcels, lead rings with their rank, true sites. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../src/world/generate.ts';
import { SCENARIOS } from '../../src/world/scenarios.ts';
import { analyze } from '../../src/pipeline.ts';
import { writeMapSvg } from '../../src/results/map-svg.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { tempDir } from '../helpers/db.ts';

describe('map', () => {
  it('draws every lead ring with its rank and every true site', async () => {
    const root = tempDir();
    const world = join(root, 'world');
    await generateWorld({ scenario: SCENARIOS.doorstep.scenario, seed: 3, pickups: 20_000, out: world, format: 'csv', crs: 'WGS84' }, silentProgress);
    const run = await analyze({ dataset: world, out: join(root, 'out'), progress: silentProgress });
    const path = join(root, 'map.svg');
    await writeMapSvg(path, { dbPath: join(root, 'out', 'dragnet.duckdb'), leads: run.leads, truthDir: join(world, 'truth'), top: 10 });
    const svg = readFileSync(path, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const shown = Math.min(10, run.leads.length);
    expect(shown).toBeGreaterThan(0);
    for (let rank = 1; rank <= shown; rank++) expect(svg).toContain(`>${rank}</text>`);
    const sites = readFileSync(join(world, 'truth', 'sites.csv'), 'utf8').trim().split('\n').length - 1;
    expect(svg.match(/<path d="M/g)?.length).toBe(sites);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});
