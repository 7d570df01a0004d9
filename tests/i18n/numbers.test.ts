import { describe, expect, it } from 'vitest';
import { loadCatalogues, translator } from '../../src/i18n';
import { KAZAKH_CASES, kazakhCase, kazakhCaseEnding } from '../../src/i18n/kazakhNumerals';

/** Every text of a language as [ns:key, text]. */
function texts(lng: 'kk' | 'ru' | 'en'): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (o: unknown, key: string) => {
    if (typeof o === 'string') out.push([key, o]);
    else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, key.endsWith(':') ? key + k : `${key}.${k}`);
  };
  const catalogues = loadCatalogues();
  for (const [ns, catalogue] of Object.entries(catalogues[lng])) walk(catalogue, `${ns}:`);
  return out;
}
const PLURAL = /_(zero|one|two|few|many|other)$/;

/*
 * Russian: a word right after an interpolated value agrees with it when the value is a number
 * ("1 строки", "5 строк"), so such a text needs plural variants (_one/_few/_many/_other, chosen by
 * `count`) or a wording where no noun follows the number ("строк: 5"). Outside plural keys a value
 * may be followed only by words that do not agree with a number: verbs, prepositions, adverbs, or a
 * noun after a value that is a label rather than a quantity (a year, a language, a round's number).
 */
const RU_NOT_COUNTING = new Set([
  'больше', 'в', 'вне', 'встречается', 'выполнил', 'выше', 'для', 'до', 'добавлен', 'должен', 'должно', 'зависит',
  'закрывается', 'заменяется', 'записываются', 'зарезервировано', 'здесь', 'и', 'из', 'изменена', 'изменён', 'к', 'на',
  'не', 'невозможно', 'нет', 'ниже', 'одному', 'отрицательно', 'по', 'пришли', 'прошло', 'с', 'сброшен', 'скопирован',
  'создан', 'сравнивает', 'теперь', 'удаляется', 'удалён', 'уже', 'указан', 'является',
]);
/** Nouns allowed after a value that names something instead of counting it: marker -> words. */
const RU_LABEL_NOUNS: Record<string, string[]> = {
  year: ['год', 'года', 'году'],
  next: ['году'],
  first: ['году'],
  to: ['годы'],
  format: ['таблица'], // "CSV таблица"
  n: ['правило'], // "В раунде 3 правило ..." (the round's number)
  position: ['функции'], // "Аргумент 2 функции lag"
  round: ['экспертной'], // "раунд 2 экспертной панели"
  language: ['языке'],
};

