/**
 * Kazakh case endings on numbers written in digits ("5-ке", "10-ға", "6-сы").
 *
 * Kazakh writes a case or possessive ending after a numeral in digits with a hyphen, and the ending
 * follows the numeral as it is spoken: its last word decides the vowel (front е/і after бес, екі, жүз;
 * back а/ы after алты, он, жиырма) and the first consonant (қа/ке after a voiceless sound, нан/нен
 * after м, н, ң, сы/сі after a vowel). So a catalogue cannot write "{{k}}-ға": 5 needs "5-ке" and 2
 * "2-ге". The catalogues write `{{k, dative}}` instead and the i18n setup calls `kazakhCase` (see
 * src/i18n/index.ts). Suffix tables: any Kazakh grammar's table of септік жалғаулары (e.g. "Қазақ
 * грамматикасы", Астана 2002; summarised at talkinkazakh.com/7-kazakh-noun-cases and in Wiktionary's
 * "Aneks:Kazachski - końcówki rzeczowników"); tests/i18n/kazakhNumerals.test.ts checks the forms.
 */

export const KAZAKH_CASES = ['genitive', 'dative', 'accusative', 'locative', 'ablative', 'instrumental', 'possessive', 'possessiveDative'] as const;
export type KazakhCase = (typeof KAZAKH_CASES)[number];

/** The word a number ends with when spoken: 25 "жиырма бес" -> бес, 2000 "екі мың" -> мың. */
const UNITS = ['нөл', 'бір', 'екі', 'үш', 'төрт', 'бес', 'алты', 'жеті', 'сегіз', 'тоғыз'];
const TENS = ['', 'он', 'жиырма', 'отыз', 'қырық', 'елу', 'алпыс', 'жетпіс', 'сексен', 'тоқсан'];
const POWERS: Array<[bigint, string]> = [
  [10n ** 12n, 'триллион'],
  [10n ** 9n, 'миллиард'],
  [10n ** 6n, 'миллион'],
  [1000n, 'мың'],
];

function lastWordOfWhole(n: bigint): string {
  if (n === 0n) return UNITS[0]!;
  if (n % 10n !== 0n) return UNITS[Number(n % 10n)]!;
  if (n % 100n !== 0n) return TENS[Number((n % 100n) / 10n)]!;
  if (n % 1000n !== 0n) return 'жүз';
  // 2000 "екі мың", 3 000 000 "үш миллион", 1 500 000 "бір миллион бес жүз мың".
  for (const [power, word] of [...POWERS].reverse()) {
    const below = power * 1000n;
    if (power === 10n ** 12n || n % below !== 0n) return word;
  }
  return 'триллион';
}

/**
 * The last spoken word of a number given as a number or as displayed text ("12 345", "0,5", "−3").
 * A decimal fraction is spoken "нөл бүтін оннан бес", so it ends with its fractional digits read as a
 * whole number. Returns undefined when the text is not a number.
 */
export function kazakhNumeralLastWord(value: number | string): string | undefined {
  const text = (typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value)
    .replace(/[\s\u00a0\u202f]/g, '')
    .replace(/^[−-]/, '');
  const match = /^(\d+)(?:[.,](\d+))?(%)?$/.exec(text);
  if (!match) return undefined;
  if (match[3]) return 'пайыз';
  return lastWordOfWhole(BigInt(match[2] ?? match[1]!));
}

const BACK = 'аоұыя';
const FRONT = 'әөүіеэ';

type Final = 'vowel' | 'sonorant' | 'zh' | 'nasal' | 'voiceless';

function soundOf(word: string): { back: boolean; final: Final } {
  const letters = [...word.toLowerCase()];
  // и and у are glides after a vowel (елу): the vowel before them decides the harmony.
  const vowel = [...letters].reverse().find((c) => BACK.includes(c) || FRONT.includes(c));
  const last = letters[letters.length - 1] ?? '';
  let final: Final;
  if ('аоұыяәөүіеэю'.includes(last)) final = 'vowel';
  else if ('мнң'.includes(last)) final = 'nasal';
  else if ('лрйуи'.includes(last)) final = 'sonorant';
  else if ('зж'.includes(last)) final = 'zh';
  else final = 'voiceless'; // п к қ т с ш ф х ц ч щ, and б в г д ғ at the end of a word are said voiceless
  return { back: vowel ? BACK.includes(vowel) : false, final };
}

/** The ending a word (a spoken numeral) takes in a case, without the hyphen: ("бес", "dative") -> "ке". */
export function kazakhCaseEnding(word: string, kase: KazakhCase): string {
  const { back, final } = soundOf(word);
  const pick = (backForm: string, frontForm: string) => (back ? backForm : frontForm);
  const voiced = final === 'sonorant' || final === 'zh';
  switch (kase) {
    case 'genitive':
      return final === 'vowel' || final === 'nasal' ? pick('ның', 'нің') : voiced ? pick('дың', 'дің') : pick('тың', 'тің');
    case 'dative':
      return final === 'voiceless' ? pick('қа', 'ке') : pick('ға', 'ге');
    case 'accusative':
      return final === 'vowel' ? pick('ны', 'ні') : final === 'voiceless' ? pick('ты', 'ті') : pick('ды', 'ді');
    case 'locative':
      return final === 'voiceless' ? pick('та', 'те') : pick('да', 'де');
    case 'ablative':
      return final === 'nasal' ? pick('нан', 'нен') : final === 'voiceless' ? pick('тан', 'тен') : pick('дан', 'ден');
    case 'instrumental':
      // Not harmonic: -мен after vowels and м н ң л р й у, -бен after з ж, -пен after voiceless sounds.
      return final === 'zh' ? 'бен' : final === 'voiceless' ? 'пен' : 'мен';
    case 'possessive':
      return final === 'vowel' ? pick('сы', 'сі') : pick('ы', 'і');
    case 'possessiveDative':
      return final === 'vowel' ? pick('сына', 'сіне') : pick('ына', 'іне');
  }
}

/**
 * A number with its Kazakh case ending, as written: (5, 'dative') -> "5-ке", ("0,5", 'ablative') -> "0,5-тен".
 * Text that is not a number comes back unchanged (the catalogues put endings on numbers only).
 */
export function kazakhCase(value: number | string, kase: KazakhCase): string {
  const shown = String(value);
  const word = kazakhNumeralLastWord(value);
  return word ? `${shown}-${kazakhCaseEnding(word, kase)}` : shown;
}
