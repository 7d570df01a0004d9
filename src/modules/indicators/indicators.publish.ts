import type { Knex } from 'knex';
import type { TerritoryAggregates } from '../analysis/analysis.service';
import { innovationActivityLevel } from '../../math/innovationActivityLevel';
import type { ValueRecord } from './indicators.schemas';
import { IndicatorsRepository } from './indicators.repository';
import { recomputeDerived } from './indicators.derived';

/**
 * Survey-derived indicators: a round's submitted responses, aggregated per territory in SQL,
 * written into the common value table in the round's own dataset, so that composite indices
 * and models can use them like any statistical indicator.
 *
 * Indicators (codes within the round's dataset, period = the round's year):
 *  SURVEY_MEAN           mean severity of all barrier answers (1-5; "cannot judge" excluded)
 *  SURVEY_MEAN_<CAT>     the same per questionnaire category (e.g. SURVEY_MEAN_FINANCE)
 *  TOP2_<ITEM>           share of answers 4 or 5 on the item, % (e.g. TOP2_B01)
 *  LACT                  share of respondents who introduced an innovation, % of those who answered
 *  N_RESP                number of submitted responses
 * Severity and top-2 shares are destimulants (more severe barriers are worse); LACT and N_RESP
 * are stimulants.
 */
export interface PublishSummary {
  roundId: number;
  datasetId: number;
  period: string;
  territories: number;
  values: number;
}

/** Year of the round: its closing date, else its opening date, else when it was created. */
export function roundPeriod(round: { closesAt: string | null; opensAt: string | null; createdAt: string }): string {
  return (round.closesAt ?? round.opensAt ?? round.createdAt).slice(0, 4);
}

interface SurveyIndicatorDef {
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  unit: string;
  direction: 'stimulant' | 'destimulant';
}

function clip(text: string, max = 300): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** What publishing reads from the modules that own it: the round (locked) and its questionnaire's categories and items. */
export interface PublishSources {
  /** The round's per-territory rating aggregates, from the analysis module (its one aggregation of ratings). */
  aggregates(trx: Knex.Transaction, roundId: number): Promise<TerritoryAggregates>;
  /** The round, locked for the transaction (NotFoundError if absent). */
  lockRound(trx: Knex.Transaction, roundId: number): Promise<{ title: string; questionnaireId: number; closesAt: string | null; opensAt: string | null; createdAt: string }>;
  structure(
    trx: Knex.Transaction,
    questionnaireId: number,
  ): Promise<{
    categories: Array<{ id: number; code: string; title_kk: string; title_ru: string; title_en: string }>;
    items: Array<{ id: number; code: string; text_kk: string; text_ru: string; text_en: string }>;
  }>;
}

/**
 * Publish (or re-publish) the indicators of a round, replacing any earlier publication of the
 * same round in one transaction. Pass a transaction when calling from inside one (closing a
 * round): on SQLite the single connection would otherwise wait for itself.
 */
export async function publishRoundIndicators(db: Knex | Knex.Transaction, roundId: number, sources: PublishSources): Promise<PublishSummary> {
  return db.transaction(async (trx) => {
    const repo = new IndicatorsRepository(trx as unknown as Knex);
    // A double click publishes twice at once: the second waits here and then finds the dataset.
    const round = await sources.lockRound(trx, roundId);
    const period = roundPeriod(round);
    const structure = await sources.structure(trx, round.questionnaireId);
    const aggregates = await sources.aggregates(trx, roundId);

    const definitions: SurveyIndicatorDef[] = [
      {
        code: 'SURVEY_MEAN',
        name_kk: 'Кедергілердің орташа ауырлығы (1-5)',
        name_ru: 'Средняя острота барьеров (1-5)',
        name_en: 'Mean barrier severity (1-5)',
        unit: '1-5',
        direction: 'destimulant',
      },
      ...structure.categories.map((c) => ({
        code: `SURVEY_MEAN_${c.code}`,
        name_kk: clip(`Орташа ауырлық: ${c.title_kk}`),
        name_ru: clip(`Средняя острота: ${c.title_ru}`),
        name_en: clip(`Mean severity: ${c.title_en}`),
        unit: '1-5',
        direction: 'destimulant' as const,
      })),
      ...structure.items.map((i) => ({
        code: `TOP2_${i.code}`,
        name_kk: clip(`4-5 баға үлесі, ${i.code}: ${i.text_kk}`),
        name_ru: clip(`Доля оценок 4-5, ${i.code}: ${i.text_ru}`),
        name_en: clip(`Top-2-box share, ${i.code}: ${i.text_en}`),
        unit: '%',
        direction: 'destimulant' as const,
      })),
      {
        code: 'LACT',
        name_kk: 'Инновациялық белсенділік деңгейі (сауалнама), %',
        name_ru: 'Уровень инновационной активности (опрос), %',
        name_en: 'Innovation activity level Lact (survey), %',
        unit: '%',
        direction: 'stimulant',
      },
      {
        code: 'N_RESP',
        name_kk: 'Респонденттер саны',
        name_ru: 'Число респондентов',
        name_en: 'Number of respondents',
        unit: '',
        direction: 'stimulant',
      },
    ];

    let dataset = await repo.findDatasetByRound(roundId, trx);
    const datasetId =
      dataset?.id ??
      (await repo.createDataset(
        { code: `survey-round-${roundId}`, name: clip(`Survey: ${round.title}`), description: null, source: `Kedergi round ${roundId}`, roundId },
        trx,
      ));
    dataset = await repo.findDataset(datasetId, trx);

    const existing = new Map((await repo.listIndicators(datasetId, trx)).map((i) => [i.code, i]));
    const idOf = new Map<string, number>();
    let position = 0;
    for (const def of definitions) {
      position++;
      const found = existing.get(def.code);
      if (found) {
        idOf.set(def.code, found.id);
        continue;
      }
      idOf.set(def.code, await repo.createIndicator({ datasetId, ...def, source: dataset?.source ?? null, roundId, position }, trx));
    }

    const categoryCode = new Map(structure.categories.map((c) => [c.id, c.code]));
    const itemCode = new Map(structure.items.map((i) => [i.id, i.code]));
    const values: ValueRecord[] = [];
    const put = (code: string, territoryId: number, value: number) => {
      const indicatorId = idOf.get(code);
      if (indicatorId !== undefined && Number.isFinite(value)) values.push({ indicatorId, territoryId, period, value });
    };
    for (const o of aggregates.overall) put('SURVEY_MEAN', o.territoryId, o.mean);
    for (const c of aggregates.byCategory) put(`SURVEY_MEAN_${categoryCode.get(c.categoryId)}`, c.territoryId, c.mean);
    for (const i of aggregates.byItem) put(`TOP2_${itemCode.get(i.itemId)}`, i.territoryId, (i.top2 / i.n) * 100);
    for (const r of aggregates.respondents) {
      put('N_RESP', r.territoryId, r.n);
      if (r.answered > 0) put('LACT', r.territoryId, innovationActivityLevel(r.innovated, r.answered));
    }

    await repo.deleteValuesOfIndicators([...idOf.values()], trx);
    await repo.upsertValues(values, trx);
    await recomputeDerived(repo, datasetId, trx);
    return {
      roundId,
      datasetId,
      period,
      territories: new Set(values.map((v) => v.territoryId)).size,
      values: values.length,
    };
  });
}
