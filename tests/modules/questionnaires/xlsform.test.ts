import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors';
import { readXlsxSheets, writeXlsx, type TableRow, type XlsxSheet } from '../../../src/lib/spreadsheet';
import { diffDefinitions } from '../../../src/modules/questionnaires/questionnaires.diff';
import type { TQuestionnaireDefinition } from '../../../src/modules/questionnaires/questionnaires.schemas';
import { parseDefinition } from '../../../src/modules/questionnaires/questionnaires.service';
import { XLSFORM_NAME, parseRelevant, parseXlsForm, readXlsForm, xlsFormSheets, type XlsFormIssue } from '../../../src/modules/questionnaires/questionnaires.xlsform';
import { sharedDomainDir } from '../../../src/paths';

const extended = (): TQuestionnaireDefinition => JSON.parse(fs.readFileSync(path.join(__dirname, '../../../seeds/content/questionnaire-sme-innovation.json'), 'utf8'));
const barriers = (): TQuestionnaireDefinition => JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8'));

async function xlsx(sheets: XlsxSheet[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeXlsx(out, sheets);
  return Buffer.concat(chunks);
}

/** A workbook written from tables (first row the header), as a person would type it into Excel. */
async function workbook(tables: Record<string, string[][]>): Promise<Buffer> {
  return xlsx(Object.entries(tables).map(([name, [header, ...rows]]) => ({ name, header: header!, rows })));
}

async function importTables(tables: Record<string, string[][]>, fileName = 'form.xlsx') {
  try {
    return await readXlsForm(await workbook(tables), fileName);
  } catch (e) {
    if (e instanceof ValidationError && process.env.DEBUG_XLSFORM) console.log(e.fields);
    throw e;
  }
}

async function importErrors(tables: Record<string, string[][]>): Promise<XlsFormIssue[]> {
  try {
    await importTables(tables);
  } catch (e) {
    if (e instanceof ValidationError) return e.fields;
    throw e;
  }
  throw new Error('the import was expected to fail');
}

async function exported(def: TQuestionnaireDefinition): Promise<{ buffer: Buffer; sheets: Map<string, TableRow[]> }> {
  const buffer = await xlsx(xlsFormSheets(def, 3));
  return { buffer, sheets: await readXlsxSheets(buffer, 10_000) };
}

/**
 * The specification's rules for a workbook (xlsform.org, "Basic format", "Question types",
 * "Multiple choice", "Relevant", "Grouping questions", "Multiple language support", "Settings
 * worksheet"), checked the way pyxform would refuse a form. Returns every breach found.
 */
function specBreaches(sheets: Map<string, TableRow[]>): string[] {
  const out: string[] = [];
  const table = (name: string) => {
    const rows = sheets.get(name) ?? [];
    const header = rows[0]?.cells ?? [];
    return { header, rows: rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? '']))) };
  };
  if (!sheets.has('survey')) out.push('no survey sheet');
  for (const name of sheets.keys()) if (!['survey', 'choices', 'settings'].includes(name)) out.push(`unexpected sheet ${name}`);
  const survey = table('survey');
  const choices = table('choices');
  const settings = table('settings');
  for (const col of ['type', 'name']) if (!survey.header.includes(col)) out.push(`survey lacks ${col}`);
  const labelColumns = survey.header.filter((h) => h.startsWith('label'));
  if (!labelColumns.length) out.push('no label column');
  const languages = new Set<string>();
  for (const h of [...labelColumns, ...survey.header.filter((x) => x.startsWith('hint'))]) {
    const m = /^(label|hint)::([A-Za-z]+ \(([a-z]{2})\))$/.exec(h);
    if (!m) out.push(`language column ${h} is not "label::Language (code)"`);
    else languages.add(m[2]!);
  }
  for (const col of ['list_name', 'name']) if (!choices.header.includes(col)) out.push(`choices lacks ${col}`);
  for (const h of choices.header.filter((x) => x.startsWith('label'))) if (!/^label::[A-Za-z]+ \([a-z]{2}\)$/.test(h)) out.push(`choices column ${h}`);

  const lists = new Map<string, string[]>();
  for (const c of choices.rows) {
    if (!c.list_name || !c.name) out.push('choice without list_name or name');
    const names = lists.get(c.list_name!) ?? [];
    if (names.includes(c.name!)) out.push(`duplicate choice ${c.list_name}/${c.name}`);
    names.push(c.name!);
    lists.set(c.list_name!, names);
    for (const h of choices.header.filter((x) => x.startsWith('label'))) if (!c[h]) out.push(`choice ${c.list_name}/${c.name} lacks ${h}`);
  }
  const seen = new Map<string, string>(); // name -> type
  let depth = 0;
  for (const [i, r] of survey.rows.entries()) {
    const type = r.type!;
    const where = `survey row ${i + 2}`;
    if (type === 'end_group') {
      depth--;
      if (r.name) out.push(`${where}: end_group with a name`);
      continue;
    }
    if (!XLSFORM_NAME.test(r.name!)) out.push(`${where}: invalid name ${r.name}`);
    if (seen.has(r.name!)) out.push(`${where}: duplicate name ${r.name}`);
    for (const h of labelColumns) if (!r[h]) out.push(`${where}: no ${h}`);
    if (!['', 'yes', 'no'].includes(r.required ?? '')) out.push(`${where}: required ${r.required}`);
    const select = /^(select_one|select_multiple|rank) (\S+)$/.exec(type);
    if (type === 'begin_group') {
      depth++;
    } else if (select) {
      if (!lists.has(select[2]!)) out.push(`${where}: list ${select[2]} missing from choices`);
      if (select[1] === 'select_multiple' && lists.get(select[2]!)?.some((n) => /\s/.test(n))) out.push(`${where}: select_multiple choice with a space`);
    } else if (!['integer', 'decimal', 'text', 'select_one_from_file territories.csv'].includes(type)) {
      out.push(`${where}: type ${type} is not one the specification lists`);
    }
    if (r.relevant) {
      // ${name} = 'x' for a select_one, selected(${name}, 'x') for a select_multiple, joined by or.
      for (const term of r.relevant.split(' or ')) {
        const eq = /^\$\{([^}]+)\} = '([^']*)'$/.exec(term);
        const sel = /^selected\(\$\{([^}]+)\}, '([^']*)'\)$/.exec(term);
        const m = eq ?? sel;
        if (!m) {
          out.push(`${where}: relevant term ${term}`);
          continue;
        }
        const sourceType = seen.get(m[1]!);
        if (!sourceType) out.push(`${where}: relevant refers to ${m[1]} which is not an earlier question`);
        else if (eq && !sourceType.startsWith('select_one ')) out.push(`${where}: = on ${sourceType}`);
        else if (sel && !sourceType.startsWith('select_multiple ')) out.push(`${where}: selected() on ${sourceType}`);
        const list = sourceType?.split(' ')[1];
        if (list && !lists.get(list)?.includes(m[2]!)) out.push(`${where}: relevant option ${m[2]} not in ${list}`);
      }
    }
    if (r.constraint && !r.constraint.includes('.')) out.push(`${where}: constraint without .`);
    seen.set(r.name!, type);
    if (depth > 1) out.push(`${where}: nested group`);
  }
  if (depth !== 0) out.push('begin_group and end_group do not pair');
  const s = settings.rows[0];
  if (!s?.form_id || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s.form_id)) out.push(`settings form_id ${s?.form_id}`);
  if (!s?.version) out.push('settings version');
  if (s?.default_language && !languages.has(s.default_language)) out.push(`default_language ${s.default_language} has no label column`);
  return out;
}

