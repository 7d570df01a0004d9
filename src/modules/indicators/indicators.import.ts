import type { TableRow } from '../../lib/spreadsheet';
import { ZIndicatorCode } from './indicators.schemas';

/**
 * Reading an uploaded statistics table into values, without touching the database.
 *
 * Two layouts are recognised by their header:
 *  - long: territory, indicator, period, value (one value per line);
 *  - wide: territory, [period], then one column per indicator code (the period comes from the
 *    form when the file has no period column).
 * Header names are accepted in English, Russian and Kazakh. Numbers may use a decimal comma and
 * spaces between thousands. A line with any bad cell is reported (line and reason) and none of
 * its values is kept; empty cells of a wide table are missing data, not errors.
 */
export interface ParsedValue {
  territoryId: number;
  code: string;
  period: string;
  value: number;
}

export interface ImportIssue {
  line: number;
  /** i18n key in the indicators namespace, e.g. "indicators:import.unknownTerritory". */
  reason: string;
  params?: Record<string, unknown>;
}

export interface ParsedImport {
  format: 'wide' | 'long';
  values: ParsedValue[];
  /** Indicator codes in the file that the dataset does not have yet (created on confirmation). */
  newCodes: string[];
  issues: ImportIssue[];
  /** Lines read (header excluded) and lines kept. */
  lines: number;
  goodLines: number;
  emptyCells: number;
}

/** The whole file is unusable (no territory column, no period anywhere...): nothing to preview. */
export class ImportFileError extends Error {
  constructor(
    readonly reason: string,
    readonly params: Record<string, unknown> = {},
  ) {
    super(reason);
    this.name = 'ImportFileError';
  }
}

const HEADER_ALIASES: Record<'territory' | 'indicator' | 'period' | 'value', string[]> = {
  territory: ['territory', 'территория', 'аумақ', 'аймақ', 'район', 'аудан'],
  indicator: ['indicator', 'code', 'показатель', 'код', 'көрсеткіш'],
  period: ['period', 'year', 'период', 'год', 'кезең', 'жыл'],
  value: ['value', 'значение', 'мән'],
};

function headerRole(cell: string): keyof typeof HEADER_ALIASES | undefined {
  const key = cell.trim().toLocaleLowerCase('ru');
  return (Object.keys(HEADER_ALIASES) as Array<keyof typeof HEADER_ALIASES>).find((role) => HEADER_ALIASES[role].includes(key));
}

/** "1 234,5" -> 1234.5; "6.4" -> 6.4; anything else -> undefined. */
export function parseNumberCell(raw: string): number | undefined {
  const compact = raw.replace(/[\s\u00a0\u202f]/g, '');
  if (!/^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$/.test(compact)) return undefined;
  const value = Number(compact.replace(',', '.'));
  return Number.isFinite(value) ? value : undefined;
}

/** Rows checked between two turns of the event loop: a 5 MB table must not hold up other requests. */
const ROWS_PER_SLICE = 1000;

export async function parseIndicatorTable(
  table: TableRow[],
  options: {
    findTerritory: (name: string) => { id: number } | undefined;
    existingCodes: ReadonlySet<string>;
    period?: string;
  },
): Promise<ParsedImport> {
  const [header, ...body] = table;
  if (!header) throw new ImportFileError('indicators:import.empty');
  const roles = header.cells.map(headerRole);
  const col = (role: keyof typeof HEADER_ALIASES) => roles.indexOf(role);
  const territoryCol = col('territory');
  if (territoryCol < 0) throw new ImportFileError('indicators:import.noTerritoryColumn');
  const isLong = col('indicator') >= 0 && col('value') >= 0;
  const periodCol = col('period');
  if (periodCol < 0 && (isLong || !options.period)) throw new ImportFileError('indicators:import.noPeriod');

  const issues: ImportIssue[] = [];
  const values: ParsedValue[] = [];
  const seen = new Map<string, number>();
  const codes = new Set<string>();
  let goodLines = 0;
  let emptyCells = 0;

  let indicatorColumns: Array<{ index: number; code: string }> = [];
  if (!isLong) {
    indicatorColumns = header.cells.flatMap((cell, index) => (roles[index] === undefined && cell.trim() !== '' ? [{ index, code: cell.trim() }] : []));
    if (indicatorColumns.length === 0) throw new ImportFileError('indicators:import.noIndicatorColumns');
    for (const c of indicatorColumns) {
      if (!ZIndicatorCode.safeParse(c.code).success) throw new ImportFileError('indicators:import.badHeaderCode', { code: c.code });
      if (indicatorColumns.filter((o) => o.code === c.code).length > 1) throw new ImportFileError('indicators:import.duplicateHeader', { code: c.code });
    }
  }

  for (const [index, row] of body.entries()) {
    if (index % ROWS_PER_SLICE === ROWS_PER_SLICE - 1) await new Promise<void>((resolve) => setImmediate(resolve));
    const cell = (i: number) => (i >= 0 ? (row.cells[i] ?? '').trim() : '');
    const lineIssues: ImportIssue[] = [];
    const add = (reason: string, params?: Record<string, unknown>) => lineIssues.push({ line: row.line, reason, params });

    const territoryName = cell(territoryCol);
    const territory = territoryName ? options.findTerritory(territoryName) : undefined;
    if (!territoryName) add('indicators:import.missingTerritory');
    else if (!territory) add('indicators:import.unknownTerritory', { value: territoryName });
    const period = periodCol >= 0 ? cell(periodCol) : options.period!;
    if (!period) add('indicators:import.missingPeriod');
    else if (period.length > 30) add('indicators:import.periodTooLong');

    const lineValues: Array<{ code: string; value: number }> = [];
    if (isLong) {
      const code = cell(col('indicator'));
      const raw = cell(col('value'));
      if (!code) add('indicators:import.missingIndicator');
      else if (!ZIndicatorCode.safeParse(code).success) add('indicators:import.badCode', { value: code });
      const value = parseNumberCell(raw);
      if (raw === '') add('indicators:import.missingValue');
      else if (value === undefined) add('indicators:import.notNumber', { column: code || '?', value: raw });
      if (code && value !== undefined) lineValues.push({ code, value });
    } else {
      for (const c of indicatorColumns) {
        const raw = cell(c.index);
        if (raw === '') {
          emptyCells++;
          continue;
        }
        const value = parseNumberCell(raw);
        if (value === undefined) add('indicators:import.notNumber', { column: c.code, value: raw });
        else lineValues.push({ code: c.code, value });
      }
    }

    for (const v of lineValues) {
      const key = `${territory?.id}|${v.code}|${period}`;
      const first = seen.get(key);
      if (territory && period && first !== undefined) add('indicators:import.duplicate', { column: v.code, line: first });
    }
    if (lineIssues.length) {
      issues.push(...lineIssues);
      continue;
    }
    goodLines++;
    for (const v of lineValues) {
      seen.set(`${territory!.id}|${v.code}|${period}`, row.line);
      values.push({ territoryId: territory!.id, code: v.code, period, value: v.value });
      codes.add(v.code);
    }
  }

  return {
    format: isLong ? 'long' : 'wide',
    values,
    newCodes: [...codes].filter((c) => !options.existingCodes.has(c)).sort(),
    issues,
    lines: body.length,
    goodLines,
    emptyCells,
  };
}
