import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import { sharedDomainDir } from '../../paths';
import { territoryCodeFromEnglish } from '../territories/territories.seed';
import type { ProgrammesService } from './programmes.service';
import type { TNames, TProgrammeSpec } from './programmes.schemas';

/**
 * Base seeder: the Government's concept for science-concentration territories 2026-2035
 * (Resolution No. 1134 of 24 December 2025), read from seeds/domain/reference-data and turned
 * into the programme import format, then loaded through the same service call as an uploaded
 * programme. Kazakh strings are the source's; Russian and English come from the reference file
 * where it gives them (its note: they are our translation, not official texts), and the few it
 * leaves out (units, deadlines, reporting duties, table 2 column names) are translated here with
 * the same terms. Idempotent: a programme with the code is left alone.
 */
export const CONCEPT_CODE = 'kz-science-territories-2026-2035';
export const CONCEPT_FILE = 'kz-science-territories-concept-2026-2035.json';

type Loc = { kk?: string | null; ru?: string | null; en?: string | null };

interface Reference {
  resolution: { kk: string; ru: string; en: string };
  passport: {
    name: TNames;
    responsibleBodies: Array<{ kk: string; ru: string; en: string; abbr: string | null }>;
    implementationPeriod: { from: number; to: number };
  };
  targetIndicators: {
    rows: Array<{
      code: string;
      kk: string;
      ru: string;
      en: string;
      unit: { kk: string; en: string };
      direction: string;
      baseline: { year: number; value: number };
      targets: Record<string, number>;
      linkedDirection: number;
      note: string | null;
    }>;
  };
  expectedResults: {
    rows: Array<{ id: string; kind: string; kk: string; ru: string; en: string; unit: Loc | null; target: { year: number | null; value?: number } | null; baseline: { year: number | null; value: number } | null; note: string | null }>;
  };
  actionPlan: {
    directions: Array<{ direction: number; kk: string; ru: string; en: string }>;
    rows: Array<{
      number: number;
      direction: number;
      kk: string;
      ru: string;
      en: string;
      completionForm: TNames;
      deadline: { kk: string; en: string; kind: 'once' | 'annual' | 'unclear'; years: number[]; dueMonth: number | null };
      executors: Array<{ body: string; byAgreement: boolean }>;
      note: string | null;
    }>;
  };
  reporting: {
    rows: Array<{ id: string; kind: string; recipient: Loc | null; what: Loc | null; deadline: { day?: number; month?: number; relativeYear?: string } | null; publication: unknown }>;
  };
  scienceCityCriteria: { rows: Array<{ id: string; kind: string; kk: string; ru: string; en: string; threshold: { operator?: string; value?: number } | null }> };
  regionalBaseline: {
    table2: {
      title: TNames;
      year: number;
      note: string;
      columns: Record<string, { kk: string; en: string; unit: string }>;
      rows: Array<{ kk: string; ru: string; en: string; kind: 'country' | 'region' | 'city' } & Record<string, unknown>>;
    };
  };
  glossary: { rows: Array<{ abbr: string; kk: string | null; ru: string; en: string; note: string | null }> };
}

export function readConcept(): Reference {
  return JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'reference-data', CONCEPT_FILE), 'utf8')) as Reference;
}

/** Units as printed (kk) and in the reference's English, with our Russian. */
const UNIT_RU: Record<string, string> = {
  'млрд теңге': 'млрд тенге',
  орын: 'место в рейтинге GII',
  адам: 'человек',
  бірлік: 'единиц',
  '%': '%',
};

const MONTHS_RU = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'];

/** Glossary abbreviations that name an organisation (the rest are terms: GDP, VAT, PhD...). */
const BODY_ABBREVIATIONS = [
  'ҒЖБМ',
  'АЭА',
  'Қаржымині',
  'ҰЭМ',
  'ҚР ҰҒА',
  'ЯФИ',
  'ҰЯО',
  '"Назарбаев Университеті" ДБҰ',
  'ҰБ',
  'ҚНРДА',
  'ЖЖОКБҰ',
  '"Самұрық-Қазына" ҰӘҚ" АҚ',
  'ЖАО',
  'ҰҒК',
  'ЖҒТК',
  'ААЭ',
];