describe('XLSForm export', () => {
  it('follows the specification’s rules for sheets, columns, types, names, lists and relevant', async () => {
    for (const def of [barriers(), extended()]) {
      const { sheets } = await exported(def);
      expect(specBreaches(sheets)).toEqual([]);
    }
  });

  it('the checker itself finds breaches (it can fail)', async () => {
    const { sheets } = await exported(barriers());
    const survey = sheets.get('survey')!;
    const broken = new Map(sheets);
    broken.set('survey', [survey[0]!, { line: 2, cells: ['select_one nowhere', '1bad', ...survey[1]!.cells.slice(2)] }, ...survey.slice(1)]);
    const breaches = specBreaches(broken);
    expect(breaches).toContain('survey row 2: invalid name 1bad');
    expect(breaches).toContain('survey row 2: list nowhere missing from choices');
  });

  it('writes ratings as likert select_one on the scale list, "cannot judge" as the choice -99', async () => {
    const { sheets } = await exported(barriers());
    const [header, ...rows] = sheets.get('survey')!;
    const col = (name: string) => header!.cells.indexOf(name);
    const b01 = rows.find((r) => r.cells[col('name')] === 'B01')!;
    expect(b01.cells[col('type')]).toBe('select_one scale');
    expect(b01.cells[col('appearance')]).toBe('likert');
    expect(b01.cells[col('required')]).toBe('yes');
    const scale = sheets.get('choices')!.filter((r) => r.cells[0] === 'scale').map((r) => r.cells[1]);
    expect(scale).toEqual(['1', '2', '3', '4', '5', '-99']);
    const settings = sheets.get('settings')!;
    expect(settings[0]!.cells.slice(0, 4)).toEqual(['form_title', 'form_id', 'version', 'default_language']);
    expect(settings[1]!.cells.slice(1, 4)).toEqual(['SME-BARRIERS', '3', 'Kazakh (kk)']);
  });

  it('writes conditions as ${q} = \'x\' for a single choice and selected() for a multiple choice', async () => {
    const { sheets } = await exported(extended());
    const [header, ...rows] = sheets.get('survey')!;
    const byName = (n: string) => rows.find((r) => r.cells[header!.cells.indexOf('name')] === n)!.cells[header!.cells.indexOf('relevant')];
    expect(byName('A01')).toBe("selected(${innovated}, 'product')");
    expect(byName('A02')).toBe("selected(${innovated}, 'product') or selected(${innovated}, 'process') or selected(${innovated}, 'organisational') or selected(${innovated}, 'marketing')");
    expect(parseRelevant("${likes_pizza} = 'yes'")).toEqual({ question: 'likes_pizza', anyOf: ['yes'] });
    expect(parseRelevant('${age} <= 5')).toBeNull();
  });
});

