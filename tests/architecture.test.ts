import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The dependency rules of the brief, checked on the source text: a module never imports another
 * module's repository, modules do not import each other in a cycle, src/math imports nothing
 * outside src/math but libraries, and knex is used (as a value) only in repositories and src/db.
 * Type-only imports count for the first two rules: a type from another module's repository or a
 * cycle of types is the same coupling, only invisible at run time.
 */

const root = path.resolve(__dirname, '..');
const srcDir = path.join(root, 'src');
const modulesDir = path.join(srcDir, 'modules');

interface Import {
  from: string;
  specifier: string;
  /** Absolute path without extension for a relative import; undefined for a package. */
  target?: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

// Static imports and re-exports (multi-line ones included), dynamic import() and require().
const IMPORT_RE = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC_RE = /(?:\bimport|\brequire)\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier).replace(/\.ts$/, '') : undefined;
    out.push({ from: file, specifier, target, typeOnly });
  };
  for (const m of text.matchAll(IMPORT_RE)) add(m[3]!, Boolean(m[2]));
  for (const m of text.matchAll(DYNAMIC_RE)) add(m[1]!, false);
  return out;
}

/** The feature module a path belongs to (src/modules/<name>/...), or undefined. */
function moduleOf(file: string): string | undefined {
  const rel = path.relative(modulesDir, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : undefined;
}

const files = sourceFiles(srcDir);
const imports = files.flatMap((file) => importsOf(file, fs.readFileSync(file, 'utf8')));
const rel = (file: string) => path.relative(root, file);

/** module -> modules it imports (type-only imports included), sorted. */
function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const mod = moduleOf(file);
    if (mod && !graph.has(mod)) graph.set(mod, new Set());
  }
  for (const imp of imports) {
    const from = moduleOf(imp.from);
    const to = imp.target ? moduleOf(imp.target) : undefined;
    if (from && to && from !== to) graph.get(from)!.add(to);
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan). */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) visit(v);
  return out;
}

describe('architecture', () => {
  it('finds the modules and their imports (the checks below are not vacuous)', () => {
    const graph = moduleGraph();
    expect(graph.size).toBeGreaterThan(5);
    expect([...graph.values()].some((deps) => deps.size > 0)).toBe(true);
    // The parser sees multi-line and type-only imports.
    const sample = importsOf('/x/src/modules/a/a.service.ts', "import type {\n  B,\n  C,\n} from '../b/b.repository';\nimport { d } from 'd';");
    expect(sample.map((i) => [i.specifier, i.typeOnly])).toEqual([
      ['../b/b.repository', true],
      ['d', false],
    ]);
    expect(cycles(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]))).toEqual([['a', 'b', 'c']]);
  });

  it('no module imports another module’s repository', () => {
    const offending = imports
      .filter((imp) => {
        const from = moduleOf(imp.from);
        const to = imp.target ? moduleOf(imp.target) : undefined;
        return from && to && from !== to && imp.target!.endsWith('.repository');
      })
      .map((imp) => `${rel(imp.from)} -> ${imp.specifier}`);
    expect(offending).toEqual([]);
  });

  it('modules do not import each other in a cycle', () => {
    expect(cycles(moduleGraph())).toEqual([]);
  });

  it('src/math imports nothing outside src/math but libraries', () => {
    const mathDir = path.join(srcDir, 'math');
    const offending = imports
      .filter((imp) => imp.from.startsWith(mathDir + path.sep) && imp.target && !imp.target.startsWith(mathDir + path.sep))
      .map((imp) => `${rel(imp.from)} -> ${imp.specifier}`);
    expect(offending).toEqual([]);
  });

  it('knex is imported as a value only in repositories and src/db (elsewhere only its types)', () => {
    const offending = imports
      .filter((imp) => imp.specifier === 'knex' && !imp.typeOnly)
      .map((imp) => rel(imp.from))
      .filter((file) => !file.endsWith('.repository.ts') && !file.startsWith(`src${path.sep}db${path.sep}`));
    expect(offending).toEqual([]);
  });

  it('services and repositories are built in src/composition.ts (a module may build its own repository only to seed data or run outside the app)', () => {
    // Where a class is declared: `export class RoundsService` -> rounds.
    const owner = new Map<string, string | undefined>();
    for (const file of files) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/export class (\w+(?:Service|Repository))\b/g)) owner.set(m[1]!, moduleOf(file));
    }
    const ownUse = /\.(seed|demo|cli|publish)\.ts$/;
    const offending: string[] = [];
    for (const file of files) {
      if (file === path.join(srcDir, 'composition.ts')) continue;
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/new (\w+(?:Service|Repository))\(/g)) {
        const sameModule = owner.get(m[1]!) !== undefined && owner.get(m[1]!) === moduleOf(file);
        // The analysis module's own factory serves the CLI and the benchmark, which run without the app.
        const allowed = sameModule && (ownUse.test(file) || file.endsWith(`analysis${path.sep}analysis.service.ts`));
        if (!allowed) offending.push(`${rel(file)}: new ${m[1]}(`);
      }
    }
    expect(owner.size).toBeGreaterThan(10);
    expect(offending).toEqual([]);
  });

  it('feature routers take services, not the database', () => {
    const offending = files
      .filter((file) => file.endsWith('.routes.ts') && !file.endsWith(`health${path.sep}health.routes.ts`))
      .filter((file) => /\bctx\.db\b/.test(fs.readFileSync(file, 'utf8')))
      .map(rel);
    expect(offending).toEqual([]);
  });

  it('lists the module dependencies', () => {
    const graph = moduleGraph();
    const lines = [...graph.keys()].sort().map((m) => `${m} -> ${[...graph.get(m)!].sort().join(', ') || '(none)'}`);
    // Printed for the closing note of a change; `npx vitest run tests/architecture.test.ts` shows it.
    console.log(`Module dependencies (type-only imports included):\n${lines.join('\n')}`);
    expect(lines.length).toBe(graph.size);
  });
});
