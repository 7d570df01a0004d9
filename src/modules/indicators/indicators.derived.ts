import type { Knex } from 'knex';
import { ValidationError } from '../../errors';
import { deriveIndicators, FormulaError, type DeriveRow } from '../../math/deriveIndicators';
import type { IndicatorsRepository } from './indicators.repository';
import { numericPeriod } from './indicators.periods';
import type { ValueRecord } from './indicators.schemas';

/**
 * Rewrites the values of every derived indicator of a dataset from the current values of its
 * other indicators, in position order (a formula may use the derived indicators before it).
 * Called in the transaction that changes the inputs (import confirmed, survey round published)
 * or the formula, so the table never shows derived values of old inputs. A formula that no
 * longer evaluates throws a ValidationError on `formula` and the whole change is rolled back.
 */
export async function recomputeDerived(repo: IndicatorsRepository, datasetId: number, trx: Knex.Transaction): Promise<{ indicators: number; values: number }> {
  const indicators = await repo.listIndicators(datasetId, trx);
  const derived = indicators.filter((i) => i.formula !== null).sort((a, b) => a.position - b.position || a.id - b.id);
  if (derived.length === 0) return { indicators: 0, values: 0 };
  const inputs = indicators.filter((i) => i.formula === null);
  const codeOf = new Map(inputs.map((i) => [i.id, i.code]));
  const rows = new Map<string, DeriveRow & { territory: string }>();
  for (const v of await repo.values({ indicatorIds: inputs.map((i) => i.id) }, trx)) {
    const key = `${v.territoryId}|${v.period}`;
    const row = rows.get(key) ?? { territory: String(v.territoryId), year: numericPeriod(v.period) ?? null, period: v.period };
    row[codeOf.get(v.indicatorId)!] = v.value;
    rows.set(key, row);
  }
  const table = [...rows.values()];
  let out: DeriveRow[];
  try {
    out = deriveIndicators(table, derived.map((d) => ({ name: d.code, formula: d.formula! })), inputs.map((i) => i.code));
  } catch (e) {
    if (e instanceof FormulaError) {
      const field = e.field === 'name' ? 'code' : 'formula';
      throw new ValidationError([{ path: field, key: `methods:formula.${e.problem}`, params: { ...e.params, indicator: derived[e.index]!.code } }], 'methods:derived.failed');
    }
    throw e;
  }
  const values: ValueRecord[] = [];
  out.forEach((row, i) => {
    for (const d of derived) {
      const v = row[d.code];
      if (typeof v === 'number') values.push({ indicatorId: d.id, territoryId: Number(table[i]!.territory), period: String(table[i]!.period), value: v });
    }
  });
  await repo.deleteValuesOfIndicators(derived.map((d) => d.id), trx);
  await repo.upsertValues(values, trx);
  return { indicators: derived.length, values: values.length };
}