describe('XLSForm round trip', () => {
  it('export then import gives the same questionnaire, and exporting that again gives the same workbook', async () => {
    for (const def of [barriers(), extended()]) {
      const first = await exported(def);
      const { definition, warnings } = await readXlsForm(first.buffer, 'x.xlsx');
      expect(warnings).toEqual([]);
      expect(diffDefinitions(def, definition)).toMatchObject({ same: true });
      expect(definition.code).toBe(def.code);
      expect(definition.title).toEqual(def.title);
      expect(definition.scale).toEqual(def.scale);
      expect(definition.profile).toEqual(def.profile);
      expect(definition.questions ?? []).toEqual((def.questions ?? []).map((q) => expect.objectContaining({ code: q.code, kind: q.kind })));
      const second = await exported(definition);
      expect([...second.sheets.entries()]).toEqual([...first.sheets.entries()]);
    }
  });

  it('a changed export imports as the change (wording, option, condition)', async () => {
    const def = extended();
    const s01 = def.questions!.find((q) => q.code === 'S01')!;
    if (s01.kind !== 'multi-choice') throw new Error('S01');
    s01.options.push({ code: 'EXPORT', text: { kk: 'Экспорт', ru: 'Экспорт', en: 'Export' } });
    def.items[0]!.text.en = 'Reworded';
    const { definition } = await readXlsForm((await exported(parseDefinition(def))).buffer);
    const diff = diffDefinitions(extended(), definition);
    expect(diff.counts).toMatchObject({ added: 0, removed: 0, changed: 2 });
  });
});

