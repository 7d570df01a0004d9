import { chiSquareUpperTail } from './survey-distributions';

export interface ChiSquareIndependence {
  chiSquare: number;
  df: number;
  p: number;
  n: number;
  /** Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))), the strength of the association in [0, 1]. */
  cramersV: number;
  /** Cells whose expected count is below 5: the chi-square approximation is doubtful when there are many. */
  sparseCells: number;
}

/**
 * Pearson's chi-square test of independence of a contingency table (rows x columns of counts),
 * without continuity correction.
 *
 * Definition: E_ij = R_i C_j / n; chi2 = sum (O_ij - E_ij)^2 / E_ij over cells with E_ij > 0;
 * df = (r' - 1)(c' - 1) where r', c' count the rows and columns with a non-zero total (empty
 * ones carry no information and are dropped, as R's chisq.test would refuse them).
 * Returns null when fewer than two non-empty rows or columns remain.
 *
 * Reference: R chisq.test(matrix(c(12, 5, 7, 9), 2), correct = FALSE): X-squared = 2.430576,
 * df = 1, p-value = 0.1189892 (tests/math/chiSquareIndependence.test.ts).
 */
export function chiSquareIndependence(table: readonly (readonly number[])[]): ChiSquareIndependence | null {
  for (const row of table) for (const c of row) if (!Number.isFinite(c) || c < 0) throw new RangeError('chiSquareIndependence: counts must be non-negative');
  const columns = Math.max(0, ...table.map((r) => r.length));
  const rowTotals = table.map((r) => r.reduce((s, c) => s + c, 0));
  const colTotals = Array.from({ length: columns }, (_, j) => table.reduce((s, r) => s + (r[j] ?? 0), 0));
  const rows = rowTotals.map((t, i) => ({ t, i })).filter((x) => x.t > 0);
  const cols = colTotals.map((t, j) => ({ t, j })).filter((x) => x.t > 0);
  if (rows.length < 2 || cols.length < 2) return null;
  const n = rows.reduce((s, r) => s + r.t, 0);
  let chiSquare = 0;
  let sparseCells = 0;
  for (const r of rows) {
    for (const c of cols) {
      const expected = (r.t * c.t) / n;
      if (expected < 5) sparseCells++;
      chiSquare += ((table[r.i]![c.j] ?? 0) - expected) ** 2 / expected;
    }
  }
  const df = (rows.length - 1) * (cols.length - 1);
  return { chiSquare, df, p: chiSquareUpperTail(chiSquare, df), n, cramersV: Math.sqrt(chiSquare / (n * (Math.min(rows.length, cols.length) - 1))), sparseCells };
}
