/**
 * Rounds open and close at times administrators in Kazakhstan think of in Almaty time.
 * Times are stored as UTC ISO strings; forms take and show Asia/Almaty wall time. The zone's
 * offset comes from Intl (tz data), not a constant: Almaty was UTC+6 until 1 March 2024 and
 * is UTC+5 since, and rounds from both sides of that date exist.
 */
export const ALMATY_TZ = 'Asia/Almaty';

const partsFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: ALMATY_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function wallParts(ms: number): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts = Object.fromEntries(partsFormatter.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { y: +parts.year!, mo: +parts.month!, d: +parts.day!, h: +parts.hour! % 24, mi: +parts.minute!, s: +parts.second! };
}

/** Offset of Almaty from UTC at an instant, in milliseconds (e.g. 5 h = 18 000 000). */
export function almatyOffsetMs(ms: number): number {
  const w = wallParts(ms);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/** "2026-11-22T09:00" (an <input type="datetime-local"> value) read as Almaty time -> UTC ISO string; undefined if malformed. */
export function parseAlmatyLocal(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  // Two passes settle the offset even on the day the zone changed.
  let utc = wall - almatyOffsetMs(wall);
  utc = wall - almatyOffsetMs(utc);
  return new Date(utc).toISOString();
}

/** UTC ISO string -> "2026-11-22T09:00", Almaty wall time, for a datetime-local input's value. */
export function toAlmatyLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const w = wallParts(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}`;
}

const LOCALES: Record<string, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** A stored UTC time shown in Almaty time in the reader's language, e.g. "22.11.2026, 09:00". */
export function formatAlmaty(iso: string | null | undefined, lang: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return new Intl.DateTimeFormat(LOCALES[lang] ?? 'en-GB', {
    timeZone: ALMATY_TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}
