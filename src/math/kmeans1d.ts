import type { LevelsResult } from './equalIntervalLevels';
import { mulberry32 } from './mulberry32';

/**
 * Deterministic one-dimensional k-means (Lloyd's algorithm) for classifying an index into
 * k levels, level k being the cluster with the highest centre.
 *
 * Definition: minimise the within-cluster sum of squares SSE = sum_j sum_{i in C_j} (v_i - c_j)^2
 * (MacQueen 1967; Lloyd 1982, "Least squares quantization in PCM"). In one dimension the
 * clusters are intervals of the sorted values.
 *
 * Determinism: the first start puts the centres at the quantiles (j + 0.5) / k of the values;
 * `restarts` further starts use k-means++ seeding (Arthur & Vassilvitskii 2007) driven by a
 * mulberry32 generator seeded with `seed`. The start with the smallest SSE wins (ties: the
 * earliest). The same values, k, seed and restarts always give the same levels. An exact
 * optimum exists in 1-D (Wang & Song 2011, Ckmeans.1d.dp, `ckmeans` in simple-statistics);
 * the tests use it as the reference.
 *
 * Fewer distinct values than k: each distinct value is its own cluster and the clusters are
 * spread over 1..k (lowest -> 1, highest -> k; a single value -> the middle level), with
 * `degenerate` set.
 *
 * Example: [0.1, 0.12, 0.4, 0.42, 0.6, 0.61, 0.8, 0.81, 0.95, 0.97], k = 5 -> levels 1,1,2,2,3,3,4,4,5,5.
 */
export interface KMeansResult extends LevelsResult {
  centres: number[];
  sse: number;
  iterations: number;
}

// Re-exported for callers that choose k-means seeds themselves.
export { mulberry32 };

function quantileStart(sorted: number[], k: number): number[] {
  const n = sorted.length;
  return Array.from({ length: k }, (_, j) => {
    const pos = ((j + 0.5) / k) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  });
}

function plusPlusStart(sorted: number[], k: number, random: () => number): number[] {
  const centres = [sorted[Math.floor(random() * sorted.length)]!];
  while (centres.length < k) {
    const d2 = sorted.map((v) => Math.min(...centres.map((c) => (v - c) ** 2)));
    const total = d2.reduce((s, d) => s + d, 0);
    if (total === 0) break;
    let r = random() * total;
    let pick = sorted.length - 1;
    for (let i = 0; i < d2.length; i++) {
      r -= d2[i]!;
      if (r < 0) {
        pick = i;
        break;
      }
    }
    centres.push(sorted[pick]!);
  }
  return centres;
}

function nearest(v: number, centres: number[]): number {
  let best = 0;
  for (let j = 1; j < centres.length; j++) if (Math.abs(v - centres[j]!) < Math.abs(v - centres[best]!)) best = j;
  return best;
}

function lloyd(values: readonly number[], start: number[], maxIterations: number) {
  let centres = [...start].sort((a, b) => a - b);
  let assignment = values.map((v) => nearest(v, centres));
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const sums = centres.map(() => 0);
    const counts = centres.map(() => 0);
    assignment.forEach((j, i) => {
      sums[j]! += values[i]!;
      counts[j]!++;
    });
    // An empty cluster keeps its centre; it may pick up points on a later pass.
    const next = centres.map((c, j) => (counts[j]! > 0 ? sums[j]! / counts[j]! : c)).sort((a, b) => a - b);
    const nextAssignment = values.map((v) => nearest(v, next));
    const stable = nextAssignment.every((j, i) => j === assignment[i]) && next.every((c, j) => c === centres[j]);
    centres = next;
    assignment = nextAssignment;
    if (stable) break;
  }
  const sse = values.reduce((s, v, i) => s + (v - centres[assignment[i]!]!) ** 2, 0);
  return { centres, assignment, sse, iterations };
}

export function kmeans1d(values: readonly number[], k = 5, options: { seed?: number; restarts?: number; maxIterations?: number } = {}): KMeansResult {
  if (!Number.isInteger(k) || k < 1) throw new RangeError('kmeans1d: k must be a positive integer');
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError('kmeans1d: values must be finite');
  const seed = options.seed ?? 1;
  const restarts = options.restarts ?? 10;
  const maxIterations = options.maxIterations ?? 300;
  if (values.length === 0) return { levels: [], bounds: [], centres: [], sse: 0, iterations: 0, degenerate: true };

  const sorted = [...values].sort((a, b) => a - b);
  const distinct = [...new Set(sorted)];
  if (distinct.length <= k) {
    const d = distinct.length;
    const levelOf = (v: number) => (d === 1 ? Math.ceil(k / 2) : 1 + Math.round((distinct.indexOf(v) * (k - 1)) / (d - 1)));
    return {
      levels: values.map(levelOf),
      bounds: distinct.map((v, i) => (i < d - 1 ? (v + distinct[i + 1]!) / 2 : v)),
      centres: distinct,
      sse: 0,
      iterations: 0,
      degenerate: d < k,
    };
  }

  const random = mulberry32(seed);
  let best = lloyd(values, quantileStart(sorted, k), maxIterations);
  for (let r = 0; r < restarts; r++) {
    const candidate = lloyd(values, plusPlusStart(sorted, k, random), maxIterations);
    if (candidate.sse < best.sse - 1e-15) best = candidate;
  }
  // Empty clusters can survive; relabel the used clusters in ascending order of their centres.
  const used = [...new Set(best.assignment)].sort((a, b) => best.centres[a]! - best.centres[b]!);
  const spread = used.length;
  const levelOfCluster = new Map(used.map((j, i) => [j, spread === k ? i + 1 : 1 + Math.round((i * (k - 1)) / Math.max(1, spread - 1))]));
  const centres = used.map((j) => best.centres[j]!);
  return {
    levels: best.assignment.map((j) => levelOfCluster.get(j)!),
    bounds: centres.map((c, i) => (i < centres.length - 1 ? (c + centres[i + 1]!) / 2 : sorted[sorted.length - 1]!)),
    centres,
    sse: best.sse,
    iterations: best.iterations,
    degenerate: spread < k,
  };
}
