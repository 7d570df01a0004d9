import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import { sharedDomainDir } from '../../paths';
import { EAST_KZ_REGION_CODE } from '../territories/territories.seed';
import type { TerritoryRecord } from '../territories/territories.schemas';
import type { TerritoriesService } from '../territories/territories.service';
import type { TDirection, ValueRecord } from './indicators.schemas';
import { COMPOSITE_FORM_DEFAULTS, formKey, type IndicatorsService } from './indicators.service';

/**
 * Base seeder: every published table of seeds/domain/reference-data/ as a dataset of the value
 * table, and two saved models a researcher sees on a fresh start: the integral index of the 19
 * territories of table 40 and the power model of table 17. Territories are matched by their
 * English names to those the territories seeder created; Kazakhstan-wide series get a
 * territory row of their own (code "kz"). Idempotent: a dataset whose code exists is skipped.
 */
export const KZ_TERRITORY_CODE = 'kz';

const referenceDir = path.join(sharedDomainDir, 'reference-data');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(referenceDir, file), 'utf8')) as T;

interface Names {
  kk: string;
  ru: string;
  en: string;
}
interface IndicatorDef {
  code: string;
  names: Names;
  unit: string;
  direction: TDirection;
}

const n = (en: string, ru: string, kk: string): Names => ({ en, ru, kk });

const TABLE17: IndicatorDef[] = [
  { code: 'INact', names: n('Innovation activity of enterprises', 'Инновационная активность предприятий', 'Кәсіпорындардың инновациялық белсенділігі'), unit: '%', direction: 'stimulant' },
  {
    code: 'dZin',
    names: n('Share of innovation spending in gross regional product', 'Доля затрат на инновации в валовом региональном продукте', 'Инновациялық шығындардың жалпы өңірлік өнімдегі үлесі'),
    unit: '%',
    direction: 'stimulant',
  },
  {
    code: 'Nsb',
    names: n('Active small and medium businesses', 'Действующие субъекты малого и среднего предпринимательства', 'Жұмыс істеп тұрған шағын және орта кәсіпкерлік субъектілері'),
    unit: '×1000',
    direction: 'stimulant',
  },
];

const TABLE18: IndicatorDef[] = [
  { code: 'VRP', names: n('Gross regional product', 'Валовой региональный продукт', 'Жалпы өңірлік өнім'), unit: 'bn ₸', direction: 'stimulant' },
  {
    code: 'PTsb',
    names: n('Labour productivity in active SMEs', 'Производительность труда в действующих субъектах МСП', 'Жұмыс істеп тұрған ШОК субъектілеріндегі еңбек өнімділігі'),
    unit: 'mn ₸ / person',
    direction: 'stimulant',
  },
  { code: 'UB', names: n('Unemployment rate', 'Уровень безработицы', 'Жұмыссыздық деңгейі'), unit: '%', direction: 'destimulant' },
  {
    code: 'SDD',
    names: n('Average per-capita money income', 'Среднедушевые денежные доходы населения', 'Халықтың жан басына шаққандағы орташа ақшалай табысы'),
    unit: '×1000 ₸',
    direction: 'stimulant',
  },
];

const TABLE40: Record<string, { names: Names; unit: string }> = {
  X1: { names: n('Registered unemployment', 'Зарегистрированная безработица', 'Тіркелген жұмыссыздық'), unit: '% econ. active' },
  X2: { names: n('Crude death rate', 'Общий коэффициент смертности', 'Өлім-жітімнің жалпы коэффициенті'), unit: '‰' },
  X3: { names: n('Average nominal monthly wage', 'Среднемесячная номинальная заработная плата', 'Орташа айлық номиналды жалақы'), unit: '₸' },
  X4: { names: n('Industrial output per 1,000 people', 'Объём промышленной продукции на 1000 человек', '1000 адамға шаққандағы өнеркәсіп өнімінің көлемі'), unit: 'mn ₸' },
  X5: { names: n('Investment in fixed capital per 1,000 people', 'Инвестиции в основной капитал на 1000 человек', '1000 адамға шаққандағы негізгі капиталға инвестициялар'), unit: 'mn ₸' },
  X6: { names: n('Goods and services per 1,000 people', 'Товары и услуги на 1000 человек', '1000 адамға шаққандағы тауарлар мен қызметтер'), unit: 'mn ₸' },
};

