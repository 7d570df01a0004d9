import { ValidationError, type FieldError } from '../../errors';
import { readXlsxSheets, TableReadError, type TableRow, type XlsxSheet } from '../../lib/spreadsheet';
import {
  QUESTION_ROLES,
  ZCode,
  scaleChoices,
  scaleFromChoices,
  xlsFormKind,
  xlsFormWrite,
  TERRITORIES_FILE,
  type TCondition,
  type TLocalizedText,
  type TQuestion,
  type TQuestionRole,
  type TScale,
  type XlsChoice,
  type XlsRead,
  type XlsWrite,
} from './kinds';
import { PROFILE_CATEGORY } from './questionnaires.form';
import { ZQuestionnaireDefinition, type TProfileQuestion, type TQuestionnaireDefinition } from './questionnaires.schemas';
import { definitionErrors } from './questionnaires.service';

/**
 * XLSForm (https://xlsform.org) in and out, for the question kinds Kedergi has.
 *
 * How each kind travels (its part is the `xlsform` member of its definition in kinds/*; this file
 * writes and reads the sheets, names, languages, sections, conditions and "other" rows around it):
 * - rating: `select_one <list>` with appearance `likert`; the list's choices are the scale points
 *   (names 1..5, or 0..10, labels per point). "Cannot judge" is one more choice named -99 (the code
 *   Kedergi's data exports give it); a rating that does not offer it filters it out with
 *   choice_filter `name != '-99'`. The questionnaire's own scale is the list `scale`; ratings on it
 *   are the original `items`; a rating with a scale of its own has the list `<name>_scale`.
 * - single-choice: `select_one`; multi-choice: `select_multiple` (at most n: constraint
 *   `count-selected(.) <= n`; an option that excludes the others:
 *   `not(selected(., 'X') and count-selected(.) > 1)`); ranking: `rank` (top k of n: `kedergi_pick`).
 * - "other, please specify": a choice X plus the next row `text <question>_<X>` relevant on X, as the
 *   specification recommends; `or_other` is read too.
 * - options from the territory directory: `select_one_from_file territories.csv`.
 * - number: `integer` or `decimal`, bounds as constraint `. >= a and . <= b`, the unit as hint.
 * - text: `text`, its length as constraint `string-length(.) <= n`, several lines as appearance `multiline`.
 * - sections: `begin_group`/`end_group` (label per language, condition as `relevant`, PEST as
 *   `kedergi_pest`); the profile questions: the group `_profile`.
 * - conditions: `relevant` as `${q} = 'a' or ${q} = 'b'` (single choice) or `selected(${q}, 'a')` (multi).
 * - Kedergi facts XLSForm has no column for travel in `kedergi_*` columns, which pyxform keeps
 *   as unknown columns and ignores: role, reference mean, comment, ranking depth, PEST, the
 *   questionnaire's title in three languages and source note.
 * Labels and hints are `label::Kazakh (kk)`, `label::Russian (ru)`, `label::English (en)`.
 *
 * Reading never guesses silently: anything a Kedergi questionnaire cannot hold (another question
 * type, a nested group, an expression it cannot evaluate, a language it does not speak, a hint
 * outside a number question) is listed by sheet and row, and nothing is imported. What it can
 * complete is done and reported as a warning: a label missing in a language is copied from
 * another (and shows up as untranslated in the builder), metadata rows (start, end, ...) are skipped.
 */

export const XLSFORM_LANGUAGES = { kk: 'Kazakh', ru: 'Russian', en: 'English' } as const;
type Lang = keyof typeof XLSFORM_LANGUAGES;
const LANGS: Lang[] = ['kk', 'ru', 'en'];

/** The questionnaire's rating scale as a choice list. */
export const SHARED_SCALE_LIST = 'scale';
const PROFILE_LABEL: TLocalizedText = { kk: 'Кәсіпорын туралы', ru: 'О предприятии', en: 'About the enterprise' };
const DEFAULT_CATEGORY = 'main';
const DEFAULT_CATEGORY_TITLE: TLocalizedText = { kk: 'Сұрақтар', ru: 'Вопросы', en: 'Questions' };
const OR_OTHER_LABEL: TLocalizedText = { kk: 'Басқа', ru: 'Другое', en: 'Other' };

/** XLSForm names: a letter or underscore, then letters, digits, hyphens, underscores, periods (xlsform.org, "Setting up your worksheets"). */
export const XLSFORM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A Kedergi code as an XLSForm name: codes may start with a digit, names may not, so such a code gets a leading underscore. */
export function nameOf(code: string): string {
  return /^[A-Za-z_]/.test(code) ? code : `_${code}`;
}

/** The inverse of nameOf: a Kedergi code never starts with an underscore, so one is always the one nameOf added. */
function codeOf(name: string): string {
  return /^_[A-Za-z0-9]/.test(name) ? name.slice(1) : name;
}

/* ------------------------------------------------------------------------------------------
 * Export
 * ---------------------------------------------------------------------------------------- */

const SURVEY_HEADER = [
  'type',
  'name',
  ...LANGS.map((l) => `label::${XLSFORM_LANGUAGES[l]} (${l})`),
  ...LANGS.map((l) => `hint::${XLSFORM_LANGUAGES[l]} (${l})`),
  'required',
  'relevant',
  'constraint',
  'appearance',
  'choice_filter',
  'kedergi_role',
  'kedergi_reference_mean',
  'kedergi_comment',
  'kedergi_pick',
  'kedergi_pest',
] as const;
type SurveyColumn = (typeof SURVEY_HEADER)[number] | 'label' | 'hint';
const CHOICES_HEADER = ['list_name', 'name', ...LANGS.map((l) => `label::${XLSFORM_LANGUAGES[l]} (${l})`)];
const SETTINGS_HEADER = ['form_title', 'form_id', 'version', 'default_language', 'kedergi_title_kk', 'kedergi_title_ru', 'kedergi_title_en', 'kedergi_source'];

