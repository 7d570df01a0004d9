import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDomainDir } from '../../../src/paths';
import { QUESTION_KINDS } from '../../../src/modules/questionnaires/kinds';
import { normaliseDefinition, PROFILE_CATEGORY } from '../../../src/modules/questionnaires/questionnaires.form';
import { EXTENDED_QUESTIONNAIRE_FILE } from '../../../src/modules/questionnaires/questionnaires.seed';
import { parseDefinition } from '../../../src/modules/questionnaires/questionnaires.service';
import { ValidationError } from '../../../src/errors';

const original = () => JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'questionnaire-barriers.json'), 'utf8'));
const extended = () => JSON.parse(fs.readFileSync(EXTENDED_QUESTIONNAIRE_FILE, 'utf8'));

function errorsOf(value: unknown): Array<{ path: string; key: string }> {
  try {
    parseDefinition(value);
  } catch (e) {
    if (e instanceof ValidationError) return e.fields.map((f) => ({ path: f.path, key: f.key }));
    throw e;
  }
  return [];
}

describe('question kinds in the exchange format', () => {
  it('reads a file in the original format as it always meant: items are ratings on the questionnaire scale, profile questions have roles', () => {
    const def = parseDefinition(original());
    const questions = normaliseDefinition(def);
    const ratings = questions.filter((q) => q.categoryCode !== PROFILE_CATEGORY);
    expect(ratings).toHaveLength(22);
    expect(ratings.every((q) => q.question.kind === 'rating' && q.question.scale === def.scale && q.required && q.allowComment)).toBe(true);
    expect(ratings.map((q) => q.question.code)).toEqual(def.items.map((i) => i.code));
    expect(ratings.find((q) => q.question.code === 'B03')).toMatchObject({ categoryCode: 'FINANCE', referenceMean: 3.8 });
    const profile = questions.filter((q) => q.categoryCode === PROFILE_CATEGORY);
    expect(profile.map((q) => [q.question.code, q.question.kind, q.role])).toEqual([
      ['territory', 'single-choice', 'territory'],
      ['sector', 'single-choice', 'sector'],
      ['size', 'single-choice', 'size'],
      ['employees', 'number', 'employees'],
      ['innovated', 'multi-choice', 'innovated'],
      ['funding', 'single-choice', 'funding'],
    ]);
    expect(profile.find((q) => q.question.code === 'employees')!.question).toMatchObject({ integer: true, min: 0, max: 250 });
  });

  it('the extended questionnaire uses every kind and keeps the national statistics codes of the reasons', () => {
    const def = parseDefinition(extended());
    const kinds = new Set(normaliseDefinition(def).map((q) => q.question.kind));
    expect([...kinds].sort()).toEqual([...QUESTION_KINDS].sort());
    const reasons = def.questions!.find((q) => q.code === 'R01')!;
    if (reasons.kind !== 'multi-choice') throw new Error('R01 is a multi-choice');
    const reference = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'reference-data', 'east-kz-reasons-not-innovating-2020.json'), 'utf8')) as { rows: Array<{ item: string | null; en: string }> };
    expect(reasons.options.map((o) => o.code).slice(0, 9)).toEqual(reference.rows.filter((r) => r.item).map((r) => r.item));
    expect(reasons.options.slice(9).map((o) => o.text.en)).toEqual(reference.rows.filter((r) => !r.item).map((r) => r.en));
    for (const code of ['B23', 'B24', 'B25', 'B26', 'B27', 'B28', 'B29', 'B30']) expect(def.items.some((i) => i.code === code)).toBe(true);
  });

  it('reports a bad question of each kind at its JSON path', () => {
    // Shape first (zod checks the cross-question rules only on a well-formed file).
    const shape = extended();
    const q1 = (code: string) => shape.questions.find((x: { code: string }) => x.code === code);
    q1('A03').kind = 'essay';
    q1('S04').scale.max = 40;
    q1('A02').unit = { kk: 'x', ru: 'x' };
    expect(errorsOf(shape)).toEqual(
      expect.arrayContaining([
        { path: '$.questions[2].kind', key: 'errors:field.invalid' },
        { path: '$.questions[7].scale.max', key: 'questionnaires:errors.scaleTooLong' },
        { path: '$.questions[1].unit.en', key: 'errors:field.required' },
      ]),
    );

    const def = extended();
    const q = (code: string) => def.questions.find((x: { code: string }) => x.code === code);
    q('S03').pick = 9; // more places than options
    q('A01').max = -1; // max below min
    q('R01').options[1].code = 'B06'; // duplicate option code
    q('S02').category = 'NOPE';
    def.questions.push({ ...q('S01'), code: 'B01' }); // clashes with an item code
    def.questions.push({ ...q('S04'), code: 'S05', category: 'MARKET' }); // a 0-10 rating among 1-5 ones
    expect(errorsOf(def)).toEqual(
      expect.arrayContaining([
        { path: '$.questions[6].pick', key: 'questionnaires:errors.pickTooMany' },
        { path: '$.questions[0].max', key: 'questionnaires:errors.integerRange' },
        { path: '$.questions[3].options[1].code', key: 'questionnaires:errors.duplicateCode' },
        { path: '$.questions[5].category', key: 'questionnaires:errors.unknownCategory' },
        { path: '$.questions[8].code', key: 'questionnaires:errors.duplicateCode' },
        { path: '$.questions[9].scale', key: 'questionnaires:errors.mixedScales' },
      ]),
    );
  });
});