/** Derived indicators of the national intensity table: E1 and E2 computed, and the growth of innovative products. */
export const KZ_DERIVED = [
  {
    code: 'E1_calc',
    formula: 'X1 / X2',
    unit: '',
    names: { name_en: 'Innovative products / technological innovation spending (computed)', name_ru: 'Инновационная продукция / затраты на технологические инновации (вычислено)', name_kk: 'Инновациялық өнім / технологиялық инновацияларға шығын (есептелген)' },
  },
  {
    code: 'E2_calc',
    formula: 'X1 / X3',
    unit: '',
    names: { name_en: 'Innovative products / R&D spending (computed)', name_ru: 'Инновационная продукция / затраты на НИОКР (вычислено)', name_kk: 'Инновациялық өнім / ҒЗТКЖ шығындары (есептелген)' },
  },
  {
    code: 'X1_growth',
    formula: 'growth(X1)',
    unit: '%',
    names: { name_en: 'Growth rate of innovative products', name_ru: 'Темп прироста инновационной продукции', name_kk: 'Инновациялық өнімнің өсу қарқыны' },
  },
];

const KZ_INTENSITY: IndicatorDef[] = [
  { code: 'X1', names: n('Innovative products', 'Инновационная продукция', 'Инновациялық өнім'), unit: 'mn ₸', direction: 'stimulant' },
  { code: 'X2', names: n('Spending on technological innovation', 'Затраты на технологические инновации', 'Технологиялық инновацияларға шығындар'), unit: 'mn ₸', direction: 'stimulant' },
  { code: 'X3', names: n('R&D spending', 'Затраты на НИОКР', 'ҒЗТКЖ шығындары'), unit: 'mn ₸', direction: 'stimulant' },
  { code: 'X4', names: n('Patent applications filed', 'Поданные патентные заявки', 'Берілген патенттік өтінімдер'), unit: '', direction: 'stimulant' },
  { code: 'X5', names: n('Advanced technologies used', 'Используемые передовые технологии', 'Қолданылатын озық технологиялар'), unit: '', direction: 'stimulant' },
  {
    code: 'E1',
    names: n('Innovative products / technological innovation spending', 'Инновационная продукция / затраты на технологические инновации', 'Инновациялық өнім / технологиялық инновацияларға шығындар'),
    unit: '',
    direction: 'stimulant',
  },
  { code: 'E2', names: n('Innovative products / R&D spending', 'Инновационная продукция / затраты на НИОКР', 'Инновациялық өнім / ҒЗТКЖ шығындары'), unit: '', direction: 'stimulant' },
  { code: 'E3', names: n('Innovative products / research staff', 'Инновационная продукция / научный персонал', 'Инновациялық өнім / ғылыми персонал'), unit: '', direction: 'stimulant' },
  { code: 'E4', names: n('Protection documents / research staff', 'Охранные документы / научный персонал', 'Қорғау құжаттары / ғылыми персонал'), unit: '', direction: 'stimulant' },
  {
    code: 'E5',
    names: n('Innovative products / fixed production assets', 'Инновационная продукция / основные производственные фонды', 'Инновациялық өнім / негізгі өндірістік қорлар'),
    unit: '',
    direction: 'stimulant',
  },
];

const NOT_INNOVATING_EXTRA: Record<string, Names> = {
  'No need because of earlier innovations': n(
    'No need because of earlier innovations',
    'Нет необходимости из-за ранее внедрённых инноваций',
    'Бұрын енгізілген инновацияларға байланысты қажеттілік жоқ',
  ),
  'No need because there is no demand for innovation': n(
    'No need because there is no demand for innovation',
    'Нет необходимости из-за отсутствия спроса на инновации',
    'Инновацияларға сұраныс болмағандықтан қажеттілік жоқ',
  ),
};

interface QuestionnaireItem {
  code: string;
  text: Names;
}

function itemNames(): Map<string, Names> {
  const q = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8')) as { items: QuestionnaireItem[] };
  return new Map(q.items.map((i) => [i.code, i.text]));
}

