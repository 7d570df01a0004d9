import { Parser } from 'htmlparser2';

/** What a test needs to know of a page's POST forms, read with the same parser the app uses. */
export interface FoundForm {
  action: string;
  multipart: boolean;
  fields: { tag: string; type: string; name: string; value: string }[];
  /** The first named submit button (name=value), sent as a browser would. */
  button?: { name: string; value: string };
}

export function postForms(html: string, pageUrl: string): FoundForm[] {
  const forms: FoundForm[] = [];
  let current: FoundForm | undefined;
  const parser = new Parser(
    {
      onopentag(tag, a) {
        if (tag === 'form') {
          current = (a.method ?? 'get').toLowerCase() === 'post' ? { action: a.action || pageUrl, multipart: a.enctype === 'multipart/form-data', fields: [] } : undefined;
          if (current) forms.push(current);
          return;
        }
        if (!current || !a.name) return;
        if (tag === 'input') current.fields.push({ tag, type: (a.type ?? 'text').toLowerCase(), name: a.name, value: a.value ?? '' });
        if (tag === 'select') current.fields.push({ tag, type: 'select', name: a.name, value: '' });
        if (tag === 'textarea') current.fields.push({ tag, type: 'textarea', name: a.name, value: '' });
        if (tag === 'button' && (a.type ?? 'submit') === 'submit' && !current.button) current.button = { name: a.name, value: a.value ?? '' };
      },
      onclosetag(tag) {
        if (tag === 'form') current = undefined;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return forms;
}

/**
 * The form filled the way a hurried person gets it wrong: text left empty, letters in number
 * fields, a date that is not one, a choice that is not offered. Hidden fields (the CSRF token,
 * ids) keep their values, as a browser would send them.
 */
export function badInput(form: FoundForm): Record<string, string> {
  const body: Record<string, string> = {};
  for (const f of form.fields) {
    switch (f.type) {
      case 'hidden':
        body[f.name] = f.value;
        break;
      case 'number':
        body[f.name] = 'abc';
        break;
      case 'date':
      case 'datetime-local':
      case 'month':
      case 'time':
        body[f.name] = 'not a date';
        break;
      case 'email':
        body[f.name] = 'not-an-email';
        break;
      case 'select':
      case 'radio':
        body[f.name] = 'no-such-choice';
        break;
      case 'checkbox':
      case 'file':
      case 'submit':
      case 'button':
        break;
      default:
        body[f.name] = '';
    }
  }
  if (form.button) body[form.button.name] = form.button.value;
  return body;
}

/** Ids on a page, and the links of its error summary. */
export function summaryOf(html: string): { ids: Set<string>; present: boolean; links: string[]; linkTexts: string[]; text: string } {
  const ids = new Set<string>();
  const links: string[] = [];
  const linkTexts: string[] = [];
  let inLink = false;
  let depth = 0;
  let present = false;
  let text = '';
  const parser = new Parser(
    {
      onopentag(tag, a) {
        if (a.id) ids.add(a.id);
        if (depth) depth++;
        else if (tag === 'div' && /(^|\s)error-summary(\s|$)/.test(a.class ?? '')) {
          depth = 1;
          present = true;
        }
        if (depth && tag === 'a' && a.href) {
          links.push(a.href);
          linkTexts.push('');
          inLink = true;
        }
      },
      ontext(t) {
        if (depth) text += t;
        if (inLink) linkTexts[linkTexts.length - 1] += t;
      },
      onclosetag(tag) {
        if (tag === 'a') inLink = false;
        if (depth) depth--;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return { ids, present, links, linkTexts, text };
}

/** Same-site page links worth following (no downloads, no sign-out). */
export function pageLinks(html: string): string[] {
  const out: string[] = [];
  const parser = new Parser({
    onopentag(tag, a) {
      if (tag !== 'a' || !a.href || !a.href.startsWith('/') || a.href.startsWith('//') || a.download !== undefined) return;
      const path = a.href.split('#')[0]!.split('?')[0]!;
      if (/\.(csv|xlsx|pdf|sps|r|do|json|png|svg|zip|xml)$/i.test(path) || /\/(export|download|logout)\b/.test(path)) return;
      out.push(path);
    },
  });
  parser.write(html);
  parser.end();
  return out;
}

/** "/admin/rounds/12/invitations" -> "/admin/rounds/:n/invitations": one visit per kind of page is enough. */
export const pattern = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/:n');
