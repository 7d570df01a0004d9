import fs from 'node:fs';
import path from 'node:path';
import { rankWithTies } from '../../math/rank-with-ties';
import { spearmanCorrelation } from '../../math/spearmanCorrelation';
import { sharedDomainDir } from '../../paths';
import type { TLocalizedText } from '../questionnaires/kinds';
import type { QuestionSummary } from './analysis.kinds';
import type { ItemRanking } from './analysis.service';

/**
 * A round set beside the published results of the sources: the barrier means of the
 * 32-enterprise study (the items' referenceMean) and the national statistics' reasons for
 * not innovating (reference-data/east-kz-reasons-not-innovating-2020.json, East Kazakhstan
 * region), each with Spearman's rank correlation between the round's order and the published one.
 */

interface ReasonsFile {
  territories: string[];
  rows: Array<{ item: string | null; en: string; counts: number[] }>;
}

let reasons: ReasonsFile | undefined;
function reasonsFile(): ReasonsFile {
  reasons ??= JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'reference-data', 'east-kz-reasons-not-innovating-2020.json'), 'utf8')) as ReasonsFile;
  return reasons;
}

/** The size of the study the reference means come from (east-kz-sme-barrier-survey-means.json). */
export const PUBLISHED_STUDY_N = 32;

export interface PublishedMeanRow {
  code: string;
  text: TLocalizedText;
  published: number;
  mean: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** This round's mean minus the published one. */
  difference: number | null;
  withinCi: boolean | null;
}

export interface NationalRow {
  code: string;
  text: TLocalizedText;
  nationalCount: number;
  /** Share of all mentions of the compared reasons. */
  nationalShare: number;
  nationalRank: number;
  count: number;
  share: number | null;
  rank: number | null;
}

export interface ReferenceComparison {
  published: { rows: PublishedMeanRow[]; spearman: number | null };
  national: Array<{ questionCode: string; text: TLocalizedText; rows: NationalRow[]; spearman: number | null }>;
}

function rho(x: number[], y: number[]): number | null {
  if (x.length < 3) return null;
  const r = spearmanCorrelation(x, y);
  return Number.isNaN(r) ? null : r;
}

export function referenceComparison(items: Array<ItemRanking & { referenceMean: number | null }>, questions: QuestionSummary[]): ReferenceComparison {
  const withReference = items.filter((i) => i.referenceMean !== null);
  const publishedRows: PublishedMeanRow[] = withReference.map((i) => ({
    code: i.code,
    text: { kk: i.text_kk, ru: i.text_ru, en: i.text_en },
    published: i.referenceMean!,
    mean: i.mean,
    ciLow: i.ciLow,
    ciHigh: i.ciHigh,
    difference: i.mean === null ? null : i.mean - i.referenceMean!,
    withinCi: i.ciLow === null || i.ciHigh === null ? null : i.referenceMean! >= i.ciLow && i.referenceMean! <= i.ciHigh,
  }));
  const rated = publishedRows.filter((r) => r.mean !== null);

  const file = reasonsFile();
  const national: ReferenceComparison['national'] = [];
  for (const q of questions) {
    if (q.kind !== 'multi-choice') continue;
    // An option matches a published reason by its code (B06-B14) or, for the reasons without an item, its English text.
    const matched = q.options.flatMap((o) => {
      const row = file.rows.find((r) => (r.item !== null && r.item === o.code) || (r.item === null && r.en === o.text.en));
      return row ? [{ option: o, national: row.counts[0]! }] : [];
    });
    if (matched.length < 3) continue;
    const nationalTotal = matched.reduce((s, m) => s + m.national, 0);
    const roundTotal = matched.reduce((s, m) => s + m.option.count, 0);
    const nationalRanks = rankWithTies(matched.map((m) => m.national));
    const roundRanks = rankWithTies(matched.map((m) => m.option.count));
    const rows = matched.map((m, i) => ({
      code: m.option.code,
      text: m.option.text,
      nationalCount: m.national,
      nationalShare: m.national / nationalTotal,
      nationalRank: nationalRanks[i]!,
      count: m.option.count,
      share: roundTotal > 0 ? m.option.count / roundTotal : null,
      rank: roundTotal > 0 ? roundRanks[i]! : null,
    }));
    national.push({ questionCode: q.code, text: q.text, rows, spearman: roundTotal > 0 ? rho(rows.map((r) => r.nationalCount), rows.map((r) => r.count)) : null });
  }
  return { published: { rows: publishedRows, spearman: rho(rated.map((r) => r.published), rated.map((r) => r.mean!)) }, national };
}