const REASON_PREFIX = n('Reason for not innovating', 'Причина отказа от инноваций', 'Инновациядан бас тарту себебі');
const MEAN_PREFIX = n('Mean rating', 'Средняя оценка', 'Орташа баға');

function prefixed(prefix: Names, names: Names, code?: string): Names {
  const label = (lang: keyof Names) => `${prefix[lang]}${code ? `, ${code}` : ''}: ${names[lang]}`;
  return { kk: label('kk'), ru: label('ru'), en: label('en') };
}

const clip = (s: string) => (s.length <= 300 ? s : s.slice(0, 299) + '…');

/**
 * Kazakhstan as a territory, parent of the East Kazakhstan region. Being a parent keeps it out
 * of the respondents' district/city choice, which lists leaf territories only.
 */
async function ensureKazakhstan(territories: TerritoriesService, region: TerritoryRecord): Promise<TerritoryRecord> {
  let kazakhstan = await territories.findByCode(KZ_TERRITORY_CODE);
  if (!kazakhstan) {
    const id = await territories.create({
      code: KZ_TERRITORY_CODE,
      name_kk: 'Қазақстан Республикасы',
      name_ru: 'Республика Казахстан',
      name_en: 'Kazakhstan',
      kind: 'region',
      parentId: null,
      position: 10_000,
    });
    kazakhstan = await territories.get(id);
  }
  if (region.parentId === null) {
    const { id: _id, ...rest } = region;
    await territories.update(region.id, { ...rest, parentId: kazakhstan.id });
  }
  return kazakhstan;
}