describe('XLSForm import of the specification’s examples', () => {
  it('pizza: select_one, select_multiple with or_other, relevant with = and selected()', async () => {
    const { definition, warnings } = await importTables(
      {
        survey: [
          ['type', 'name', 'label', 'relevant'],
          ['select_one yes_no', 'likes_pizza', 'Do you like pizza?', ''],
          ['select_multiple pizza_toppings or_other', 'favorite_topping', 'Favorite toppings', "${likes_pizza} = 'yes'"],
          ['text', 'favorite_cheese', 'What is your favorite type of cheese?', "selected(${favorite_topping}, 'cheese')"],
        ],
        choices: [
          ['list name', 'name', 'label'],
          ['yes_no', 'yes', 'Yes'],
          ['yes_no', 'no', 'No'],
          ['pizza_toppings', 'cheese', 'Cheese'],
          ['pizza_toppings', 'pepperoni', 'Pepperoni'],
          ['pizza_toppings', 'sausage', 'Sausage'],
        ],
      },
      'pizza.xlsx',
    );
    expect(definition.code).toBe('pizza');
    const q = definition.questions!;
    expect(q.map((x) => [x.code, x.kind, x.category])).toEqual([
      ['likes_pizza', 'single-choice', 'main'],
      ['favorite_topping', 'multi-choice', 'main_2'],
      ['favorite_cheese', 'text', 'main_3'],
    ]);
    expect(q[0]).toMatchObject({ required: false, options: [{ code: 'yes', text: { kk: 'Yes', ru: 'Yes', en: 'Yes' } }, { code: 'no' }] });
    expect(q[1]).toMatchObject({ showIf: { question: 'likes_pizza', anyOf: ['yes'] }, other: { code: 'other' } });
    expect(q[2]).toMatchObject({ showIf: { question: 'favorite_topping', anyOf: ['cheese'] }, maxLength: 5000 });
    // One language only: every label copied to the other two, said row by row; the pages split so conditions work.
    expect(warnings.filter((w) => w.key === 'exchange:xlsform.translationCopied').map((w) => w.path)).toEqual(expect.arrayContaining(['survey!2:2', 'survey!3:3', 'survey!4:4', 'choices!2:2', 'settings']));
    expect(warnings.filter((w) => w.key === 'exchange:xlsform.pageSplit').map((w) => w.path)).toEqual(['survey!D3', 'survey!D4']);
  });

  it('"other" as the specification recommends: a choice and a text question relevant on it', async () => {
    const { definition } = await importTables({
      survey: [
        ['type', 'name', 'label', 'relevant'],
        ['select_multiple pizza_toppings', 'favorite_toppings', 'What are your favorite pizza toppings?', ''],
        ['text', 'favorite_toppings_other', 'What other toppings do you like?', "selected(${favorite_toppings}, 'other')"],
      ],
      choices: [
        ['list_name', 'name', 'label'],
        ['pizza_toppings', 'cheese', 'Cheese'],
        ['pizza_toppings', 'pepperoni', 'Pepperoni'],
        ['pizza_toppings', 'sausage', 'Sausage'],
        ['pizza_toppings', 'other', 'Other'],
      ],
    });
    expect(definition.questions).toEqual([
      expect.objectContaining({
        code: 'favorite_toppings',
        kind: 'multi-choice',
        options: [expect.objectContaining({ code: 'cheese' }), expect.objectContaining({ code: 'pepperoni' }), expect.objectContaining({ code: 'sausage' })],
        other: { code: 'other', text: { kk: 'Other', ru: 'Other', en: 'Other' } },
      }),
    ]);
  });

  it('groups, rank, integer with a constraint, required, languages and settings', async () => {
    const { definition, warnings } = await importTables({
      survey: [
        ['type', 'name', 'label::English (en)', 'label::Russian (ru)', 'label::Kazakh (kk)', 'constraint', 'required'],
        ['begin group', 'respondent', 'Respondent', 'Респондент', 'Респондент', '', ''],
        ['text', 'name', 'Enter the respondent’s name', 'Имя респондента', 'Респонденттің аты', '', 'yes'],
        ['integer', 'age', 'How old are you?', 'Сколько вам лет?', 'Жасыңыз нешеде?', '. <= 150', 'yes'],
        ['rank pizza_toppings', 'toppings', 'Order pizza toppings with your favorite on top', 'Упорядочьте', 'Реттеңіз', '', ''],
        ['end group', '', '', '', '', '', ''],
      ],
      choices: [
        ['list_name', 'name', 'label::English (en)', 'label::Russian (ru)', 'label::Kazakh (kk)'],
        ['pizza_toppings', 'cheese', 'Cheese', 'Сыр', 'Ірімшік'],
        ['pizza_toppings', 'pepperoni', 'Pepperoni', 'Пепперони', 'Пепперони'],
        ['pizza_toppings', 'sausage', 'Sausage', 'Колбаса', 'Шұжық'],
      ],
      settings: [
        ['form_title', 'form_id', 'version', 'instance_name', 'default_language'],
        ['Example', 'ex_id', '2017021501', "concat(${firstname}, ' ', ${lastname})", 'English (en)'],
      ],
    });
    expect(definition.code).toBe('ex_id');
    expect(definition.title).toEqual({ kk: 'Example', ru: 'Example', en: 'Example' });
    expect(definition.categories).toEqual([{ code: 'respondent', title: { kk: 'Респондент', ru: 'Респондент', en: 'Respondent' } }]);
    expect(definition.questions).toEqual([
      { code: 'name', category: 'respondent', text: { kk: 'Респонденттің аты', ru: 'Имя респондента', en: 'Enter the respondent’s name' }, kind: 'text', maxLength: 5000 },
      { code: 'age', category: 'respondent', text: { kk: 'Жасыңыз нешеде?', ru: 'Сколько вам лет?', en: 'How old are you?' }, kind: 'number', integer: true, max: 150 },
      expect.objectContaining({ code: 'toppings', kind: 'ranking', pick: 3, required: false }),
    ]);
    expect(warnings.map((w) => w.key)).toEqual(expect.arrayContaining(['exchange:xlsform.settingIgnored', 'exchange:xlsform.translationCopied']));
  });

  it('a Likert scale with a "don’t know" choice imports as ratings; the shared list becomes the questionnaire scale', async () => {
    const { definition } = await importTables({
      survey: [
        ['type', 'name', 'label::Russian (ru)', 'label::Kazakh (kk)', 'label::English (en)', 'appearance', 'required'],
        ['begin_group', 'finance', 'Финансы', 'Қаржы', 'Finance', 'field-list', ''],
        ['select_one barrier', 'lack_funds', 'Нехватка средств', 'Қаражат жетіспеушілігі', 'Lack of funds', 'likert', 'yes'],
        ['select_one barrier', 'high_cost', 'Высокая стоимость', 'Жоғары құн', 'High cost', 'likert', 'yes'],
        ['end_group', '', '', '', '', '', ''],
      ],
      choices: [
        ['list_name', 'name', 'label::Russian (ru)', 'label::Kazakh (kk)', 'label::English (en)'],
        ...[1, 2, 3, 4, 5].map((p) => ['barrier', String(p), `ru${p}`, `kk${p}`, `en${p}`]),
        ['barrier', '99', 'Затрудняюсь ответить', 'Бағалай алмаймын', 'Cannot judge'],
      ],
      settings: [['form_id', 'form_title'], ['KOBO-BARRIERS', 'Барьеры']],
    });
    expect(definition.scale).toEqual({ min: 1, max: 5, labels: Object.fromEntries([1, 2, 3, 4, 5].map((p) => [String(p), { kk: `kk${p}`, ru: `ru${p}`, en: `en${p}` }])), notApplicable: { kk: 'Бағалай алмаймын', ru: 'Затрудняюсь ответить', en: 'Cannot judge' } });
    expect(definition.items).toEqual([
      { code: 'lack_funds', category: 'finance', text: { kk: 'Қаражат жетіспеушілігі', ru: 'Нехватка средств', en: 'Lack of funds' } },
      { code: 'high_cost', category: 'finance', text: { kk: 'Жоғары құн', ru: 'Высокая стоимость', en: 'High cost' } },
    ]);
  });
});

