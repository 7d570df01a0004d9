import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/paths';
import { KINDS, QUESTION_KINDS } from '../../../src/modules/questionnaires/kinds';

/**
 * The kinds registry keeps its promise: a kind is one definition in its own file, listed once,
 * with its partials beside the views; nothing outside questionnaires/kinds switches on the kind.
 */
const kindsDir = path.join(projectRoot, 'src', 'modules', 'questionnaires', 'kinds');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('question kinds registry', () => {
  it('lists every kind definition exported from the kinds folder, under its own kind', async () => {
    const exported: string[] = [];
    for (const file of fs.readdirSync(kindsDir).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(path.join(kindsDir, file))) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        if (value && typeof value === 'object' && 'kind' in value && 'parse' in value && 'schema' in value) {
          const def = value as { kind: string };
          exported.push(def.kind);
          // The very object the file exports: a copy in the registry would drift from it.
          expect(KINDS[def.kind as keyof typeof KINDS], `${file} exports kind "${def.kind}" that the registry (kinds/index.ts) does not list`).toBe(value);
        }
      }
    }
    expect(exported.sort()).toEqual([...QUESTION_KINDS].sort());
  });

  it('has the view partials each kind names', () => {
    for (const kind of QUESTION_KINDS) {
      const def = KINDS[kind];
      expect(fs.existsSync(path.join(projectRoot, 'views', 'responses', 'kinds', `${def.partial}.ejs`)), `${kind}: views/responses/kinds/${def.partial}.ejs`).toBe(true);
      if (def.analysis.source !== 'ranking') {
        expect(fs.existsSync(path.join(projectRoot, 'views', 'analysis', 'kinds', `${def.analysis.partial}.ejs`)), `${kind}: views/analysis/kinds/${def.analysis.partial}.ejs`).toBe(true);
      }
    }
  });

  it('leaves no switch over question kinds outside questionnaires/kinds', () => {
    const offenders: string[] = [];
    const kinds = new Set<string>(QUESTION_KINDS);
    for (const file of sourceFiles(path.join(projectRoot, 'src'))) {
      if (file.startsWith(kindsDir + path.sep)) continue;
      const source = fs.readFileSync(file, 'utf8');
      // A switch on a `kind` whose labels are all question kinds (the original format's profile
      // switches on `type`; other modules' kinds, such as programme evidence, have labels of their own).
      for (const match of source.matchAll(/switch \(([^)]*\bkind)\) \{/g)) {
        const body = source.slice(match.index + match[0].length).split(/\bswitch \(/)[0]!.slice(0, 4000);
        const labels = [...body.matchAll(/case '([^']+)':/g)].map((m) => m[1]!);
        if (labels.length >= 2 && labels.every((l) => kinds.has(l))) offenders.push(`${path.relative(projectRoot, file)}: switch (${match[1]}) { ${labels.join(', ')} }`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('the README example of the exchange format', () => {
  it('is a valid questionnaire with the kinds it shows', async () => {
    const { parseDefinition } = await import('../../../src/modules/questionnaires/questionnaires.service');
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Questionnaire exchange format'));
    const json = /```json\n([\s\S]*?)\n```/.exec(section)![1]!;
    const def = parseDefinition(JSON.parse(json));
    expect(def.questions!.map((q) => q.kind)).toEqual(['multi-choice', 'number', 'ranking']);
    expect(def.categories[1]!.showIf).toEqual({ question: 'INNOV', anyOf: ['PRODUCT', 'PROCESS'] });
  });
});
