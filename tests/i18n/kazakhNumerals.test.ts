import { describe, expect, it } from 'vitest';
import { kazakhCase, kazakhCaseEnding, kazakhNumeralLastWord } from '../../src/i18n/kazakhNumerals';

/*
 * Reference forms. Each row is the numeral's spoken form declined as any Kazakh grammar's table of
 * септік жалғаулары gives it (Қазақ грамматикасы, Астана 2002; the same tables at
 * talkinkazakh.com/7-kazakh-noun-cases and pl.wiktionary "Aneks:Kazachski - końcówki rzeczowników"),
 * written after the digits with a hyphen as the orthography rules (Қазақ тілінің емле ережелері) ask:
 * бес -> беске, бестен, бесі; он -> онға, оннан, оны; алты -> алтыға, алтыдан, алтысы.
 * The forms named in issue 15 ("5-ке", "2-ге", "10-ға", "6-ға", "3-тен", "5-тен", "2-ден", "1-ден")
 * are among them. Exact strings: no tolerance.
 */
const DATIVE: Array<[number, string]> = [
  [0, '0-ге'], // нөлге
  [1, '1-ге'], // бірге
  [2, '2-ге'], // екіге
  [3, '3-ке'], // үшке
  [4, '4-ке'], // төртке
  [5, '5-ке'], // беске
  [6, '6-ға'], // алтыға
  [7, '7-ге'], // жетіге
  [8, '8-ге'], // сегізге
  [9, '9-ға'], // тоғызға
  [10, '10-ға'], // онға
  [20, '20-ға'], // жиырмаға
  [30, '30-ға'], // отызға
  [40, '40-қа'], // қырыққа
  [50, '50-ге'], // елуге
  [60, '60-қа'], // алпысқа
  [70, '70-ке'], // жетпіске
  [80, '80-ге'], // сексенге
  [90, '90-ға'], // тоқсанға
  [100, '100-ге'], // жүзге
  [1000, '1000-ға'], // мыңға
  [25, '25-ке'], // жиырма беске
  [1_000_000, '1000000-ға'], // миллионға
];

const ABLATIVE: Array<[number | string, string]> = [
  [1, '1-ден'], // бірден
  [2, '2-ден'], // екіден
  [3, '3-тен'], // үштен
  [5, '5-тен'], // бестен
  [6, '6-дан'], // алтыдан
  [9, '9-дан'], // тоғыздан
  [10, '10-нан'], // оннан
  [40, '40-тан'], // қырықтан
  [80, '80-нен'], // сексеннен
  [100, '100-ден'], // жүзден
  [1000, '1000-нан'], // мыңнан
  [2000, '2000-нан'], // екі мыңнан
  [1500, '1500-ден'], // бір мың бес жүзден
  [100_000, '100000-нан'], // жүз мыңнан
  ['100 000', '100 000-нан'], // shown with a group separator
  ['0,5', '0,5-тен'], // нөл бүтін оннан бестен
  ['1,25', '1,25-тен'], // бір бүтін жүзден жиырма бестен
  ['0,1', '0,1-ден'], // нөл бүтін оннан бірден
];

const POSSESSIVE: Array<[number, string]> = [
  [1, '1-і'], // бірі
  [2, '2-сі'], // екісі
  [3, '3-і'], // үші
  [5, '5-і'], // бесі
  [6, '6-сы'], // алтысы
  [10, '10-ы'], // оны
  [20, '20-сы'], // жиырмасы
  [40, '40-ы'], // қырқы
  [50, '50-і'], // елуі
  [100, '100-і'], // жүзі
  [1000, '1000-ы'], // мыңы
];

describe('Kazakh case endings after numbers written in digits', () => {
  it('finds the last spoken word of a number', () => {
    expect(kazakhNumeralLastWord(25)).toBe('бес');
    expect(kazakhNumeralLastWord(2026)).toBe('алты');
    expect(kazakhNumeralLastWord(2000)).toBe('мың');
    expect(kazakhNumeralLastWord(3_000_000)).toBe('миллион');
    expect(kazakhNumeralLastWord(1_500_000)).toBe('мың');
    expect(kazakhNumeralLastWord('12\u00a0340')).toBe('қырық');
    expect(kazakhNumeralLastWord('−7')).toBe('жеті');
    expect(kazakhNumeralLastWord('50 %')).toBe('пайыз');
    expect(kazakhNumeralLastWord('T3')).toBeUndefined();
  });

  it.each(DATIVE)('dative of %s is %s', (n, form) => expect(kazakhCase(n, 'dative')).toBe(form));
  it.each(ABLATIVE)('ablative of %s is %s', (n, form) => expect(kazakhCase(n, 'ablative')).toBe(form));
  it.each(POSSESSIVE)('possessive of %s is %s', (n, form) => expect(kazakhCase(n, 'possessive')).toBe(form));

  it('declines the other cases by the same sound rules', () => {
    // genitive: бестің, алтының, онның, сегіздің; accusative: бесті, алтыны, онды; locative: бесте, алтыда
    expect(['genitive', 'accusative', 'locative', 'instrumental', 'possessiveDative'].map((c) => kazakhCaseEnding('бес', c as never))).toEqual(['тің', 'ті', 'те', 'пен', 'іне']);
    expect(['genitive', 'accusative', 'locative', 'instrumental', 'possessiveDative'].map((c) => kazakhCaseEnding('алты', c as never))).toEqual(['ның', 'ны', 'да', 'мен', 'сына']);
    expect(['genitive', 'accusative', 'locative', 'instrumental', 'possessiveDative'].map((c) => kazakhCaseEnding('он', c as never))).toEqual(['ның', 'ды', 'да', 'мен', 'ына']);
    expect(['genitive', 'accusative', 'locative', 'instrumental', 'possessiveDative'].map((c) => kazakhCaseEnding('сегіз', c as never))).toEqual(['дің', 'ді', 'де', 'бен', 'іне']);
  });

  it('leaves text that is not a number as it is', () => {
    expect(kazakhCase('T3', 'dative')).toBe('T3');
  });
});
