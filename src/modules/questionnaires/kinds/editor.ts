import type { FieldError } from '../../../errors';
import type { TLocalizedText } from './common';

/**
 * The builder's side of a question kind: how the kind's own fields (options, limits, scale...)
 * are read from the builder's form. Each kind's definition (KindDef) carries its editor, and
 * its form fields live in views/questionnaires/builder/kinds/<partial>.ejs. The builder handles
 * what every question has (code, section, text, required, role, condition) itself.
 *
 * Form fields are flat and named by their path in the exchange format ("options.2.text.ru"), so
 * that an issue zod reports at a path is shown beside the field of the same name, whatever the kind.
 */
export type FlatForm = Record<string, unknown>;

export interface KindEditor {
  /** views/questionnaires/builder/kinds/<partial>.ejs */
  partial: string;
  /** The kind's fields of a question that has none yet (a new question's form). */
  blank(): Record<string, unknown>;
  /** The kind's fields from the form; malformed numbers are kept as typed and reported on the reader. */
  read(form: FormReader): Record<string, unknown>;
}

/** More rows than any kind allows: an index beyond this is not a row anyone typed. */
const MAX_ROWS = 300;

export class FormReader {
  readonly errors: FieldError[] = [];

  constructor(private readonly form: FlatForm) {}

  str(name: string): string {
    const v = this.form[name];
    return typeof v === 'string' ? v.trim().replace(/\r\n/g, '\n') : '';
  }

  /** Every value of a repeated field (checkboxes). */
  list(name: string): string[] {
    const v = this.form[name];
    const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
    return all.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  }

  flag(name: string): boolean {
    const v = this.form[name];
    return v === 'on' || v === 'yes' || v === 'true' || v === '1';
  }

  /** The three languages of a text; a language left blank is an empty text (a missing translation). */
  text(name: string): TLocalizedText {
    return { kk: this.str(`${name}.kk`), ru: this.str(`${name}.ru`), en: this.str(`${name}.en`) };
  }

  /** A text that may be left out entirely (a unit, a "cannot judge" label): undefined when all three are blank. */
  optionalText(name: string): TLocalizedText | undefined {
    const text = this.text(name);
    return text.kk || text.ru || text.en ? text : undefined;
  }

  /**
   * A number as people type it (a comma or a point for decimals). Blank is undefined; anything
   * else that is not a number is reported at the field and kept as typed, so the form shows it again.
   */
  number(name: string, integer = false): number | string | undefined {
    const raw = this.str(name);
    if (!raw) return undefined;
    const n = /^[-+]?\d{1,15}(?:[.,]\d{1,9})?$/.test(raw) ? Number(raw.replace(',', '.')) : NaN;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      this.errors.push({ path: name, key: integer ? 'builder:errors.wholeNumber' : 'builder:errors.number' });
      return raw;
    }
    return n;
  }

  /** The numeric segments that follow `name.` in the form's field names, ascending (row indexes, scale points). */
  indexes(name: string): number[] {
    const prefix = `${name}.`;
    const found = new Set<number>();
    for (const key of Object.keys(this.form)) {
      if (!key.startsWith(prefix)) continue;
      const m = /^(\d+)(?:\.|$)/.exec(key.slice(prefix.length));
      if (m && Number(m[1]) < MAX_ROWS) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  /**
   * Rows of a list (options): indexes present in the form, in order; rows whose every field is
   * blank are left out (the spare rows the form offers for adding). Indexes are renumbered, and
   * the form is shown again from what was read, so positions and messages stay aligned.
   */
  rows<T>(name: string, read: (prefix: string) => T | undefined): T[] {
    const out: T[] = [];
    for (const i of this.indexes(name)) {
      const row = read(`${name}.${i}`);
      if (row !== undefined) out.push(row);
    }
    return out;
  }
}

/** An option row (code and text, plus `exclusive` for multi-choice), or undefined when the row is blank. */
export function readOption(form: FormReader, prefix: string, withExclusive = false): Record<string, unknown> | undefined {
  const code = form.str(`${prefix}.code`);
  const text = form.text(`${prefix}.text`);
  const exclusive = withExclusive && form.flag(`${prefix}.exclusive`);
  if (!code && !text.kk && !text.ru && !text.en) return undefined;
  return { code, ...(exclusive ? { exclusive: true } : {}), text };
}

/** "Other, please specify": present when its code or any text is filled in. */
export function readOther(form: FormReader): Record<string, unknown> | undefined {
  const code = form.str('other.code');
  const text = form.text('other.text');
  const maxLength = form.number('other.maxLength', true);
  if (!code && !text.kk && !text.ru && !text.en && maxLength === undefined) return undefined;
  return { code, text, ...(maxLength !== undefined ? { maxLength } : {}) };
}

/**
 * An object as the builder's flat form fields: {"options.0.text.kk": "...", "required": "on"}.
 * Booleans become checkboxes ("on" or absent), numbers their text.
 */
export function flattenForm(value: unknown, prefix = '', out: FlatForm = {}): FlatForm {
  if (value === undefined || value === null || value === false) return out;
  if (value === true) out[prefix] = 'on';
  else if (typeof value === 'number') out[prefix] = String(value);
  else if (typeof value === 'string') out[prefix] = value;
  else if (Array.isArray(value)) value.forEach((v, i) => flattenForm(v, prefix ? `${prefix}.${i}` : String(i), out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) flattenForm(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}
