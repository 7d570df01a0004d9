/**
 * Templates, merge fields and the two parts of a message. Pure functions: no database, no HTTP.
 *
 * Merge fields are written {name} (single braces, as LimeSurvey's {FIRSTNAME}); i18next's own
 * {{...}} interpolation never sees them because template texts are not passed through it.
 */
import { isHeaderSafe } from '../../lib/email';

const FIELD = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;

/** Names of the merge fields a text uses that are not in `allowed`, in order of appearance. */
export function unknownFields(text: string, allowed: readonly string[]): string[] {
  const unknown: string[] = [];
  for (const m of text.matchAll(FIELD)) if (!allowed.includes(m[1]!) && !unknown.includes(m[1]!)) unknown.push(m[1]!);
  return unknown;
}

/** Replace every known {field}; unknown fields were refused when the template was saved. */
export function fillFields(text: string, values: Record<string, string>): string {
  return text.replace(FIELD, (whole, name: string) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name]! : whole));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * The HTML part from the plain text: everything escaped, blank lines make paragraphs, http(s)
 * addresses become links. Administrators write plain text only, so no markup of theirs reaches
 * the HTML part.
 */
export function textToHtml(text: string, lang: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`).replace(/\n/g, '<br>\n')}</p>`);
  return `<!doctype html>\n<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"></head><body>\n${paragraphs.join('\n')}\n</body></html>\n`;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** Subject and body filled in; the subject is refused if a merged value would break it onto two lines. */
export function renderMessage(template: { subject: string; body: string }, values: Record<string, string>, lang: string): RenderedMessage | undefined {
  const subject = fillFields(template.subject, values);
  if (!isHeaderSafe(subject)) return undefined;
  const text = fillFields(template.body, values).replace(/\r\n?/g, '\n');
  return { subject, text, html: textToHtml(text, lang) };
}