/** Our Russian for the deadlines, from the structured fields of the reference (the kk text is printed). */
function deadlineRu(d: Reference['actionPlan']['rows'][number]['deadline'], dueMonth: number): string {
  const years = d.years;
  if (d.kind === 'annual') return `${MONTHS_RU[dueMonth - 1]} каждого года, ${years[0]}–${years[years.length - 1]} гг.`;
  if (/тоқсан/.test(d.kk)) return `I квартал ${years[0]} года`;
  if (d.kind === 'unclear') return `${MONTHS_RU[dueMonth - 1]} ${years[0]} года (напечатано «${years[0]} жылдардағы», как диапазон без конечного года)`;
  return `${MONTHS_RU[dueMonth - 1]} ${years[0]} года`;
}

const TABLE2_RU: Record<string, string> = {
  GRP: 'Валовой региональный продукт, млрд тенге',
  RDexp: 'Затраты на НИОКР, млрд тенге',
  RDstaff: 'Численность работников, выполнявших НИОКР, человек',
  RDexpPerStaff: 'Затраты на одного работника, млн тенге',
  researchersPerMillion: 'Число исследователей на миллион жителей (в эквиваленте полной занятости)',
};
const TABLE2_EN: Record<string, string> = {
  GRP: 'Gross regional product, billion tenge',
  RDexp: 'R&D expenditure, billion tenge',
  RDstaff: 'Staff who performed R&D, persons',
  RDexpPerStaff: 'Expenditure per R&D staff member, million tenge',
  researchersPerMillion: 'Researchers per million inhabitants (full-time equivalent)',
};

const names = (n: TNames): TNames => ({ kk: n.kk, ru: n.ru, en: n.en });

