import fc from 'fast-check';
import type request from 'supertest';
import { expect } from 'vitest';
import { translator, type Language } from '../../src/i18n';


import { nastyStrings } from './arbitraries';
import { testDbEngine } from './db';

/** Shared pieces of the tests/security/bad-input.*.test.ts files. */

export const LANGS: Language[] = ['kk', 'ru', 'en'];

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

/** A catalogue message as a page shows it, in `lang`. */
export const shown = (lang: Language, key: string, params?: Record<string, unknown>) => escapeHtml(translator(lang)(key, params));

/** Texts no name field may take: empty, too long, NUL, or not text at all (as a form sends them: strings or arrays). */
export function badText(max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom('', '   ', '\t\r\n'),
    fc.integer({ min: max + 1, max: max + 300 }).map((n) => 'ә'.repeat(n)),
    fc.string({ maxLength: 10 }).map((s) => `${s}\u0000${s}`),
    fc.constant(['a', 'b']),
    fc.constant({ nested: 'x' }),
  );
}

/** Names that must be accepted and come back exactly (after trimming). */
export const goodUnicodeText = fc.oneof(
  fc.constantFrom(...nastyStrings.filter((s) => s.trim() !== '' && !s.includes('\u0000') && s.length <= 200), 'Қазақстан Әлемі', 'Өскемен 🏔', '‏مرحبا‎', 'a\u200Bb'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '' && !s.includes('\u0000')),
);

/** A form body value as it travels: an empty object or array would vanish from a form, so it becomes a bad string instead. */
export const formValue = (v: unknown) => (v === null || v === undefined || (typeof v === 'object' && Object.keys(v as object).length === 0) ? '\u0000' : v);

/** A refused HTML form: 400, in the reader's language, with a field error, the alert box, or (for a request refused before its form handler) the error page. */
export function expectFormRefused(res: request.Response, lang: Language, statuses: number[] = [400]): void {
  expect(statuses, `status ${res.status}: ${res.text?.slice(0, 200)}`).toContain(res.status);
  expect(res.text).toContain(`<html lang="${lang}">`);
  expect(res.text).toMatch(/class="field-error"|role="alert"|class="error-page"/);
}

/** A refused JSON call: the status, a code, and the message in the reader's language. */
export function expectJsonRefused(res: request.Response, lang: Language, statuses: number[] = [400]): void {
  expect(statuses, `status ${res.status}: ${res.text?.slice(0, 300)}`).toContain(res.status);
  expect(typeof res.body?.error?.code).toBe('string');
  expect(typeof res.body?.error?.message).toBe('string');
  // A catalogue message in the reader's language, not a key.
  expect(res.body.error.message).not.toMatch(/⟦|^[a-z]+:[a-zA-Z.]+$/);
  expectLanguage(res.body.error.message, lang);
}

/** Kazakh and Russian messages are in Cyrillic (Kazakh with its own letters where the text has any), English ones are not. */
export function expectLanguage(message: string, lang: Language): void {
  if (lang === 'en') expect(message, message).not.toMatch(/[\u0400-\u04ff]/);
  else expect(message, message).toMatch(/[\u0400-\u04ff]/);
}

/**
 * Property runs for this engine. PostgreSQL requests cost several times SQLite's; what it adds is the
 * engine's own refusals (types, lengths, NUL), which a smaller sample still reaches, so it runs 60 %.
 */
export const runs = (n: number): number => (testDbEngine === 'postgres' ? Math.max(10, Math.round(n * 0.6)) : n);