type Cell = string | number | null;

interface SurveyRow {
  type: string;
  name?: string;
  label?: TLocalizedText;
  hint?: TLocalizedText;
  required?: boolean;
  relevant?: string;
  constraint?: string;
  appearance?: string;
  choice_filter?: string;
  kedergi_role?: string | number | boolean;
  kedergi_reference_mean?: string | number | boolean;
  kedergi_comment?: string | number | boolean;
  kedergi_pick?: string | number | boolean;
  kedergi_pest?: string | number | boolean;
}

function surveyCells(row: SurveyRow): Cell[] {
  const yesNo = (v: string | number | boolean | undefined) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 'yes' : 'no') : v);
  return [
    row.type,
    row.name ?? null,
    ...LANGS.map((l) => row.label?.[l] ?? null),
    ...LANGS.map((l) => row.hint?.[l] ?? null),
    yesNo(row.required),
    row.relevant ?? null,
    row.constraint ?? null,
    row.appearance ?? null,
    row.choice_filter ?? null,
    yesNo(row.kedergi_role),
    yesNo(row.kedergi_reference_mean),
    yesNo(row.kedergi_comment),
    yesNo(row.kedergi_pick),
    yesNo(row.kedergi_pest),
  ];
}

/** A condition as a `relevant` expression; `multi` says whether its source question is a multiple choice. */
export function relevantOf(condition: TCondition, multi: boolean): string {
  const q = nameOf(condition.question);
  return condition.anyOf.map((code) => (multi ? `selected(\${${q}}, '${code}')` : `\${${q}} = '${code}'`)).join(' or ');
}

/**
 * The XLSForm workbook of a definition: sheets survey, choices and settings, in that order.
 * `version` goes to the settings sheet (informative; an import numbers versions itself). Each
 * question's row comes from its kind (kinds/*: xlsform.write); this function writes the sections,
 * the profile, names, labels, conditions and "other, please specify" rows around it.
 */
export function xlsFormSheets(def: TQuestionnaireDefinition, version: number | null): XlsxSheet[] {
  const survey: Cell[][] = [];
  const choices: Cell[][] = [];
  const lists = new Set<string>();
  const addList = (wanted: string, options: XlsChoice[]): string => {
    let list = wanted;
    for (let i = 2; lists.has(list); i++) list = `${wanted}_${i}`;
    lists.add(list);
    // Whole numbers as numbers (scale points, -99): a spreadsheet then does not take "-99" for a formula.
    for (const o of options) choices.push([list, /^-?\d+$/.test(o.name) ? Number(o.name) : o.name, ...LANGS.map((l) => o.text[l])]);
    return list;
  };
  // The shared scale is written even when no question uses it: it is part of the definition.
  const sharedList = addList(SHARED_SCALE_LIST, scaleChoices(def.scale));

  const multiSources = new Set<string>();
  for (const p of def.profile) if (p.type === 'multi-choice') multiSources.add(p.code);
  for (const q of def.questions ?? []) if (q.kind === 'multi-choice') multiSources.add(q.code);
  const relevant = (c: TCondition | undefined) => (c ? relevantOf(c, multiSources.has(c.question)) : undefined);

  /** A question's row from its kind's XLSForm form, and the "other" row after it. */
  const questionRows = (x: TQuestion, extra: Partial<SurveyRow> = {}) => {
    const w: XlsWrite | undefined = xlsFormWrite(x, def.scale);
    if (!w) throw new ValidationError([{ path: x.code, key: 'exchange:xlsform.kindNotExported', params: { kind: x.kind } }], 'exchange:xlsform.exportFailed');
    let type = w.type;
    if (w.list) {
      const list = 'shared' in w.list ? sharedList : addList(`${nameOf(x.code)}${w.list.suffix ?? ''}`, [...w.list.choices, ...(w.other ? [{ name: w.other.code, text: w.other.text }] : [])]);
      type = `${w.type} ${list}`;
    }
    survey.push(
      surveyCells({
        type,
        name: nameOf(x.code),
        label: x.text,
        ...(w.hint ? { hint: w.hint } : {}),
        required: x.required !== false,
        relevant: relevant(x.showIf),
        ...(w.constraint?.length ? { constraint: w.constraint.join(' and ') } : {}),
        ...(w.appearance ? { appearance: w.appearance } : {}),
        ...(w.choiceFilter ? { choice_filter: w.choiceFilter } : {}),
        ...(x.role ? { kedergi_role: x.role } : {}),
        ...w.kedergi,
        ...extra,
      }),
    );
    if (w.other) {
      survey.push(
        surveyCells({
          type: 'text',
          name: `${nameOf(x.code)}_${w.other.code}`,
          label: w.other.text,
          required: true,
          relevant: relevantOf({ question: x.code, anyOf: [w.other.code] }, w.type === 'select_multiple'),
          ...(w.other.maxLength !== undefined ? { constraint: `string-length(.) <= ${w.other.maxLength}` } : {}),
        }),
      );
    }
  };

  if (def.profile.length) {
    // The original format's profile questions, written as the kinds they are asked as.
    survey.push(surveyCells({ type: 'begin_group', name: PROFILE_CATEGORY, label: PROFILE_LABEL }));
    for (const p of def.profile) questionRows(profileAsQuestion(p), { required: p.required });
    survey.push(surveyCells({ type: 'end_group' }));
  }

  for (const c of def.categories) {
    survey.push(surveyCells({ type: 'begin_group', name: nameOf(c.code), label: c.title, relevant: relevant(c.showIf), ...(c.pest ? { kedergi_pest: c.pest } : {}) }));
    // The order the form asks them in: the original format's ratings first, then the other questions.
    for (const item of def.items.filter((i) => i.category === c.code)) {
      questionRows({
        kind: 'rating',
        code: item.code,
        category: item.category,
        text: item.text,
        ...(item.required === false ? { required: false } : {}),
        ...(item.referenceMean !== undefined ? { referenceMean: item.referenceMean } : {}),
        ...(item.allowComment !== undefined ? { allowComment: item.allowComment } : {}),
        ...(item.allowCannotJudge !== undefined ? { allowCannotJudge: item.allowCannotJudge } : {}),
      });
    }
    for (const q of (def.questions ?? []).filter((x) => x.category === c.code)) questionRows(q);
    survey.push(surveyCells({ type: 'end_group' }));
  }

  const settings: Cell[][] = [[def.title.kk, def.code, version === null ? null : String(version), `${XLSFORM_LANGUAGES.kk} (kk)`, def.title.kk, def.title.ru, def.title.en, def.source ?? null]];
  return [
    { name: 'survey', header: [...SURVEY_HEADER], rows: survey, widths: SURVEY_HEADER.map((h) => (h.startsWith('label') ? 40 : h === 'type' ? 28 : h === 'relevant' || h === 'constraint' ? 30 : 14)) },
    { name: 'choices', header: CHOICES_HEADER, rows: choices, widths: [16, 12, 30, 30, 30] },
    { name: 'settings', header: SETTINGS_HEADER, rows: settings },
  ];
}

