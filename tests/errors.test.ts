import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { zodFieldErrors } from '../src/errors';
import { translator } from '../src/i18n';

/** zod's issues as messages a person can act on (issue 15): what is wrong, not "required" for a value that was given. */
describe('zodFieldErrors', () => {
  const keyOf = (schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    return r.success ? undefined : zodFieldErrors(r.error)[0];
  };

  it('tells a missing value from a value of the wrong kind', () => {
    expect(keyOf(z.object({ a: z.string() }), {})?.key).toBe('errors:field.required');
    expect(keyOf(z.coerce.number(), 'abc')?.key).toBe('errors:field.number'); // zod reports NaN, not "required"
    expect(keyOf(z.coerce.number().int(), '2.5')?.key).toBe('errors:field.integer');
    expect(keyOf(z.coerce.date(), 'next monday')?.key).toBe('errors:field.date');
  });

  it('says "greater than 0" for a rule that says positive, not "at least 0"', () => {
    expect(keyOf(z.coerce.number().positive(), '0')).toMatchObject({ key: 'errors:field.positive' });
    expect(keyOf(z.number().gt(2), 2)).toMatchObject({ key: 'errors:field.greaterThan', params: { min: 2 } });
    expect(keyOf(z.number().min(1), 0)).toMatchObject({ key: 'errors:field.tooSmall', params: { min: 1 } });
    expect(keyOf(z.number().lt(5), 5)).toMatchObject({ key: 'errors:field.lessThan', params: { max: 5 } });
    expect(keyOf(z.array(z.string()).min(2), ['a'])).toMatchObject({ key: 'errors:field.tooFewItems', params: { count: 2 } });
  });

  it('reads as plain sentences in kk, ru and en', () => {
    for (const lang of ['kk', 'ru', 'en'] as const) {
      const t = translator(lang);
      for (const [key, params] of [['errors:field.number', {}], ['errors:field.positive', {}], ['errors:field.tooFewItems', { count: 3 }]] as const) {
        const text = t(key, params);
        expect(text).not.toMatch(/⟦|\{\{|Expected|received|nan/i);
        expect(text.length).toBeGreaterThan(8);
      }
    }
    expect(translator('ru')('errors:field.tooFewItems', { count: 3 })).toBe('Выберите не меньше 3 элементов.');
  });
});
