import { Parser } from 'htmlparser2';

/**
 * The one form-error path. A form that failed validation is rendered as usual; then this reads
 * the rendered HTML to find, for each error, the control it belongs to (by the control's `name`,
 * `scores[S2][strength]` for the path `scores.S2.strength`), the label a person sees for it (its
 * `<label for>`, the label around it, or the legend of its fieldset for a group of radios), and
 * its id. It then
 * - puts the message beside the control (unless the view already printed one there), tied to
 *   the control with aria-describedby and aria-invalid;
 * - builds the summary at the top: one link per error, `#id` of the control, named by its label,
 *   focused on arrival (autofocus works without JavaScript).
 * Views therefore never spell a field's code to the user, and a new form gets the same errors
 * by naming its controls and labelling them, which it does anyway.
 */

export interface FormErrorItem {
  /** Dotted path from the validator, e.g. "scores.S2.strength" or "targets.t3". */
  path: string;
  /** The message in the user's language. */
  message: string;
}

export interface SummaryTexts {
  /** Heading of the summary, e.g. "There is a problem". */
  title: string;
  /** The form-level message, e.g. "Please correct the marked fields.". */
  message?: string;
}

/** Where the summary goes; the form-errors partial prints it. */
export const SUMMARY_MARKER = '<!--form-error-summary-->';

interface Control {
  name: string;
  key: string;
  id?: string;
  type: string;
  tag: string;
  start: number;
  /** Index of the open tag's closing ">". */
  openEnd: number;
  /** Open tag's text, for the attributes already there. */
  openTag: string;
  /** A textarea's content span (after its open tag, up to its close tag). */
  contentEnd?: number;
  labelText?: string;
  ariaLabel?: string;
  fieldset?: Fieldset;
  label?: Label;
}
interface Label {
  for?: string;
  text: string;
}
interface Fieldset {
  legend: string;
  legendEnd?: number;
  parent?: Fieldset;
}
interface FieldErrorNode {
  start: number;
  openEnd: number;
  id?: string;
}

