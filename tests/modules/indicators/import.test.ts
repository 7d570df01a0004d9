import { describe, expect, it } from 'vitest';
import { ImportFileError, parseIndicatorTable, parseNumberCell } from '../../../src/modules/indicators/indicators.import';

const territories: Record<string, number> = { semey: 1, ridder: 2, oskemen: 3 };
const options = (extra: Partial<Parameters<typeof parseIndicatorTable>[1]> = {}) => ({
  findTerritory: (name: string) => (territories[name.toLowerCase()] ? { id: territories[name.toLowerCase()]! } : undefined),
  existingCodes: new Set(['GRP']),
  ...extra,
});
const table = (...lines: string[][]) => lines.map((cells, i) => ({ line: i + 1, cells }));

describe('parseNumberCell', () => {
  it('reads decimal commas and thousands separators, refuses anything else', () => {
    expect(parseNumberCell('6,4')).toBe(6.4);
    expect(parseNumberCell('1 234,5')).toBe(1234.5);
    expect(parseNumberCell('1\u00a0234.5')).toBe(1234.5);
    expect(parseNumberCell('-3e2')).toBe(-300);
    expect(parseNumberCell('12abc')).toBeUndefined();
    expect(parseNumberCell('1,2,3')).toBeUndefined();
    expect(parseNumberCell('')).toBeUndefined();
  });
});

describe('parseIndicatorTable', () => {
  it('reads a long table (Russian headers) and reports each bad line with its reason', async () => {
    const parsed = await parseIndicatorTable(
      table(
        ['Территория', 'Показатель', 'Год', 'Значение'],
        ['Semey', 'GRP', '2020', '10'],
        ['Semey', 'NEW_1', '2020', '2,5'],
        ['Atlantis', 'GRP', '2020', '1'],
        ['Ridder', 'bad code!', '2020', '1'],
        ['Ridder', 'GRP', '', '1'],
        ['Ridder', 'GRP', '2020', ''],
        ['Semey', 'GRP', '2020', '11'],
      ),
      options(),
    );
    expect(parsed.format).toBe('long');
    expect(parsed.values).toEqual([
      { territoryId: 1, code: 'GRP', period: '2020', value: 10 },
      { territoryId: 1, code: 'NEW_1', period: '2020', value: 2.5 },
    ]);
    expect(parsed.newCodes).toEqual(['NEW_1']);
    expect(parsed.issues.map((i) => [i.line, i.reason.split('.').pop()])).toEqual([
      [4, 'unknownTerritory'],
      [5, 'badCode'],
      [6, 'missingPeriod'],
      [7, 'missingValue'],
      [8, 'duplicate'],
    ]);
    expect(parsed.goodLines).toBe(2);
  });

  it('reads a wide table with the period from the form; empty cells are missing data, not errors', async () => {
    const parsed = await parseIndicatorTable(table(['territory', 'GRP', 'EMP'], ['Semey', '1', ''], ['Ridder', '', '2']), options({ period: '2021' }));
    expect(parsed.format).toBe('wide');
    expect(parsed.values).toHaveLength(2);
    expect(parsed.values.every((v) => v.period === '2021')).toBe(true);
    expect(parsed.emptyCells).toBe(2);
    expect(parsed.issues).toEqual([]);
  });

  it('refuses a whole file without a territory column, without any period, or with a bad header', async () => {
    await expect(parseIndicatorTable(table(['name', 'GRP'], ['Semey', '1']), options({ period: '2020' }))).rejects.toThrow(ImportFileError);
    await expect(parseIndicatorTable(table(['territory', 'GRP'], ['Semey', '1']), options())).rejects.toThrow(/noPeriod/);
    await expect(parseIndicatorTable(table(['territory', 'year', 'G R P'], ['Semey', '2020', '1']), options())).rejects.toThrow(/badHeaderCode/);
    await expect(parseIndicatorTable(table(['territory', 'year', 'GRP', 'GRP'], ['Semey', '2020', '1', '2']), options())).rejects.toThrow(/duplicateHeader/);
  });
});
