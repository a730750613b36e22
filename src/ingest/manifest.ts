/** Reads and validates dataset.json; an absent manifest means the contract's defaults. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ManifestSchema, type Manifest } from '../contract/dataset.ts';
import { UserError } from '../errors.ts';

export function readManifest(dir: string): Manifest & { name: string } {
  const path = join(dir, 'dataset.json');
  let raw: unknown = {};
  if (existsSync(path)) {
    try {
      // A BOM at the start is allowed, as in the CSV files.
      raw = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new UserError(`${path} breaks the contract: ${issues}`);
  }
  return { ...parsed.data, name: parsed.data.name ?? basename(dir) };
}