/** `scores[S2][strength]` and `items[]` -> `scores.S2.strength` and `items`. */
export function nameToPath(name: string): string {
  return name.replace(/\[\]/g, '').replace(/\[([^\]]*)\]/g, '.$1');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function parse(html: string) {
  const controls: Control[] = [];
  const labels: Label[] = [];
  const fieldErrors: FieldErrorNode[] = [];
  const ids = new Set<string>();
  const fieldsets: Fieldset[] = [];
  const labelStack: Label[] = [];
  let inLegend: Fieldset | undefined;
  let muted = 0; // inside <option>, <select>, <textarea>, <script>, <style>: not label text
  const formStarts: number[] = [];
  const parser = new Parser(
    {
      onopentag(tag, attribs) {
        const start = parser.startIndex;
        const openEnd = parser.endIndex;
        if (attribs.id) ids.add(attribs.id);
        if (tag === 'form') formStarts.push(start);
        if (tag === 'fieldset') fieldsets.push({ legend: '', parent: fieldsets[fieldsets.length - 1] });
        if (tag === 'legend' && fieldsets.length) inLegend = fieldsets[fieldsets.length - 1];
        if (tag === 'label') {
          const label: Label = { for: attribs.for, text: '' };
          labels.push(label);
          labelStack.push(label);
        }
        if (/(^|\s)field-error(\s|$)/.test(attribs.class ?? '')) fieldErrors.push({ start, openEnd, id: attribs.id });
        if ((tag === 'input' || tag === 'select' || tag === 'textarea') && attribs.name) {
          const type = (attribs.type ?? (tag === 'input' ? 'text' : tag)).toLowerCase();
          if (type !== 'hidden' && type !== 'submit' && type !== 'button' && type !== 'reset' && type !== 'image') {
            controls.push({
              name: attribs.name,
              key: nameToPath(attribs.name),
              id: attribs.id,
              type,
              tag,
              start,
              openEnd,
              openTag: html.slice(start, openEnd + 1),
              ariaLabel: attribs['aria-label'],
              fieldset: fieldsets[fieldsets.length - 1],
              label: labelStack[labelStack.length - 1],
            });
          }
        }
        if (tag === 'option' || tag === 'select' || tag === 'textarea' || tag === 'script' || tag === 'style') muted++;
      },
      ontext(text) {
        if (muted) return;
        if (inLegend) inLegend.legend += text;
        for (const l of labelStack) l.text += text;
      },
      onclosetag(tag, isImplied) {
        if (tag === 'option' || tag === 'select' || tag === 'textarea' || tag === 'script' || tag === 'style') muted = Math.max(0, muted - 1);
        if (tag === 'textarea') {
          const last = controls[controls.length - 1];
          if (last?.tag === 'textarea' && last.contentEnd === undefined) last.contentEnd = parser.startIndex;
        }
        if (tag === 'label') labelStack.pop();
        if (tag === 'legend' && inLegend) {
          inLegend.legendEnd = isImplied ? parser.startIndex : parser.endIndex + 1;
          inLegend = undefined;
        }
        if (tag === 'fieldset') fieldsets.pop();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { controls, labels, fieldErrors, ids, formStarts };
}

/** The control an error belongs to: same name, else the closest named one around or below it. */
function findControl(controls: Control[], path: string): Control | undefined {
  const key = path.replace(/^\$\.?/, '');
  const exact = controls.find((c) => c.key === key);
  if (exact) return exact;
  // "answers.B01.0" -> the control "answers.B01"; "scores.S2" -> the first of "scores.S2.*".
  let best: Control | undefined;
  for (const c of controls) if (key.startsWith(c.key + '.') && (!best || c.key.length > best.key.length)) best = c;
  return best ?? controls.find((c) => c.key.startsWith(key + '.'));
}

function labelFor(control: Control, labels: Label[]): string {
  const grouped = control.type === 'radio' || control.type === 'checkbox';
  const legend = control.fieldset ? squash(control.fieldset.legend) : '';
  if (grouped && legend) {
    // Nested groups ("S1 Access to credit" > "Weight") are named outermost first.
    const chain: string[] = [];
    for (let f: Fieldset | undefined = control.fieldset; f; f = f.parent) if (squash(f.legend)) chain.unshift(squash(f.legend));
    return chain.join(' — ');
  }
  const byFor = control.id ? labels.find((l) => l.for === control.id) : undefined;
  const text = squash(byFor?.text ?? control.label?.text ?? '') || control.ariaLabel || legend;
  return text ? text.replace(/[\s:*]+$/, '') : '';
}

/** Controls whose typed text is put back after a refused POST carried back to its page. */
const TYPED = new Set(['text', 'number', 'email', 'search', 'tel', 'url', 'date', 'datetime-local', 'month', 'time', 'textarea']);

function withValue(tagBody: string, value: string): string {
  const attr = ` value="${escapeHtml(value)}"`;
  const existing = /\svalue\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/i.exec(tagBody);
  return existing ? tagBody.replace(existing[0], attr) : tagBody + attr;
}

/** "$.items[3].text.ru" and "measures.0.executors.0" -> "items[3].text.ru" and "measures[0].executors[0]"; "" -> undefined. */
export function filePlace(path: string): string | undefined {
  const place = path.replace(/^\$\.?/, '').replace(/\.(\d+)(?=\.|\[|$)/g, '[$1]');
  return place || undefined;
}

interface Edit {
  at: number;
  remove: number;
  insert: string;
}

/**
 * Annotate a rendered page (or page fragment) with its form errors; see the file comment.
 * `shownPaths` are the paths the view already printed a message for (through `fieldError`).
 */
export function annotateFormErrors(
  html: string,
  errors: FormErrorItem[],
  texts: SummaryTexts,
  shownPaths: ReadonlySet<string> = new Set(),
  values?: Readonly<Record<string, string>>,
): string {
  if (!errors.length && !texts.message) return html;
  const { controls, labels, fieldErrors, ids, formStarts } = parse(html);
  const edits: Edit[] = [];
  const restored = new Map<Control, string>();
  if (values) for (const c of controls) if (c.key in values && TYPED.has(c.type)) restored.set(c, values[c.key]!);
  for (const [c, value] of restored) {
    if (c.tag === 'textarea' && c.contentEnd !== undefined) edits.push({ at: c.openEnd + 1, remove: c.contentEnd - c.openEnd - 1, insert: escapeHtml(value) });
  }
  const items: { href?: string; label?: string; location?: string; message: string }[] = [];
  const claimed = new Set<FieldErrorNode>();
  const annotated = new Map<Control, string>();
  let firstControl: Control | undefined;

  for (const error of errors) {
    const control = findControl(controls, error.path);
    if (!control) {
      // No field for it: a place in an uploaded file (a JSON import), named as the file names it.
      items.push({ location: filePlace(error.path), message: error.message });
      continue;
    }
    if (!firstControl || control.start < firstControl.start) firstControl = control;
    let id = control.id;
    if (!id) {
      let candidate = 'field-' + control.key.replace(/[^A-Za-z0-9_-]+/g, '-');
      for (let n = 2; ids.has(candidate); n++) candidate = `field-${control.key.replace(/[^A-Za-z0-9_-]+/g, '-')}-${n}`;
      id = candidate;
      ids.add(id);
      control.id = id;
    }
    const label = labelFor(control, labels);
    if (annotated.has(control)) continue; // one message per field: the first (an empty field is "required", not also "not a number")
    items.push({ href: '#' + id, label: label || undefined, message: error.message });

    let messageId: string;
    const shown = shownPaths.has(error.path) ? fieldErrors.find((f) => f.start > control.start && !claimed.has(f)) : undefined;
    if (shown) {
      claimed.add(shown);
      messageId = shown.id ?? `${id}-error`;
      if (!shown.id) edits.push({ at: shown.openEnd, remove: 0, insert: ` id="${escapeHtml(messageId)}"` });
    } else {
      messageId = `${id}-error`;
      const grouped = (control.type === 'radio' || control.type === 'checkbox') && control.fieldset?.legendEnd != null;
      const at = grouped ? control.fieldset!.legendEnd! : control.start;
      edits.push({ at, remove: 0, insert: `<span class="field-error" id="${escapeHtml(messageId)}">${escapeHtml(error.message)}</span>` });
    }
    annotated.set(control, messageId);

    // aria-invalid and aria-describedby on the control (merged with a description it already has).
    let tag = control.openTag;
    const selfClosing = /\/\s*>$/.test(tag);
    const body = tag.slice(0, selfClosing ? tag.lastIndexOf('/') : -1);
    let attrs = body;
    if (restored.has(control) && control.tag === 'input') attrs = withValue(attrs, restored.get(control)!);
    const describedBy = /\saria-describedby\s*=\s*"([^"]*)"/i.exec(attrs);
    if (describedBy) attrs = attrs.replace(describedBy[0], ` aria-describedby="${describedBy[1]} ${escapeHtml(messageId)}"`);
    else attrs += ` aria-describedby="${escapeHtml(messageId)}"`;
    if (!/\saria-invalid\s*=/.test(attrs)) attrs += ' aria-invalid="true"';
    if (!control.openTag.match(/\sid\s*=/)) attrs += ` id="${escapeHtml(id)}"`;
    tag = attrs + (selfClosing ? '/>' : '>');
    edits.push({ at: control.start, remove: control.openTag.length, insert: tag });
  }

  // Restored values of fields without an error (those with one were rewritten above).
  for (const [c, value] of restored) {
    if (c.tag !== 'input' || annotated.has(c)) continue;
    const selfClosing = /\/\s*>$/.test(c.openTag);
    const body = c.openTag.slice(0, selfClosing ? c.openTag.lastIndexOf('/') : -1);
    edits.push({ at: c.start, remove: c.openTag.length, insert: withValue(body, value) + (selfClosing ? '/>' : '>') });
  }

  const summary =
    `<div class="error-summary alert error" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>` +
    `<h2 id="error-summary-title">${escapeHtml(texts.title)}</h2>` +
    (texts.message ? `<p>${escapeHtml(texts.message)}</p>` : '') +
    (items.length
      ? '<ul>' +
        items
          .map((i) =>
            i.href
              ? `<li><a href="${escapeHtml(i.href)}">${i.label ? escapeHtml(i.label) + ': ' : ''}${escapeHtml(i.message)}</a></li>`
              : `<li>${i.location ? `<span class="error-location">${escapeHtml(i.location)}</span>: ` : ''}${escapeHtml(i.message)}</li>`,
          )
          .join('') +
        '</ul>'
      : '') +
    '</div>';
  const marker = html.indexOf(SUMMARY_MARKER);
  if (marker >= 0) edits.push({ at: marker, remove: SUMMARY_MARKER.length, insert: summary });
  else {
    // No partial in the view: the summary goes just before the form holding the first bad field.
    const before = firstControl ? formStarts.filter((s) => s < firstControl!.start).pop() : formStarts[0];
    edits.push({ at: before ?? 0, remove: 0, insert: summary });
  }

  // Apply from the end so earlier offsets stay valid; at one offset, keep the order pushed.
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.at - a.at || b.i - a.i);
  let out = html;
  for (const e of ordered) out = out.slice(0, e.at) + e.insert + out.slice(e.at + e.remove);
  return out;
}