describe('XLSForm import refuses what it cannot represent, row by row', () => {
  it('another language, a hint, a geopoint, a nested group, a numeric relevant, a calculation', async () => {
    const errors = await importErrors({
      survey: [
        ['type', 'name', 'label::English (en)', 'label::Español (es)', 'hint', 'relevant', 'calculation'],
        ['integer', 'age', 'How old are you?', '¿Cuántos años tienes?', '', '', ''],
        ['text', 'store', 'What is the name of this store?', 'Tienda', 'Look on the signboard if the store has a signboard.', '', ''],
        ['geopoint', 'geopoint', 'Collect the GPS coordinates of this store.', 'GPS', '', '', ''],
        ['begin group', 'hospital', 'Hospital', 'Hospital', '', '', ''],
        ['begin group', 'hiv_medication', 'HIV Medication', 'HIV', '', '', ''],
        ['end group', '', '', '', '', '', ''],
        ['end group', '', '', '', '', '', ''],
        ['begin group', 'child', 'Child', 'Niño', '', '${age} <= 5', ''],
        ['calculate', 'double', '', '', '', '', '${age} * 2'],
        ['end group', '', '', '', '', '', ''],
      ],
      settings: [['form_id'], ['spec']],
    });
    const at = (key: string) => errors.filter((e) => e.key === `exchange:xlsform.${key}`).map((e) => e.path);
    expect(at('languageUnknown')).toEqual(['survey!D1']);
    expect(at('hintNotKept')).toEqual(['survey!E3']);
    expect(at('typeUnsupported')).toEqual(['survey!A4', 'survey!A10']);
    expect(at('nestedGroup')).toEqual(['survey!A6']);
    expect(at('relevantUnsupported')).toEqual(['survey!F9']);
    expect(at('columnUnknown')).toEqual(['survey!G10']);
  });

  it('names, lists, constraints and choice names that do not fit', async () => {
    const errors = await importErrors({
      survey: [
        ['type', 'name', 'label', 'constraint'],
        ['text', '1st', 'Bad name', ''],
        ['text', 'dup', 'One', ''],
        ['text', 'dup', 'Two', ''],
        ['select_one nowhere', 'q1', 'Missing list', ''],
        ['integer', 'q2', 'Odd constraint', '. mod 2 = 0'],
        ['select_one odd', 'q3', 'Odd choice', ''],
        ['text', 'Өлшем', 'Cyrillic name', ''],
      ],
      choices: [
        ['list_name', 'name', 'label'],
        ['odd', 'a b', 'With a space'],
        ['odd', 'ok', 'Fine'],
      ],
      settings: [['form_id'], ['names']],
    });
    expect(errors.map((e) => [e.path, e.key])).toEqual(
      expect.arrayContaining([
        ['survey!B2', 'exchange:xlsform.nameInvalid'],
        ['survey!B4', 'exchange:xlsform.nameTwice'],
        ['survey!A5', 'exchange:xlsform.listMissing'],
        ['survey!D6', 'exchange:xlsform.constraintUnsupported'],
        ['choices!B2', 'exchange:xlsform.choiceName'],
        ['survey!B8', 'exchange:xlsform.nameInvalid'],
      ]),
    );
  });

  it('the questionnaire’s own rules are reported at the row (a condition on a later question)', async () => {
    const errors = await importErrors({
      survey: [
        ['type', 'name', 'label', 'relevant'],
        ['begin_group', 'g1', 'First', ''],
        ['text', 'early', 'Early', "${later} = 'a'"],
        ['end_group', '', '', ''],
        ['begin_group', 'g2', 'Second', ''],
        ['select_one ab', 'later', 'Later', ''],
        ['end_group', '', '', ''],
      ],
      choices: [
        ['list_name', 'name', 'label'],
        ['ab', 'a', 'A'],
        ['ab', 'b', 'B'],
      ],
      settings: [['form_id'], ['order']],
    });
    expect(errors).toEqual([expect.objectContaining({ path: 'survey!3:3', key: 'questionnaires:errors.conditionSource' })]);
  });

  it('a workbook without a survey sheet, or not a workbook at all', async () => {
    expect(await importErrors({ Survey: [['type', 'name', 'label'], ['text', 'a', 'A']] })).toEqual([expect.objectContaining({ key: 'exchange:xlsform.sheetCase', path: 'Survey' })]);
    await expect(readXlsForm(Buffer.from('type,name,label\ntext,a,A\n'))).rejects.toMatchObject({ fields: [{ path: 'file', key: 'exchange:xlsform.notXlsx' }] });
    await expect(readXlsForm(Buffer.alloc(0))).rejects.toMatchObject({ fields: [{ path: 'file', key: 'exchange:xlsform.nothingToImport' }] });
  });

  it('parseXlsForm never returns a definition with errors', () => {
    expect(() => parseXlsForm(new Map([['survey', [{ line: 1, cells: ['type', 'name', 'label'] }, { line: 2, cells: ['note', 'n', 'Hello'] }]]]), { fileName: 'n.xlsx' })).toThrow(ValidationError);
  });
});