/** The concept in the programme import format. Pure: reads nothing but its argument. */
export function conceptSpec(ref: Reference): TProgrammeSpec {
  const glossary = new Map(ref.glossary.rows.map((g) => [g.abbr, g]));
  const akimats = ref.passport.responsibleBodies.filter((b) => b.abbr === null).map((b) => ({ ...b, kk: b.kk.replace(/;$/, '').trim() }));
  const bodies: TProgrammeSpec['bodies'] = [
    ...BODY_ABBREVIATIONS.map((abbr) => {
      const g = glossary.get(abbr);
      if (!g) throw new Error(`concept seed: ${abbr} is not in the glossary`);
      return { code: abbr, name: { kk: g.kk ?? abbr, ru: g.ru, en: g.en }, ...(g.note ? { note: g.note } : {}) };
    }),
    ...akimats.map((a) => ({ code: a.kk, name: { kk: a.kk, ru: a.ru, en: a.en } })),
  ];
  const known = new Set(bodies.map((b) => b.code));
  for (const m of ref.actionPlan.rows) for (const e of m.executors) if (!known.has(e.body)) throw new Error(`concept seed: executor ${e.body} of measure ${m.number} is not a body`);

  const unit = (u: Loc | null | undefined): TNames | undefined => {
    if (!u || (!u.kk && !u.en)) return undefined;
    const kk = u.kk ?? (u.en === 'territories' ? 'аумақ' : u.en!);
    return { kk, ru: u.en === '% of GDP' ? '% ВВП' : u.en === 'territories' ? 'территорий' : (UNIT_RU[kk] ?? kk), en: u.en ?? kk };
  };

  const r1 = ref.reporting.rows.find((r) => r.id === 'R1')!;
  const r2 = ref.reporting.rows.find((r) => r.id === 'R2')!;
  const th = ref.scienceCityCriteria.rows.find((r) => r.id === 'TH1')!;
  const table2 = ref.regionalBaseline.table2;

  return {
    code: CONCEPT_CODE,
    name: names(ref.passport.name),
    basis: { kk: ref.resolution.kk, ru: ref.resolution.ru, en: ref.resolution.en },
    periodFrom: ref.passport.implementationPeriod.from,
    periodTo: ref.passport.implementationPeriod.to,
    baselineYear: ref.targetIndicators.rows[0]!.baseline.year,
    statusRule: { onTrackMin: 1, atRiskMin: 0.9 },
    source: `${ref.resolution.en}. Transcribed from the Kazakh text (seeds/domain/reference-data/${CONCEPT_FILE}); Russian and English are our translation, not official texts.`,
    bodies,
    indicators: ref.targetIndicators.rows.map((t) => ({
      code: t.code,
      name: { kk: t.kk, ru: t.ru, en: t.en },
      unit: { kk: t.unit.kk, ru: t.code === 'T6' ? 'единиц (патентов) в год' : (UNIT_RU[t.unit.kk] ?? t.unit.kk), en: t.unit.en },
      direction: t.direction.startsWith('lower') ? 'lower' : 'higher',
      baseline: t.baseline,
      targets: t.targets,
      directionNumber: t.linkedDirection,
      ...(t.note ? { note: t.note } : {}),
    })),
    results: ref.expectedResults.rows.map((r) => ({
      code: r.id,
      kind: r.kind === 'expected result' ? 'result' : 'related',
      name: { kk: r.kk, ru: r.ru, en: r.en },
      ...(unit(r.unit) ? { unit: unit(r.unit) } : {}),
      ...(r.target && typeof r.target.value === 'number' ? { target: { year: r.target.year, value: r.target.value } } : {}),
      ...(r.baseline ? { baseline: r.baseline } : {}),
      ...(r.note ? { note: r.note } : {}),
    })),
    directions: ref.actionPlan.directions.map((d) => ({ number: d.direction, name: { kk: d.kk, ru: d.ru, en: d.en } })),
    measures: ref.actionPlan.rows.map((m) => {
      // "I тоқсан" (first quarter) has no month: due by the end of the quarter, March.
      const dueMonth = m.deadline.dueMonth ?? (/тоқсан/.test(m.deadline.kk) ? 3 : 12);
      const years = m.deadline.years;
      return {
        number: m.number,
        direction: m.direction,
        name: { kk: m.kk, ru: m.ru, en: m.en },
        completionForm: names(m.completionForm),
        deadline: {
          // "Unclear" (measure 11, "2028 жылдардағы") is read as the one year printed; the note says so.
          kind: m.deadline.kind === 'annual' ? 'annual' : 'once',
          from: years[0]!,
          to: years[years.length - 1]!,
          dueMonth,
          label: { kk: m.deadline.kk, ru: deadlineRu(m.deadline, dueMonth), en: m.deadline.en },
        },
        executors: m.executors,
        ...(m.note ? { note: m.note } : {}),
      };
    }),
    duties: [
      {
        code: r1.id,
        reporter: 'executors',
        recipient: { kk: r1.recipient!.kk!, ru: 'Министерство науки и высшего образования Республики Казахстан', en: 'Ministry of Science and Higher Education of the Republic of Kazakhstan' },
        what: { kk: r1.what!.kk!, ru: 'информация о ходе реализации Концепции', en: r1.what!.en! },
        dueDay: r1.deadline!.day!,
        dueMonth: r1.deadline!.month!,
        yearOffset: Number(r1.deadline!.relativeYear),
        publish: false,
      },
      {
        code: r2.id,
        reporter: 'lead',
        leadBody: 'ҒЖБМ',
        recipient: { kk: r2.recipient!.kk!, ru: 'уполномоченный орган по государственному планированию', en: 'authorised body for state planning' },
        what: { kk: r2.what!.kk!, ru: 'отчёт о ходе реализации Концепции', en: r2.what!.en! },
        dueDay: r2.deadline!.day!,
        dueMonth: r2.deadline!.month!,
        yearOffset: Number(r2.deadline!.relativeYear),
        publish: Boolean(r2.publication),
      },
    ],
    regionalBaseline: {
      title: names(table2.title),
      period: String(table2.year),
      source: `${ref.resolution.en}, section 2, Table 2 (the table prints no source of its own)`,
      columns: Object.entries(table2.columns).map(([code, c]) => ({
        code,
        name: { kk: c.kk.replace('шығын-дары', 'шығындары'), ru: TABLE2_RU[code]!, en: TABLE2_EN[code]! },
        unit: c.unit,
        direction: 'stimulant' as const,
      })),
      rows: table2.rows.map((r) => ({
        // The country row joins the "kz" territory of the other reference tables.
        code: r.kind === 'country' ? 'kz' : territoryCodeFromEnglish(r.en),
        name: { kk: r.kind === 'region' && !/облыс/.test(r.kk) ? `${r.kk} облысы` : r.kk, ru: r.ru, en: r.en },
        kind: r.kind,
        values: Object.fromEntries(Object.keys(table2.columns).map((code) => [code, typeof r[code] === 'number' ? (r[code] as number) : null])),
      })),
    },
    criteria: [
      ...ref.scienceCityCriteria.rows.filter((r) => r.kind === 'status criterion').map((r) => ({ code: r.id, name: { kk: r.kk, ru: r.ru, en: r.en } })),
      { code: th.id, name: { kk: th.kk, ru: th.ru, en: th.en }, threshold: { operator: '>=' as const, value: th.threshold!.value! } },
    ],
  };
}

export async function seedConceptProgramme(_ctx: AppContext, { programmes }: { programmes: ProgrammesService }): Promise<void> {
  if (await programmes.findByCode(CONCEPT_CODE)) return;
  await programmes.importSpec(conceptSpec(readConcept()));
}
