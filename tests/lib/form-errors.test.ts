import { describe, expect, it } from 'vitest';
import { annotateFormErrors, nameToPath, SUMMARY_MARKER } from '../../src/lib/form-errors';
import { summaryOf } from '../forms/walk';

const texts = { title: 'There is a problem', message: 'Please correct the marked fields.' };

const form = `<h1>New round</h1>${SUMMARY_MARKER}
<form method="post" action="/x">
  <input type="hidden" name="_csrf" value="t">
  <label for="title">Title</label><input id="title" name="title" value="">
  <label>Weight <input name="scores[S2][weight]" type="number" aria-describedby="w-hint" value="5"></label><p id="w-hint">1 to 10</p>
  <fieldset><legend>Who can answer</legend>
    <input type="radio" id="a1" name="audience" value="a"><label for="a1">By invitation</label>
    <input type="radio" id="a2" name="audience" value="b"><label for="a2">Anyone</label>
  </fieldset>
  <label for="note">Note <span class="hint">optional</span></label><textarea id="note" name="note">old</textarea>
  <select name="kind" aria-label="Kind"><option>Alpha &lt;A&gt;</option></select>
</form>`;

describe('annotateFormErrors', () => {
  it('reads the names of form fields as dotted paths', () => {
    expect(nameToPath('scores[S2][strength]')).toBe('scores.S2.strength');
    expect(nameToPath('items[]')).toBe('items');
    expect(nameToPath('title')).toBe('title');
  });

  it('names each field by its label, links the summary to its id and puts the message beside it', () => {
    const html = annotateFormErrors(
      form,
      [
        { path: 'title', message: 'This field is required.' },
        { path: 'scores.S2.weight', message: 'Enter a number.' },
        { path: 'audience', message: 'Choose one of the offered options.' },
        { path: 'kind', message: 'Choose <one>.' },
        { path: '', message: 'The round closes before it opens.' },
        { path: 'title', message: 'Second message for the same field.' },
      ],
      texts,
    );
    const summary = summaryOf(html);
    expect(summary.present).toBe(true);
    expect(summary.links).toEqual(['#title', '#field-scores-S2-weight', '#a1', '#field-kind']);
    for (const href of summary.links) expect(summary.ids.has(href.slice(1))).toBe(true);
    expect(summary.text).toContain('Title: This field is required.');
    expect(summary.text).toContain('Weight: Enter a number.'); // the label around the input, without the input
    expect(summary.text).toContain('Who can answer: Choose one of the offered options.'); // a radio group by its legend
    expect(summary.text).toContain('Kind: Choose <one>.');
    expect(summary.text).toContain('The round closes before it opens.'); // no field: listed, not linked
    expect(summary.text).not.toContain('Second message');
    expect(html).toContain('&lt;one&gt;'); // messages are escaped
    expect(html).toContain('<span class="field-error" id="title-error">This field is required.</span><input id="title" name="title" value="" aria-describedby="title-error" aria-invalid="true">');
    expect(html).toContain('<input name="scores[S2][weight]" type="number" aria-describedby="w-hint field-scores-S2-weight-error" value="5" aria-invalid="true" id="field-scores-S2-weight">');
    // A radio group's message follows its legend, once.
    expect(html).toMatch(/<legend>Who can answer<\/legend><span class="field-error" id="a1-error">/);
    expect(html.indexOf(SUMMARY_MARKER)).toBe(-1);
    expect(html).toMatch(/class="error-summary[^"]*"[^>]*tabindex="-1" autofocus/);
  });

  it('ties a message the view printed itself to its field instead of printing a second one', () => {
    const page = `${SUMMARY_MARKER}<form method="post"><label for="t">Title</label><input id="t" name="title"><p class="field-error">Required.</p></form>`;
    const html = annotateFormErrors(page, [{ path: 'title', message: 'Required.' }], texts, new Set(['title']));
    expect(html.match(/Required\./g)).toHaveLength(2); // beside the field and in the summary
    expect(html).toContain('<p class="field-error" id="t-error">');
    expect(html).toContain('aria-describedby="t-error"');
  });

  it('puts the summary before the form when the page has no place for it, and restores typed values', () => {
    const page = `<p>Intro</p><form method="post"><label for="a">A</label><input id="a" name="a" value="1"><label for="b">B</label><textarea id="b" name="b">x</textarea><input id="c" name="c" value="keep"></form>`;
    const html = annotateFormErrors(page, [{ path: 'a', message: 'Enter a number.' }], texts, new Set(), { a: 'abc"', b: 'typed <text>', c: 'kept' });
    expect(html.indexOf('error-summary')).toBeLessThan(html.indexOf('<form'));
    expect(html.indexOf('error-summary')).toBeGreaterThan(html.indexOf('Intro'));
    expect(html).toContain('value="abc&quot;"');
    expect(html).toContain('>typed &lt;text&gt;</textarea>');
    expect(html).toContain('value="kept"');
  });

  it('leaves a page without errors untouched', () => {
    expect(annotateFormErrors(form, [], { title: 'x' })).toBe(form);
  });
});

describe('filePlace', () => {
  it('names a place in an uploaded file as the file names it', async () => {
    const { filePlace } = await import('../../src/lib/form-errors');
    expect(filePlace('$.items[3].text.ru')).toBe('items[3].text.ru');
    expect(filePlace('measures.0.executors.0')).toBe('measures[0].executors[0]');
    expect(filePlace('$')).toBeUndefined();
    expect(filePlace('')).toBeUndefined();
  });
});
