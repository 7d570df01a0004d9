import fc from 'fast-check';

/** Strings that break naive code: Kazakh letters, emoji, NUL, right-to-left override, markup, formulas. */
export const nastyStrings = [
  'Әәғқңөұүһі ӘҒҚҢӨҰҮҺІ',
  '😀👩‍👩‍👧‍👦🇰🇿',
  'a\u0000b',
  '\u202Eevil\u202C',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '=HYPERLINK("http://x","y")',
  '+1+1',
  '@SUM(A1)',
  '\t=1',
  ' ',
  '',
  'x'.repeat(5000),
  "'; DROP TABLE users; --",
  '\r\n\r\n',
  '١٢٣',
];

/** Any JSON-ish value of the wrong kind for a field. */
export const wrongValue = fc.oneof(
  fc.constantFrom(...nastyStrings),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Out-of-range or non-numeric Likert ratings (valid ones are the strings '1'..'5'). */
export const badRating = fc.oneof(
  fc.integer({ min: -1000, max: 0 }).map(String),
  fc.integer({ min: 6, max: 1000 }).map(String),
  fc.constantFrom('3.5', '1e1', 'abc', '', ' 3', '3 ', '0x3', 'NaN', 'Infinity', '٣', '５'),
);