/** A profile question of the original format as the question kind it is asked as (form.ts does the same for the form). */
function profileAsQuestion(p: TProfileQuestion): TQuestion {
  const base = { code: p.code, category: PROFILE_CATEGORY, text: p.text };
  switch (p.type) {
    case 'choice-from-territories':
      return { ...base, kind: 'single-choice', optionsFrom: 'territories' };
    case 'choice':
      return { ...base, kind: 'single-choice', options: p.options };
    case 'multi-choice':
      return { ...base, kind: 'multi-choice', options: p.options };
    case 'integer':
      return { ...base, kind: 'number', integer: true, min: p.min, max: p.max };
  }
}

/** A question read from the _profile group back as a profile question; undefined when the profile cannot hold it. */
function questionAsProfile(x: TQuestion, required: boolean): TProfileQuestion | undefined {
  const base = { code: x.code, required, text: x.text };
  if (x.kind === 'single-choice' && !x.other) return x.optionsFrom ? { ...base, type: 'choice-from-territories' } : x.options ? { ...base, type: 'choice', options: x.options } : undefined;
  if (x.kind === 'multi-choice' && !x.other && x.maxChoices === undefined) return { ...base, type: 'multi-choice', options: x.options };
  if (x.kind === 'number' && x.integer && x.min !== undefined && x.max !== undefined && !x.unit) return { code: x.code, type: 'integer', min: x.min, max: x.max, required, text: x.text };
  return undefined;
}

/* ------------------------------------------------------------------------------------------
 * Import
 * ---------------------------------------------------------------------------------------- */

export interface XlsFormIssue {
  /** Where: `survey!F12` (sheet, column, row as a spreadsheet names a cell), `survey!12:12` (a row), or a sheet. */
  path: string;
  key: string;
  params?: Record<string, unknown>;
}

export interface XlsFormImport {
  definition: TQuestionnaireDefinition;
  warnings: XlsFormIssue[];
}

