/**
 * The `risk_model` table: for each stage that learns, each term's prior and
 * fitted coefficient and how many labels (and how much label weight) the fit
 * saw, so an analyst can see what the labels changed.
 */
import type { Database } from '../../engine/database.ts';
import type { Example, Prior } from './logistic.ts';

export async function storeModel(
  db: Database,
  stage: string,
  terms: readonly string[],
  prior: Prior,
  fitted: readonly number[],
  examples: readonly Example[],
): Promise<void> {
  await db.run(`CREATE TABLE IF NOT EXISTS risk_model (
    stage VARCHAR, term VARCHAR, prior DOUBLE, fitted DOUBLE, labels INTEGER, positives INTEGER, label_weight DOUBLE)`);
  await db.run(`DELETE FROM risk_model WHERE stage = $stage`, { stage });
  const positives = examples.filter((e) => e.y === 1).length;
  const weight = examples.reduce((s, e) => s + e.weight, 0);
  await db.append(
    'risk_model',
    terms.map((term, j) => [stage, term, prior.mean[j], Math.round(fitted[j] * 1e4) / 1e4, examples.length, positives, Math.round(weight * 100) / 100]),
  );
}