export async function seedReferenceIndicators(ctx: AppContext, { indicators: service, territories }: { indicators: IndicatorsService; territories: TerritoriesService }): Promise<void> {
  const repo = service.repo;
  const region = await territories.findByCode(EAST_KZ_REGION_CODE);
  if (!region) {
    ctx.logger.warn('reference indicators not seeded: the East Kazakhstan region territory is missing');
    return;
  }
  const items = itemNames();

  /** Creates the dataset with its indicators and values in one transaction; false when it already exists. */
  const seedDataset = async (
    code: string,
    meta: { name: string; description?: string; source: string },
    indicators: IndicatorDef[],
    values: (idOf: (code: string) => number) => ValueRecord[],
  ): Promise<number | undefined> => {
    if (await repo.findDatasetByCode(code)) return undefined;
    return repo.transaction(async (trx) => {
      const datasetId = await repo.createDataset({ code, name: clip(meta.name), description: meta.description ?? null, source: meta.source }, trx);
      const ids = new Map<string, number>();
      let position = 0;
      for (const ind of indicators) {
        ids.set(
          ind.code,
          await repo.createIndicator(
            { datasetId, code: ind.code, name_kk: clip(ind.names.kk), name_ru: clip(ind.names.ru), name_en: clip(ind.names.en), unit: ind.unit, direction: ind.direction, source: meta.source, position: ++position },
            trx,
          ),
        );
      }
      await repo.upsertValues(values((c) => ids.get(c)!), trx);
      return datasetId;
    });
  };

  // Table 17: the region's time series, and the published power model fitted from it.
  type YearRows = { title: string; source: string; rows: Array<Record<string, number>> };
  const t17 = readJson<YearRows>('east-kz-innovation-activity-2010-2020.json');
  const t17Id = await seedDataset('east-kz-innovation-activity-2010-2020', { name: t17.title, source: t17.source }, TABLE17, (idOf) =>
    t17.rows.flatMap((row) => TABLE17.map((ind) => ({ indicatorId: idOf(ind.code), territoryId: region.id, period: String(row.year), value: row[ind.code]! }))),
  );
  if (t17Id !== undefined) {
    const ids = await repo.listIndicators(t17Id);
    const id = (code: string) => ids.find((i) => i.code === code)!.id;
    await service.createFit(null, t17Id, {
      title: 'Table 17: INact = A · dZin^b1 · Nsb^b2 · t^b3',
      form: 'power',
      rowsBy: 'period',
      territoryId: region.id,
      y: id('INact'),
      x: [String(id('dZin')), String(id('Nsb'))],
      trend: true,
      period: {},
    });
  }

  // Table 18: the region's socio-economic series.
  const t18 = readJson<YearRows>('east-kz-socioeconomic-2010-2020.json');
  await seedDataset('east-kz-socioeconomic-2010-2020', { name: t18.title, source: t18.source }, TABLE18, (idOf) =>
    t18.rows.flatMap((row) => TABLE18.map((ind) => ({ indicatorId: idOf(ind.code), territoryId: region.id, period: String(row.year), value: row[ind.code]! }))),
  );

  // Table 40: 19 territories and the regional total in 2020; the integral index of the 19.
  const t40 = readJson<{
    title: string;
    source: string;
    note: string;
    columns: Record<string, { en: string; direction: TDirection }>;
    rows: Array<{ en: string; kind: string } & Record<string, number | string>>;
  }>('east-kz-territories-2020.json');
  const match = await territories.matcher();
  const territoryOf = (row: { en: string; kind: string }) => (row.kind === 'region' ? region : match(row.en));
  const unmatched = t40.rows.filter((r) => !territoryOf(r)).map((r) => r.en);
  if (unmatched.length) ctx.logger.warn({ unmatched }, 'table 40 territories without a territory row are skipped');
  const t40Defs = Object.entries(t40.columns).map(([code, c]) => ({ code, names: TABLE40[code]!.names, unit: TABLE40[code]!.unit, direction: c.direction }));
  const t40Id = await seedDataset('east-kz-territories-2020', { name: t40.title, description: t40.note, source: t40.source }, t40Defs, (idOf) =>
    t40.rows.flatMap((row) => {
      const territory = territoryOf(row);
      return territory ? t40Defs.map((ind) => ({ indicatorId: idOf(ind.code), territoryId: territory.id, period: '2020', value: Number(row[ind.code]) })) : [];
    }),
  );
  if (t40Id !== undefined) {
    const indicators = await repo.listIndicators(t40Id);
    const nineteen = t40.rows.filter((r) => r.kind !== 'region').flatMap((r) => territoryOf(r) ?? []);
    await service.createComposite(null, {
      title: 'Table 40: integral index of 19 territories, X1–X6, 2020',
      territories: nineteen.map((t) => String(t.id)),
      indicators: indicators.map((i) => String(i.id)),
      direction: Object.fromEntries(indicators.map((i) => [formKey(i.id), i.direction])),
      weight: Object.fromEntries(indicators.map((i) => [formKey(i.id), 1])),
      period: Object.fromEntries(indicators.map((i) => [formKey(i.id), '2020'])),
      aggregate: 'arithmetic',
      levels: 'equal-interval',
      seed: 1,
      ...COMPOSITE_FORM_DEFAULTS,
      // The demo index shows how stable each territory's rank is (issue 17).
      robustness: true,
    });
  }

  // Tables 36-38: Kazakhstan-wide intensity and efficiency series with the published It and Io.
  const kz = readJson<{
    title: string;
    source: string;
    rows: Array<Record<string, number>>;
    partialIndices: { note: string; It: Record<string, number>; Io: Record<string, number> };
  }>('kz-innovation-intensity-2013-2018.json');
  if (!(await repo.findDatasetByCode('kz-innovation-intensity-2013-2018'))) {
    const kazakhstan = await ensureKazakhstan(territories, region);
    const partialDefs = KZ_INTENSITY.flatMap((ind) => [
      {
        code: `It.${ind.code}`,
        names: n(`It (average growth rate index): ${ind.names.en}`, `It (индекс среднего темпа роста): ${ind.names.ru}`, `It (орташа өсу қарқынының индексі): ${ind.names.kk}`),
        unit: '0-1',
        direction: 'stimulant' as const,
      },
      {
        code: `Io.${ind.code}`,
        names: n(`Io (average volume index): ${ind.names.en}`, `Io (индекс среднего объёма): ${ind.names.ru}`, `Io (орташа көлем индексі): ${ind.names.kk}`),
        unit: '0-1',
        direction: 'stimulant' as const,
      },
    ]);
    const kzId = await seedDataset('kz-innovation-intensity-2013-2018', { name: kz.title, description: kz.partialIndices.note, source: kz.source }, [...KZ_INTENSITY, ...partialDefs], (idOf) => [
      ...kz.rows.flatMap((row) => KZ_INTENSITY.map((ind) => ({ indicatorId: idOf(ind.code), territoryId: kazakhstan.id, period: String(row.year), value: row[ind.code]! }))),
      ...KZ_INTENSITY.flatMap((ind) => [
        { indicatorId: idOf(`It.${ind.code}`), territoryId: kazakhstan.id, period: '2013-2018', value: kz.partialIndices.It[ind.code]! },
        { indicatorId: idOf(`Io.${ind.code}`), territoryId: kazakhstan.id, period: '2013-2018', value: kz.partialIndices.Io[ind.code]! },
      ]),
    ]);
    // Derived indicators that reproduce the source's efficiency columns E1 and E2 from X1-X3 (issue 17).
    if (kzId !== undefined) {
      for (const d of KZ_DERIVED) await service.createDerived(kzId, { ...d.names, code: d.code, formula: d.formula, unit: d.unit, direction: 'stimulant' });
    }
  }

  // Table 21: enterprises' reasons for not innovating in 2020, by territory.
  const t21 = readJson<{ title: string; source: string; territories: string[]; rows: Array<{ item: string | null; en: string; counts: number[] }> }>(
    'east-kz-reasons-not-innovating-2020.json',
  );
  const t21Defs = t21.rows.map((row, k) => ({
    code: row.item ? `NI_${row.item}` : /earlier/i.test(row.en) ? 'NI_EARLIER' : /no demand/i.test(row.en) ? 'NI_NODEMAND' : `NI_OTHER${k}`,
    names: prefixed(
      REASON_PREFIX,
      row.item && items.get(row.item) ? items.get(row.item)! : (NOT_INNOVATING_EXTRA[row.en] ?? n(row.en, row.en, row.en)),
    ),
    unit: '',
    direction: 'destimulant' as const,
  }));
  const t21Territories = t21.territories.map((name) => (name === 'region' ? region : match(name)));
  await seedDataset('east-kz-reasons-not-innovating-2020', { name: t21.title, source: t21.source }, t21Defs, (idOf) =>
    t21.rows.flatMap((row, k) =>
      row.counts.flatMap((count, j) => {
        const territory = t21Territories[j];
        return territory ? [{ indicatorId: idOf(t21Defs[k]!.code), territoryId: territory.id, period: '2020', value: count }] : [];
      }),
    ),
  );

  // Table 13: mean ratings of the five problems by 32 enterprises (the survey year is not published).
  const t13 = readJson<{ title: string; source: string; n: number; means: Record<string, number> }>('east-kz-sme-barrier-survey-means.json');
  const t13Defs: IndicatorDef[] = [
    ...Object.keys(t13.means).map((code) => ({
      code: `MEAN_${code}`,
      names: prefixed(MEAN_PREFIX, items.get(code) ?? n(code, code, code), code),
      unit: '1-5',
      direction: 'destimulant' as const,
    })),
    { code: 'N_RESP', names: n('Number of respondents', 'Число респондентов', 'Респонденттер саны'), unit: '', direction: 'stimulant' },
  ];
  await seedDataset('east-kz-sme-barrier-survey-means', { name: t13.title, description: 'Period "undated": the source does not give the survey year.', source: t13.source }, t13Defs, (idOf) => [
    ...Object.entries(t13.means).map(([code, mean]) => ({ indicatorId: idOf(`MEAN_${code}`), territoryId: region.id, period: 'undated', value: mean })),
    { indicatorId: idOf('N_RESP'), territoryId: region.id, period: 'undated', value: t13.n },
  ]);
}

/** Demo seeder (after the demo responses): publishes the survey indicators of every demo round not yet published. */
export async function seedSurveyIndicators(_ctx: AppContext, { indicators }: { indicators: IndicatorsService }): Promise<void> {
  for (const round of await indicators.surveyRounds()) {
    if (round.submitted > 0 && round.publishedDatasetId === null && round.status !== 'draft') await indicators.publishRound(round.id);
  }
}