function columnLetters(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** A formula-like text that the exporter (or Excel) neutralised with a leading apostrophe reads back as written. */
function cellText(value: string | undefined): string {
  const text = (value ?? '').trim();
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

interface Column {
  index: number;
  header: string;
  /** Lower-case, spaces as underscores, without the language part. */
  base: string;
  /** The language of a `label::Kazakh (kk)` column; null for a plain one; a string we do not speak otherwise. */
  lang: Lang | null | { unknown: string };
}

const LANGUAGE_NAMES: Record<string, Lang> = {
  kazakh: 'kk', 'қазақша': 'kk', 'қазақ': 'kk', kk: 'kk', kaz: 'kk',
  russian: 'ru', 'русский': 'ru', ru: 'ru', rus: 'ru',
  english: 'en', en: 'en', eng: 'en',
};

/** "Kazakh (kk)", "kk", "English" -> the language; anything else is a language Kedergi does not keep. */
export function languageOf(spec: string): Lang | { unknown: string } {
  const code = /\(([^)]+)\)\s*$/.exec(spec)?.[1]?.trim().toLowerCase();
  if (code) return LANGUAGE_NAMES[code.split('-')[0]!] ?? { unknown: spec.trim() };
  return LANGUAGE_NAMES[spec.trim().toLowerCase()] ?? { unknown: spec.trim() };
}

function readHeader(row: TableRow | undefined): Column[] {
  if (!row) return [];
  return row.cells.map((raw, index) => {
    const header = raw.trim();
    const [first, ...rest] = header.split('::');
    const base = (first ?? '').trim().toLowerCase().replace(/\s+/g, '_');
    return { index, header, base, lang: rest.length ? languageOf(rest.join('::')) : null };
  });
}

const SURVEY_ALIASES: Record<string, string> = { relevance: 'relevant', caption: 'label', list_name: 'list_name' };
const KNOWN_SURVEY = new Set(['type', 'name', 'label', 'hint', 'required', 'relevant', 'constraint', 'appearance', 'choice_filter', 'constraint_message', 'required_message', 'kedergi_role', 'kedergi_reference_mean', 'kedergi_comment', 'kedergi_pick', 'kedergi_pest']);
/** Display-only columns: Kedergi writes its own messages and has its own layout, so they are left out with a warning. */
const WARN_ONLY = new Set(['constraint_message', 'required_message']);
const APPEARANCE_KEPT = new Set(['likert', 'multiline', 'field-list', '']);
const METADATA_TYPES = new Set(['start', 'end', 'today', 'deviceid', 'subscriberid', 'simserial', 'phonenumber', 'username', 'email', 'audit', 'start-geopoint']);
const YES = new Set(['yes', 'true', 'true()', '1']);
const NO = new Set(['no', 'false', 'false()', '0', '']);

/** One sheet's rows as cells by column, with the row number and the cell address helper. */
class Sheet {
  readonly columns: Column[];
  readonly rows: TableRow[];
  constructor(
    readonly name: string,
    table: TableRow[] | undefined,
  ) {
    this.columns = readHeader(table?.[0]);
    this.rows = (table ?? []).slice(1);
  }

  column(base: string, lang: Lang | null = null): Column | undefined {
    return this.columns.find((c) => (SURVEY_ALIASES[c.base] ?? c.base) === base && c.lang === lang);
  }

  cell(row: TableRow, base: string, lang: Lang | null = null): string {
    const col = this.column(base, lang);
    return col ? cellText(row.cells[col.index]) : '';
  }

  at(row: TableRow, base?: string): string {
    const col = base ? this.column(base) : undefined;
    return col ? `${this.name}!${columnLetters(col.index)}${row.line}` : `${this.name}!${row.line}:${row.line}`;
  }

  /** The text of a translatable column in the three languages, plus the plain column. */
  texts(row: TableRow, base: string): { byLang: Partial<Record<Lang, string>>; plain: string } {
    const byLang: Partial<Record<Lang, string>> = {};
    for (const l of LANGS) {
      const v = this.cell(row, base, l);
      if (v) byLang[l] = v;
    }
    return { byLang, plain: this.cell(row, base) };
  }
}

interface Choice {
  name: string;
  row: TableRow;
  text: TLocalizedText;
}

/** Conditions Kedergi evaluates: one question, any of some options. */
export function parseRelevant(expression: string): TCondition | null {
  const terms = expression.trim().split(/\s+or\s+/);
  let question: string | undefined;
  const anyOf: string[] = [];
  for (const term of terms) {
    const m =
      /^\$\{([^}\s]+)\}\s*=\s*(['"])([^'"]*)\2$/.exec(term.trim()) ??
      /^selected\(\s*\$\{([^}\s]+)\}\s*,\s*(['"])([^'"]*)\2\s*\)$/.exec(term.trim());
    if (!m) return null;
    if (question !== undefined && question !== m[1]) return null;
    question = m[1]!;
    anyOf.push(m[3]!);
  }
  return question === undefined ? null : { question: codeOf(question), anyOf };
}

interface Context {
  errors: XlsFormIssue[];
  warnings: XlsFormIssue[];
  defaultLang: Lang | null;
}

/** Labels in the three languages: explicit columns first, then the plain column, then a copy of another language (a warning). */
function localizedText(sheet: Sheet, row: TableRow, base: string, ctx: Context, required: boolean): TLocalizedText | undefined {
  const { byLang, plain } = sheet.texts(row, base);
  if (plain) {
    const target = ctx.defaultLang;
    if (target && !byLang[target]) byLang[target] = plain;
  }
  const order: Lang[] = [...(ctx.defaultLang ? [ctx.defaultLang] : []), ...LANGS];
  const from = order.find((l) => byLang[l]);
  const source = from ? byLang[from]! : plain;
  if (!source) {
    if (required) ctx.errors.push({ path: sheet.at(row, base), key: 'exchange:xlsform.labelMissing' });
    return undefined;
  }
  const out = {} as TLocalizedText;
  const copied: Lang[] = [];
  for (const l of LANGS) {
    if (byLang[l]) out[l] = byLang[l]!;
    else {
      out[l] = source;
      copied.push(l);
    }
  }
  if (copied.length) ctx.warnings.push({ path: sheet.at(row), key: 'exchange:xlsform.translationCopied', params: { languages: copied.join(', '), column: base } });
  return out;
}

function yesNo(sheet: Sheet, row: TableRow, base: string, ctx: Context): boolean | undefined {
  const v = sheet.cell(row, base).toLowerCase();
  if (v === '') return undefined;
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  ctx.errors.push({ path: sheet.at(row, base), key: 'exchange:xlsform.yesNo', params: { value: v } });
  return undefined;
}

/** The terms of a constraint joined by `and` outside parentheses and quotes. */
function constraintTerms(expression: string): string[] {
  const text = expression.trim();
  if (!text) return [];
  const terms: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && /\s/.test(ch)) {
      const m = /^\s+and\s+/.exec(text.slice(i));
      if (m) {
        terms.push(text.slice(start, i).trim());
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  terms.push(text.slice(start).trim());
  return terms;
}

/**
 * Read an XLSForm workbook (the sheets of readXlsxSheets) into a definition. Every problem is
 * listed with its place; a definition comes back only when there is none.
 */
export function parseXlsForm(workbook: Map<string, TableRow[]>, options: { fileName?: string } = {}): XlsFormImport {
  const ctx: Context = { errors: [], warnings: [], defaultLang: null };
  const fail = () => {
    throw new ValidationError(ctx.errors.slice(0, 100) as FieldError[], 'exchange:xlsform.importFailed');
  };
  if (!workbook.has('survey')) {
    const near = [...workbook.keys()].find((n) => n.trim().toLowerCase() === 'survey');
    ctx.errors.push({ path: near ?? 'survey', key: near ? 'exchange:xlsform.sheetCase' : 'exchange:xlsform.noSurvey', params: { sheet: near ?? 'survey' } });
    fail();
  }
  for (const name of workbook.keys()) {
    if (name !== name.toLowerCase() && ['choices', 'settings'].includes(name.trim().toLowerCase())) ctx.errors.push({ path: name, key: 'exchange:xlsform.sheetCase', params: { sheet: name } });
  }
  const survey = new Sheet('survey', workbook.get('survey'));
  const choicesSheet = new Sheet('choices', workbook.get('choices'));
  const settingsSheet = new Sheet('settings', workbook.get('settings'));

  // Settings: the first data row.
  const settingsRow = settingsSheet.rows[0];
  const setting = (base: string) => (settingsRow ? settingsSheet.cell(settingsRow, base) : '');
  const defaultLanguage = setting('default_language');
  if (defaultLanguage) {
    const lang = languageOf(defaultLanguage);
    if (typeof lang === 'string') ctx.defaultLang = lang;
    else ctx.errors.push({ path: settingsSheet.at(settingsRow!, 'default_language'), key: 'exchange:xlsform.languageUnknown', params: { language: lang.unknown } });
  }
  if (settingsRow) {
    for (const col of settingsSheet.columns) {
      if (['form_title', 'form_id', 'version', 'default_language', 'kedergi_title_kk', 'kedergi_title_ru', 'kedergi_title_en', 'kedergi_source', ''].includes(col.base)) continue;
      if (cellText(settingsRow.cells[col.index])) ctx.warnings.push({ path: `settings!${columnLetters(col.index)}${settingsRow.line}`, key: 'exchange:xlsform.settingIgnored', params: { column: col.header } });
    }
  }

  // Columns of the survey and choices sheets: languages Kedergi keeps, columns it understands.
  const checkColumns = (sheet: Sheet, known: Set<string>, translatable: Set<string>, unknownIsWarning = false) => {
    for (const col of sheet.columns) {
      if (!col.header || col.header.startsWith('$') || col.base.startsWith('_')) continue; // KoboToolbox's own bookkeeping columns ($kuid, $autoname, _version...)
      const base = SURVEY_ALIASES[col.base] ?? col.base;
      if (col.lang !== null && typeof col.lang === 'object') {
        if (sheet.rows.some((r) => cellText(r.cells[col.index]))) ctx.errors.push({ path: `${sheet.name}!${columnLetters(col.index)}1`, key: 'exchange:xlsform.languageUnknown', params: { language: col.lang.unknown } });
        continue;
      }
      if (col.lang !== null && !translatable.has(base)) {
        ctx.errors.push({ path: `${sheet.name}!${columnLetters(col.index)}1`, key: 'exchange:xlsform.columnUnknown', params: { column: col.header } });
        continue;
      }
      if (known.has(base)) {
        if (WARN_ONLY.has(base) && sheet.rows.some((r) => cellText(r.cells[col.index]))) ctx.warnings.push({ path: `${sheet.name}!${columnLetters(col.index)}1`, key: 'exchange:xlsform.columnIgnored', params: { column: col.header } });
        continue;
      }
      if (unknownIsWarning) {
        if (sheet.rows.some((r) => cellText(r.cells[col.index]))) ctx.warnings.push({ path: `${sheet.name}!${columnLetters(col.index)}1`, key: 'exchange:xlsform.columnIgnored', params: { column: col.header } });
        continue;
      }
      for (const r of sheet.rows) {
        if (cellText(r.cells[col.index])) ctx.errors.push({ path: `${sheet.name}!${columnLetters(col.index)}${r.line}`, key: 'exchange:xlsform.columnUnknown', params: { column: col.header } });
      }
    }
  };
  if (!survey.column('type') || !survey.column('name')) ctx.errors.push({ path: 'survey!1:1', key: 'exchange:xlsform.surveyColumns' });
  checkColumns(survey, KNOWN_SURVEY, new Set(['label', 'hint', 'constraint_message', 'required_message']));

  // Choice lists.
  const lists = new Map<string, Choice[]>();
  if (choicesSheet.rows.length) {
    if (!choicesSheet.column('list_name') || !choicesSheet.column('name')) ctx.errors.push({ path: 'choices!1:1', key: 'exchange:xlsform.choicesColumns' });
    // Other columns of the choices sheet serve choice filters and lookups, which are refused where they are used.
    checkColumns(choicesSheet, new Set(['list_name', 'name', 'label']), new Set(['label']), true);
    for (const row of choicesSheet.rows) {
      const list = choicesSheet.cell(row, 'list_name');
      const name = choicesSheet.cell(row, 'name');
      if (!list && !name) continue;
      if (!list || !name) {
        ctx.errors.push({ path: choicesSheet.at(row, list ? 'name' : 'list_name'), key: 'exchange:xlsform.choiceIncomplete' });
        continue;
      }
      const text = localizedText(choicesSheet, row, 'label', ctx, true);
      const choices = lists.get(list) ?? [];
      if (choices.some((c) => c.name === name)) ctx.errors.push({ path: choicesSheet.at(row, 'name'), key: 'exchange:xlsform.choiceTwice', params: { name, list } });
      else if (text) choices.push({ name, row, text });
      lists.set(list, choices);
    }
  }

  // Settings that name the questionnaire.
  const code = setting('form_id') || (options.fileName ?? '').replace(/\.[^.]*$/, '').trim();
  if (!code) ctx.errors.push({ path: 'settings', key: 'exchange:xlsform.formIdMissing' });
  else if (!ZCode.safeParse(code).success) ctx.errors.push({ path: settingsRow ? settingsSheet.at(settingsRow, 'form_id') : 'settings', key: 'exchange:xlsform.formIdInvalid', params: { value: code } });

  /** A row's type: the base type, its list or file, and the or_other shortcut. */
  const typeOf = (row: TableRow) => {
    const type = survey.cell(row, 'type').replace(/\s+/g, ' ').trim();
    const lower = type.toLowerCase();
    const select = /^(select_one|select one|select1|select_multiple|select all that apply|rank)\s+(\S+)(\s+or_other)?$/i.exec(type);
    if (select) {
      const base = select[1]!.toLowerCase();
      return { type, base: base === 'rank' ? 'rank' : /multiple|all/.test(base) ? 'select_multiple' : 'select_one', list: select[2]!, orOther: Boolean(select[3]) };
    }
    const file = /^select_one_from_file\s+(\S+)$/i.exec(type);
    if (file) return { type, base: 'select_one_from_file', file: file[1]!, orOther: false };
    return { type, base: lower === 'int' ? 'integer' : lower.replace(' ', '_'), orOther: false };
  };
  const appearanceOf = (row: TableRow) => survey.cell(row, 'appearance').toLowerCase().split(/\s+/).filter(Boolean);

  // The questionnaire's scale: the list `scale` when there is one, else the list of the first row a scale kind reads.
  let sharedList: string | undefined = lists.has(SHARED_SCALE_LIST) ? SHARED_SCALE_LIST : undefined;
  for (const row of survey.rows) {
    if (sharedList) break;
    const t = typeOf(row);
    if (t.list && xlsFormKind({ type: t.base, appearance: appearanceOf(row) })?.scaleList) sharedList = t.list;
  }

  // Walk the survey sheet.
  interface Pending {
    row: TableRow;
    category: string;
    question?: TQuestion;
    item?: TQuestionnaireDefinition['items'][number];
    profile?: TProfileQuestion;
  }
  const categories: TQuestionnaireDefinition['categories'] = [];
  const pending: Pending[] = [];
  const names = new Map<string, TableRow>();
  let group: { code: string; row: TableRow } | null = null;
  let inProfile = false;
  /** Groups opened inside a group (refused), so that their end_group does not close the outer one. */
  let nested = 0;
  const categoryRow = new Map<string, TableRow>();
  /** Sections split into pages: section -> its latest page. */
  const lastPage = new Map<string, string>();

  const ensureDefaultCategory = () => {
    if (!categories.some((c) => c.code === DEFAULT_CATEGORY)) categories.push({ code: DEFAULT_CATEGORY, title: DEFAULT_CATEGORY_TITLE });
    return DEFAULT_CATEGORY;
  };

  const rows = survey.rows;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const t = typeOf(row);
    const lower = t.type.toLowerCase();
    const rawName = survey.cell(row, 'name');
    if (!t.type) {
      if (rawName || survey.texts(row, 'label').plain || Object.keys(survey.texts(row, 'label').byLang).length) ctx.errors.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.typeMissing' });
      continue;
    }
    if (METADATA_TYPES.has(lower)) {
      ctx.warnings.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.metadataSkipped', params: { type: t.type } });
      continue;
    }
    if (lower === 'end_group' || lower === 'end group') {
      if (nested > 0) {
        nested--;
        continue;
      }
      if (!group) ctx.errors.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.endWithoutBegin' });
      group = null;
      inProfile = false;
      continue;
    }
    const isGroup = lower === 'begin_group' || lower === 'begin group';
    const appearance = appearanceOf(row);
    const kind = isGroup ? undefined : xlsFormKind({ type: t.base, appearance });
    if (!isGroup && !kind) {
      ctx.errors.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.typeUnsupported', params: { type: t.type } });
      if (lower === 'begin_repeat' || lower === 'begin repeat') nested++;
      continue;
    }
    // Names: valid, unique, and a Kedergi code once the leading underscore nameOf adds is removed.
    if (!rawName) {
      ctx.errors.push({ path: survey.at(row, 'name'), key: 'exchange:xlsform.nameMissing' });
      continue;
    }
    if (!XLSFORM_NAME.test(rawName) || !ZCode.safeParse(codeOf(rawName)).success) {
      ctx.errors.push({ path: survey.at(row, 'name'), key: 'exchange:xlsform.nameInvalid', params: { name: rawName } });
      continue;
    }
    if (names.has(rawName)) ctx.errors.push({ path: survey.at(row, 'name'), key: 'exchange:xlsform.nameTwice', params: { name: rawName, row: names.get(rawName)!.line } });
    names.set(rawName, row);
    const qCode = codeOf(rawName);

    const relevantText = survey.cell(row, 'relevant');
    const condition = relevantText ? parseRelevant(relevantText) : undefined;
    if (relevantText && !condition) ctx.errors.push({ path: survey.at(row, 'relevant'), key: 'exchange:xlsform.relevantUnsupported', params: { expression: relevantText } });
    if (appearance.some((a) => !APPEARANCE_KEPT.has(a))) ctx.warnings.push({ path: survey.at(row, 'appearance'), key: 'exchange:xlsform.appearanceIgnored', params: { appearance: appearance.join(' ') } });

    if (isGroup) {
      if (group) {
        ctx.errors.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.nestedGroup' });
        nested++;
        continue;
      }
      group = { code: qCode, row };
      if (rawName === PROFILE_CATEGORY) {
        if (condition) ctx.errors.push({ path: survey.at(row, 'relevant'), key: 'exchange:xlsform.profileCondition' });
        inProfile = true;
        continue;
      }
      const title = localizedText(survey, row, 'label', ctx, true);
      const pest = survey.cell(row, 'kedergi_pest').toUpperCase();
      const pestOk = pest === 'P' || pest === 'E' || pest === 'S' || pest === 'T';
      if (pest && !pestOk) ctx.errors.push({ path: survey.at(row, 'kedergi_pest'), key: 'exchange:xlsform.pest', params: { value: pest } });
      if (title) {
        categories.push({ code: qCode, ...(pestOk ? { pest } : {}), title, ...(condition ? { showIf: condition } : {}) });
        categoryRow.set(qCode, row);
      }
      continue;
    }

    // The page: a condition on a question of the same page starts a new page of the section.
    const section = group ? group.code : ensureDefaultCategory();
    let category = lastPage.get(section) ?? section;
    if (inProfile && condition) ctx.errors.push({ path: survey.at(row, 'relevant'), key: 'exchange:xlsform.profileCondition' });
    if (!inProfile && condition && pending.some((p) => p.category === category && (p.item ?? p.question)?.code === condition.question)) {
      // Kedergi evaluates conditions between pages: the question starts a new page of the same section.
      const current = categories.find((c) => c.code === category);
      let next = '';
      for (let n = 2; !next || categories.some((c) => c.code === next) || names.has(next); n++) next = `${section}_${n}`;
      categories.push({ ...(current ?? { title: DEFAULT_CATEGORY_TITLE }), code: next });
      categoryRow.set(next, row);
      lastPage.set(section, next);
      category = next;
      ctx.warnings.push({ path: survey.at(row, 'relevant'), key: 'exchange:xlsform.pageSplit', params: { section } });
    }

    const label = localizedText(survey, row, 'label', ctx, true);
    const required = yesNo(survey, row, 'required', ctx) ?? false;
    const role = survey.cell(row, 'kedergi_role');
    const roleOk = (QUESTION_ROLES as readonly string[]).includes(role);
    if (role && !roleOk) ctx.errors.push({ path: survey.at(row, 'kedergi_role'), key: 'exchange:xlsform.role', params: { value: role, roles: QUESTION_ROLES.join(', ') } });
    const hint = survey.texts(row, 'hint');
    const hasHint = Boolean(hint.plain || Object.keys(hint.byLang).length);

    // The list, and "other, please specify": the or_other shortcut, or the next row as the specification recommends.
    let choices: Choice[] | undefined;
    if (t.list) {
      choices = lists.get(t.list);
      if (!choices) ctx.errors.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.listMissing', params: { list: t.list } });
    }
    let other: XlsRead['other'];
    if (t.orOther) other = { code: 'other', text: OR_OTHER_LABEL };
    const next = rows[i + 1];
    if (!other && choices && (t.base === 'select_one' || t.base === 'select_multiple') && next && survey.cell(next, 'type').trim().toLowerCase() === 'text') {
      const c = parseRelevant(survey.cell(next, 'relevant'));
      const choice = c && c.question === qCode && c.anyOf.length === 1 ? choices.find((o) => o.name === c.anyOf[0]) : undefined;
      if (choice && survey.cell(next, 'name') === `${rawName}_${choice.name}`) {
        const terms = constraintTerms(survey.cell(next, 'constraint'));
        const length = terms.length === 1 ? /^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$/.exec(terms[0]!) : null;
        if (terms.length && !length) ctx.errors.push({ path: survey.at(next, 'constraint'), key: 'exchange:xlsform.constraintUnsupported', params: { expression: terms.join(' and ') } });
        other = { code: choice.name, text: choice.text, ...(length ? { maxLength: Number(length[1]) } : {}) };
        choices = choices.filter((o) => o !== choice);
        names.set(survey.cell(next, 'name'), next);
        i++;
      }
    }
    if (!label || (t.list && !choices)) continue;

    const read: XlsRead = {
      type: t.base,
      ...(t.file ? { file: t.file } : {}),
      ...(t.list && choices ? { list: { name: t.list, choices: choices.map((c) => ({ name: c.name, text: c.text })), shared: t.list === sharedList } } : {}),
      appearance,
      constraint: constraintTerms(survey.cell(row, 'constraint')),
      choiceFilter: survey.cell(row, 'choice_filter'),
      ...(hasHint ? { hint: localizedText(survey, row, 'hint', ctx, false)! } : {}),
      ...(other ? { other } : {}),
      kedergi: (column) => survey.cell(row, column),
    };
    const base = { code: qCode, category, text: label, ...(required ? {} : { required: false as const }), ...(roleOk ? { role: role as TQuestionRole } : {}), ...(condition ? { showIf: condition } : {}) };
    const issue = (column: string, key: string, params?: Record<string, unknown>) => {
      // A bad choice name is reported at its row on the choices sheet.
      const choice = column === 'choices' ? choices?.find((c) => c.name === params?.name) : undefined;
      ctx.errors.push({ path: choice ? choicesSheet.at(choice.row, 'name') : survey.at(row, column), key, ...(params ? { params } : {}) });
    };
    const x = kind!.read(read, base, issue);
    if (!x) continue;
    if (inProfile) {
      const profile = questionAsProfile(x, required);
      if (profile) pending.push({ row, category: PROFILE_CATEGORY, profile });
      else ctx.errors.push({ path: survey.at(row, 'type'), key: 'exchange:xlsform.profileKind' });
    } else if (x.kind === 'rating' && !x.scale && !x.showIf && !x.role) {
      // A rating on the questionnaire's scale is one of the original format's items.
      const { kind: _kind, showIf: _showIf, role: _role, ...item } = x;
      pending.push({ row, category, item });
    } else {
      pending.push({ row, category, question: x });
    }
  }
  if (group) ctx.errors.push({ path: survey.at(group.row, 'type'), key: 'exchange:xlsform.groupNotEnded' });

  // Title.
  const titleFrom = (l: Lang) => setting(`kedergi_title_${l}`);
  const formTitle = setting('form_title') || code;
  const title = { kk: titleFrom('kk') || formTitle, ru: titleFrom('ru') || formTitle, en: titleFrom('en') || formTitle };
  const copiedTitle = LANGS.filter((l) => !titleFrom(l));
  if (copiedTitle.length && formTitle) ctx.warnings.push({ path: 'settings', key: 'exchange:xlsform.translationCopied', params: { languages: copiedTitle.join(', '), column: 'form_title' } });

  // The questionnaire's scale; a form without ratings still needs one (unused): 1..5 labelled by number.
  const sharedChoices = sharedList ? lists.get(sharedList) : undefined;
  const shared = sharedChoices ? scaleFromChoices(sharedChoices.map((c) => ({ name: c.name, text: c.text }))) : undefined;
  if (sharedList === SHARED_SCALE_LIST && sharedChoices && !shared) ctx.errors.push({ path: 'choices', key: 'exchange:xlsform.likertList', params: { list: sharedList } });
  const scale: TScale = shared?.scale ?? { min: 1, max: 5, labels: Object.fromEntries([1, 2, 3, 4, 5].map((p) => [String(p), { kk: String(p), ru: String(p), en: String(p) }])) };

  if (ctx.errors.length) fail();

  const definition: TQuestionnaireDefinition = {
    code,
    title,
    ...(setting('kedergi_source') ? { source: setting('kedergi_source') } : {}),
    scale,
    categories,
    items: pending.filter((p) => p.item).map((p) => p.item!),
    profile: pending.filter((p) => p.profile).map((p) => p.profile!),
    ...(pending.some((p) => p.question) ? { questions: pending.filter((p) => p.question).map((p) => p.question!) } : {}),
  };

  // The definition's own rules (one scale per category, conditions on earlier pages...), each error at its row.
  const result = ZQuestionnaireDefinition.safeParse(definition);
  if (!result.success) {
    const rowOf = new Map<string, string>();
    categories.forEach((c, i) => rowOf.set(`$.categories[${i}]`, categoryRow.get(c.code) ? survey.at(categoryRow.get(c.code)!) : 'survey'));
    (['items', 'profile', 'questions'] as const).forEach((key) =>
      pending.filter((p) => (key === 'items' ? p.item : key === 'profile' ? p.profile : p.question)).forEach((p, i) => rowOf.set(`$.${key}[${i}]`, survey.at(p.row))),
    );
    for (const e of definitionErrors(result.error)) {
      const prefix = /^\$\.(categories|items|profile|questions)\[\d+\]/.exec(e.path)?.[0];
      ctx.errors.push({ path: (prefix && rowOf.get(prefix)) || (e.path.startsWith('$.code') ? 'settings' : e.path.startsWith('$.title') ? 'settings' : 'survey'), key: e.key, params: { ...e.params, field: e.path } });
    }
    fail();
  }
  return { definition: result.data!, warnings: ctx.warnings };
}

/** Read budget of an XLSForm upload: forms are small; rows per sheet and cells are bounded well above a 500-question form. */
export const XLSFORM_BUDGET = { maxRows: 5000, maxCells: 200_000, maxUnpackedBytes: 32 * 1024 * 1024, maxSharedStringChars: 4 * 1024 * 1024, maxColumns: 200, timeMs: 10_000 };

/** An uploaded XLSForm file -> definition, or a ValidationError listing every problem by place. */
export async function readXlsForm(buffer: Buffer, fileName?: string): Promise<XlsFormImport> {
  if (buffer.length === 0) throw new ValidationError([{ path: 'file', key: 'exchange:xlsform.nothingToImport' }], 'exchange:xlsform.importFailed');
  if (!buffer.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    throw new ValidationError([{ path: 'file', key: 'exchange:xlsform.notXlsx' }], 'exchange:xlsform.importFailed');
  }
  let sheets: Map<string, TableRow[]>;
  try {
    sheets = await readXlsxSheets(buffer, XLSFORM_BUDGET);
  } catch (e) {
    if (e instanceof TableReadError) throw new ValidationError([{ path: 'file', key: `exchange:xlsform.read.${e.reason}`, params: e.params }], 'exchange:xlsform.importFailed');
    throw e;
  }
  return parseXlsForm(sheets, { ...(fileName ? { fileName } : {}) });
}
