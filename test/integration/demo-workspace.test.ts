/**
 * `dragnet demo --no-serve` builds a workspace beside its run: the run
 * registered, police partners over different districts and categories, and
 * one user per role whose printed one-time password signs in.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dragnet } from '../helpers/cli.ts';
import { tempDir } from '../helpers/db.ts';
import { Workspace } from '../../src/workspace/store.ts';
import { checkPassword, userByName } from '../../src/workspace/users.ts';
import { listPartners } from '../../src/workspace/partners.ts';
import { listRuns } from '../../src/workspace/runs.ts';
import { ROLES } from '../../src/workspace/types.ts';

describe('dragnet demo', () => {
  it('builds a workspace with the run, partners, and one user per role whose printed password works', async () => {
    const out = join(tempDir(), 'demo');
    const r = dragnet(['demo', '--out', out, '--pickups', '20000', '--quiet', '--no-serve']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const printed = [...r.stdout.matchAll(/^ {2}(\S+) +(\S+) +(\S{16})(?: \(.*\))?$/gm)].map((m) => ({ name: m[1], role: m[2], password: m[3] }));
    expect(printed.map((u) => u.role).sort()).toEqual([...ROLES, 'police_liaison'].sort());
    expect(r.stdout).toContain(`Serve it with: npx dragnet serve --workspace ${join(out, 'workspace')}`);

    const ws = Workspace.open(join(out, 'workspace'));
    try {
      expect(listRuns(ws)).toHaveLength(1);
      expect(listRuns(ws)[0].leads).toBeGreaterThan(0);
      const partners = listPartners(ws);
      expect(partners.map((p) => p.partner_id).sort()).toEqual(['city-amr', 'east-psb', 'west-psb']);
      // Different agreements: no two partners cover the same categories.
      expect(new Set(partners.map((p) => p.categories.join(','))).size).toBe(3);
      for (const u of printed) {
        const stored = userByName(ws, u.name)!;
        expect(stored.role).toBe(u.role);
        expect(await checkPassword(u.password, stored.password)).toBe(true);
        expect(await checkPassword(`${u.password}x`, stored.password)).toBe(false);
      }
    } finally {
      ws.close();
    }
  }, 120_000);
});