describe('numbers in texts', () => {
  it('ru: no noun agrees with a number outside plural variants', () => {
    const faults: string[] = [];
    for (const [key, text] of texts('ru')) {
      if (PLURAL.test(key)) continue;
      for (const m of text.matchAll(/\{\{\s*(\w+)[^}]*\}\}[ \u00a0]+([а-яё]+)/g)) {
        const [, marker, word] = m as unknown as [string, string, string];
        if (!RU_NOT_COUNTING.has(word) && !RU_LABEL_NOUNS[marker]?.includes(word)) faults.push(`${key}: {{${marker}}} ${word}`);
      }
    }
    expect(faults).toEqual([]);
  });

  it('ru: the texts issue 15 found in one fixed form follow the number', () => {
    const ru = translator('ru');
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['analysis:honest.smallGroupsLegend', { min: 21, count: 21 }, 'меньше 21 оценки,'],
      ['analysis:honest.smallGroupsLegend', { min: 5, count: 5 }, 'меньше 5 оценок,'],
      ['analysis:heatmap.note', { min: 1, count: 1 }, 'меньше 1 оценки '],
      ['analysis:honest.smallGroups', { min: 2, count: 2, smallest: 1 }, 'меньше 2 оценок '],
      ['analysis:kinds.rankingCaption', { k: 1, count: 1 }, '(для 1 места)'],
      ['analysis:kinds.rankingCaption', { k: 3, count: 3 }, '(для 3 мест)'],
      ['analysis:reference.publishedCaption', { n: 31, count: 31 }, 'исследования 31 предприятия '],
      ['auth:reset.mailBody', { minutes: 60, count: 60, name: 'А', link: 'x' }, 'в течение 60 минут;'],
      ['auth:reset.mailBody', { minutes: 21, count: 21, name: 'А', link: 'x' }, 'в течение 21 минуты;'],
      ['exchange:xlsform.read.tooManyRows', { max: 2001, count: 2001 }, 'больше 2001 строки.'],
      ['indicators:import.read.tooManyRows', { max: 5000, count: 5000 }, 'больше 5000 строк.'],
      ['indicators:import.read.tooManyCells', { max: 1001, count: 1001 }, 'больше 1001 ячейки;'],
      ['indicators:import.moreIssues', { shown: 20, count: 41 }, 'первые 20 из 41 ошибки;'],
      ['invitations:new.uploadHint', { rows: '100 000', count: 100000, mb: 20 }, 'До 100 000 предприятий и 20 МБ.'],
      ['invitations:new.uploadHint', { rows: '1 001', count: 1001, mb: 20 }, 'До 1 001 предприятия и 20 МБ.'],
      ['invitations:errors.file.tooManyRows', { max: 100001, count: 100001 }, 'больше 100001 предприятия.'],
      ['invitations:errors.file.tooManyCells', { max: 3, count: 3 }, 'больше 3 ячеек.'],
      ['invitations:result.partial', { shown: 500, total: 2001 }, 'первые ссылки (500 из 2001)'],
      ['methods:formula.arity', { name: 'lag', min: 1, max: 2, count: 2 }, 'от 1 до 2 аргументов.'],
      ['methods:formula.arityExact', { name: 'base', count: 2 }, 'принимает 2 аргумента.'],
      ['methods:formula.arityExact', { name: 'chain', count: 1 }, 'принимает 1 аргумент.'],
      ['methods:robustness.summary', { draws: 1000, count: 1000, seed: 1, spread: 20 }, '1000 перестроений,'],
      ['methods:robustness.summary', { draws: 2, count: 2, seed: 1, spread: 20 }, '2 перестроения,'],
      ['methods:robustness.summary', { draws: 201, count: 201, seed: 1, spread: 20 }, '201 перестроение,'],
      ['programmes:import.read.tooManyRows', { max: 5000, count: 5000 }, 'больше 5000 строк.'],
      ['programmes:import.read.tooManyCells', { max: 2, count: 2 }, 'больше 2 ячеек;'],
      ['programmes:projection.value', { year: 2030, value: '5', n: 21, count: 21 }, '(по 21 значению).'],
      ['programmes:projection.value', { year: 2030, value: '5', n: 4, count: 4 }, '(по 4 значениям).'],
    ];
    for (const [key, params, expected] of cases) expect(ru(key, params), key).toContain(expected);
  });

  it('en: counts are not written as "problem(s)" and agree with the number', () => {
    expect(texts('en').filter(([, text]) => /\w\(s\)/.test(text)).map(([key]) => key)).toEqual([]);
    const en = translator('en');
    expect(en('methods:formula.arityExact', { name: 'chain', count: 1 })).toBe('The function chain takes 1 argument.');
    expect(en('indicators:import.read.tooManyCells', { max: 1, count: 1 })).toContain('more than 1 cell;');
    expect(en('mail:confirm.submit', { n: 1, count: 1 })).toBe('Send 1 message');
    expect(en('indicators:composite.geometricZeros', { count: 1 })).toMatch(/^1 territory has /);
  });

  /*
   * Kazakh: a case ending on a number follows how the number is spoken ("5-ке" but "10-ға"), so the
   * catalogue writes `{{max, dative}}` (src/i18n/kazakhNumerals.ts) and never a fixed ending after a
   * value. An ending after digits written in the text must be the one the rules give.
   */
  const ENDINGS = new Set(
    ['бір', 'алты', 'бес', 'он', 'сегіз', 'үш', 'жиырма', 'миллиард'].flatMap((w) => KAZAKH_CASES.map((c) => kazakhCaseEnding(w, c))),
  );
  it('kk: no fixed case ending right after a value', () => {
    const faults = texts('kk').flatMap(([key, text]) =>
      [...text.matchAll(/\{\{[^}]+\}\}-([\p{L}]+)/gu)].filter((m) => ENDINGS.has(m[1]!)).map((m) => `${key}: ${m[0]}`),
    );
    expect(faults).toEqual([]);
  });

  it('kk: endings after digits in the texts are the ones the numeral takes', () => {
    const faults: string[] = [];
    let checked = 0;
    for (const [key, text] of texts('kk')) {
      for (const m of text.matchAll(/(?<![\d,])(\d+(?:,\d+)?)-([\p{L}]+)/gu)) {
        const [written, digits, ending] = m as unknown as [string, string, string];
        if (!ENDINGS.has(ending)) continue; // an ordinal before a noun: "7-тип", "1-орын"
        checked++;
        if (!KAZAKH_CASES.some((c) => kazakhCase(digits, c) === written)) faults.push(`${key}: ${written}`);
      }
    }
    expect(faults).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('kk: the texts put the ending the number takes', () => {
    const kk = translator('kk');
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['respond:errors.integer', { min: 1, max: 5 }, '1-ден 5-ке дейінгі'],
      ['respond:errors.integer', { min: 3, max: 10 }, '3-тен 10-ға дейінгі'],
      ['respond:errors.outOfRange', { min: 2, max: 6 }, '2-ден 6-ға дейінгі'],
      ['respond:kinds.numberBetween', { min: 0, max: 100 }, '0-ден 100-ге дейін.'],
      ['respond:errors.rankRange', { k: 3 }, '1-ден 3-ке дейін'],
      ['respond:errors.rankIncomplete', { k: 6 }, '1-ден 6-ға дейінгі'],
      ['respond:kinds.rankingHint', { k: 2, count: 2 }, '1-ден 2-ге дейін'],
      ['respond:start.resumeLead', { k: 6, n: 9, date: 'x' }, '9 қадамның 6-сына дейін'],
      ['respond:start.resumeLead', { k: 5, n: 9, date: 'x' }, '9 қадамның 5-іне дейін'],
      ['errors:field.greaterThan', { min: 0 }, 'Мән 0-ден үлкен'],
      ['errors:field.lessThan', { max: 10 }, 'Мән 10-нан кіші'],
      ['invitations:errors.file.tooManyRows', { max: 100000, count: 100000 }, 'Тізімде 100000-нан көп'],
      ['analysis:heatmap.note', { min: 5, count: 5 }, '5-тен аз баға'],
      ['analysis:report.page', { page: 2, pages: 7 }, '7 беттің 2-сі'],
      ['monitoring:nonRespondersIntro', { n: '1\u00a0250' }, 'кәсіпорындардың 1\u00a0250-і '],
      ['monitoring:targetProgress', { submitted: 6, target: 40, rate: '15 %' }, '40 сауалнаманың 6-сы жіберілді'],
      ['experts:confirm.closeRoundComplete', { members: 12, count: 10 }, '12 сарапшының 10-ы барлық'],
      ['experts:agreement.stopRuleText', { share: 80, strongW: '0,7', delta: '0,05' }, '0,05-тен аз өзгерсе'],
      ['methods:composite.levelOf', { level: 2, count: 3 }, '3 деңгейдің 2-сі'],
    ];
    for (const [key, params, expected] of cases) expect(kk(key, params), key).toContain(expected);
  });
});
