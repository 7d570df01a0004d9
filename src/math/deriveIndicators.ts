import type { MathJsInstance, MathNode } from 'mathjs';

/**
 * Derived indicators: columns computed by formulas over the other columns of a table whose rows
 * are (territory, year) observations.
 *
 * Parsing is mathjs's expression parser (a well-kept library with a security policy and a
 * history of fixed sandbox escapes); evaluation is NOT mathjs's: the parsed tree is checked
 * against a closed list of node kinds, operators, names and functions, and then evaluated here.
 * So a formula can read only the table's named columns and call only the functions below; no
 * property access, assignment, function definition, matrix, string or unit ever runs.
 *
 * Arithmetic: numbers, column names, + - * / ^, unary minus, parentheses.
 * Functions (x, pop, total are any expressions; k and Y are numbers written in the formula):
 *   lag(x, k = 1)   x in year - k of the same territory
 *   chain(x)        chain index, % : x_t / x_(t-1) * 100
 *   growth(x)       growth rate, % : (x_t / x_(t-1) - 1) * 100
 *   base(x, Y)      base index, % : x_t / x_Y * 100
 *   avggrowth(x)    average annual growth rate, %, the geometric mean of the chain indices of
 *                   the territory's whole series: ((x_last / x_first)^(1 / (year_last - year_first)) - 1) * 100
 *   periodmean(x)   mean of x over the territory's years (the "average volume")
 *   total(x)        sum of x over the territories in the same year
 *   territorymean(x), territorysd(x), territorymin(x), territorymax(x)
 *                   mean, sample standard deviation, minimum and maximum of x over the
 *                   territories in the same year: the unevenness of districts is, for example,
 *                   territorysd(x) / territorymean(x) * 100 (coefficient of variation, %) or
 *                   territorymax(x) / territorymin(x)
 *   share(x, total) x / total * 100
 *   per1000(x, pop) x / pop * 1000
 *   abs, sqrt, exp, ln, log10, min(a, b, ...), max(a, b, ...), round(x, digits = 0)
 * A value that cannot be computed (a missing input, a missing year, division by zero, the root
 * or logarithm of a negative) is null, never a made-up number. Formulas run in the order given;
 * each may use the columns derived before it.
 *
 * Example: rows [{territory: 'A', year: 2020, active: 120, innovating: 15}] with
 * Lact = "innovating / active * 100" -> Lact 12.5 (the level of innovation activity, domain brief).
 */
export type DeriveCell = number | string | boolean | null;
export type DeriveRow = Record<string, DeriveCell>;

export interface DerivedDefinition {
  name: string;
  formula: string;
}

export type FormulaProblem =
  | 'syntax'
  | 'badName'
  | 'nameTaken'
  | 'unknownName'
  | 'laterName'
  | 'unknownFunction'
  | 'notAllowed'
  | 'arity'
  | 'arityExact'
  | 'constantArgument'
  | 'needsYear';

export class FormulaError extends Error {
  constructor(
    /** Position of the definition in the list. */
    readonly index: number,
    readonly field: 'name' | 'formula',
    readonly problem: FormulaProblem,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`derive.${index}.${field}: ${problem}`);
    this.name = 'FormulaError';
  }
}

interface FunctionRule {
  min: number;
  max: number;
  /** Positions of arguments that must be numbers written in the formula. */
  constant?: number[];
  /** Needs a year column (it looks at other years). */
  usesYear?: boolean;
}

export const DERIVE_FUNCTIONS: Readonly<Record<string, FunctionRule>> = {
  lag: { min: 1, max: 2, constant: [1], usesYear: true },
  chain: { min: 1, max: 1, usesYear: true },
  growth: { min: 1, max: 1, usesYear: true },
  base: { min: 2, max: 2, constant: [1], usesYear: true },
  avggrowth: { min: 1, max: 1, usesYear: true },
  periodmean: { min: 1, max: 1 },
  total: { min: 1, max: 1 },
  territorymean: { min: 1, max: 1 },
  territorysd: { min: 1, max: 1 },
  territorymin: { min: 1, max: 1 },
  territorymax: { min: 1, max: 1 },
  share: { min: 2, max: 2 },
  per1000: { min: 2, max: 2 },
  abs: { min: 1, max: 1 },
  sqrt: { min: 1, max: 1 },
  exp: { min: 1, max: 1 },
  ln: { min: 1, max: 1 },
  log10: { min: 1, max: 1 },
  min: { min: 1, max: 50 },
  max: { min: 1, max: 50 },
  round: { min: 1, max: 2, constant: [1] },
};

const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const RESERVED = new Set(['territory', 'year']);

// mathjs takes seconds to load (its entry point loads every function it has), so it is loaded
// when a formula is first parsed, not when the server starts (issue 18: restart time). Only its
// parser is used, and from the number-only build ("mathjs/number"), which loads in about half
// the time of the full one: no BigNumber, Fraction, Complex, Unit or Matrix types, none of which
// a formula may use anyway (the evaluator below accepts numbers and its own functions only).
let parser: MathJsInstance | undefined;
function mathParser(): MathJsInstance {
  if (parser) return parser;
  const { create, parseDependencies } = require('mathjs/number') as typeof import('mathjs');
  const math = create({ parseDependencies });
  // Let column names be written in Kazakh and Russian as well (mathjs: "customize supported characters").
  const baseIsAlpha = math.parse.isAlpha;
  math.parse.isAlpha = (c: string, cPrev: string, cNext: string) => baseIsAlpha(c, cPrev, cNext) || /\p{L}/u.test(c);
  return (parser = math);
}

type Value = number | null;
/** A compiled formula: its value at row i. */
type Compiled = (i: number) => Value;

const finite = (v: number): Value => (Number.isFinite(v) ? v : null);

interface Table {
  rows: readonly DeriveRow[];
  columns: Map<string, Value[]>;
  hasYear: boolean;
  territoryOf: string[];
  yearOf: (number | null)[];
  /** "territory|year" -> row index */
  at: Map<string, number>;
  /** territory -> row indices sorted by year */
  byTerritory: Map<string, number[]>;
  /** year -> row indices */
  byYear: Map<number | null, number[]>;
}

function buildTable(rows: readonly DeriveRow[], knownColumns: readonly string[]): Table {
  const columns = new Map<string, Value[]>();
  const names = new Set<string>(knownColumns);
  for (const row of rows) for (const key of Object.keys(row)) names.add(key);
  for (const name of names) {
    columns.set(
      name,
      rows.map((r) => (typeof r[name] === 'number' && Number.isFinite(r[name]) ? (r[name] as number) : null)),
    );
  }
  const territoryOf = rows.map((r) => (r.territory === undefined || r.territory === null ? '' : String(r.territory)));
  const yearOf = rows.map((r) => (typeof r.year === 'number' && Number.isFinite(r.year) ? r.year : null));
  const at = new Map<string, number>();
  const byTerritory = new Map<string, number[]>();
  const byYear = new Map<number | null, number[]>();
  rows.forEach((_, i) => {
    if (yearOf[i] !== null) at.set(`${territoryOf[i]}|${yearOf[i]}`, i);
    if (!byTerritory.has(territoryOf[i]!)) byTerritory.set(territoryOf[i]!, []);
    byTerritory.get(territoryOf[i]!)!.push(i);
    if (!byYear.has(yearOf[i]!)) byYear.set(yearOf[i]!, []);
    byYear.get(yearOf[i]!)!.push(i);
  });
  for (const list of byTerritory.values()) list.sort((a, b) => (yearOf[a] ?? 0) - (yearOf[b] ?? 0));
  return { rows, columns, hasYear: yearOf.some((y) => y !== null), territoryOf, yearOf, at, byTerritory, byYear };
}

/** A statistic of one year's values over the territories (every value known). */
function acrossTerritories(name: string, values: number[]): Value {
  const n = values.length;
  const sum = values.reduce((s, v) => s + v, 0);
  if (name === 'total') return sum;
  if (name === 'territorymin') return Math.min(...values);
  if (name === 'territorymax') return Math.max(...values);
  const mean = sum / n;
  if (name === 'territorymean') return mean;
  return n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : null;
}

/** Checks and compiles one formula; throws FormulaError naming the problem. */
function compile(def: DerivedDefinition, index: number, table: Table, laterNames: Set<string>): Compiled {
  let tree: MathNode;
  try {
    tree = mathParser().parse(def.formula);
  } catch (e) {
    throw new FormulaError(index, 'formula', 'syntax', { detail: (e as Error).message });
  }
  const fail = (problem: FormulaProblem, params: Record<string, unknown> = {}): never => {
    throw new FormulaError(index, 'formula', problem, params);
  };

  const shifted = (x: Compiled, i: number, years: number): Value => {
    const year = table.yearOf[i];
    if (year === null || year === undefined) return null;
    const j = table.at.get(`${table.territoryOf[i]}|${year - years}`);
    return j === undefined ? null : x(j);
  };
  const ratio = (a: Value, b: Value, scale: number): Value => (a === null || b === null || b === 0 ? null : finite((a / b) * scale));

  /** A value shared by a group of rows (a territory's series, a year's territories) is computed once. */
  const perGroup = <K>(groupOf: (i: number) => K, f: Compiled): Compiled => {
    const cache = new Map<K, Value>();
    return (i) => {
      const key = groupOf(i);
      if (!cache.has(key)) cache.set(key, f(i));
      return cache.get(key)!;
    };
  };

  const walk = (node: MathNode): Compiled => {
    switch (node.type) {
      case 'ConstantNode': {
        const value = (node as unknown as { value: unknown }).value;
        if (typeof value !== 'number') return fail('notAllowed', { part: node.toString() });
        return () => value;
      }
      case 'ParenthesisNode':
        return walk((node as unknown as { content: MathNode }).content);
      case 'SymbolNode': {
        const name = (node as unknown as { name: string }).name;
        const column = table.columns.get(name);
        if (!column) return laterNames.has(name) ? fail('laterName', { name }) : fail('unknownName', { name });
        return (i) => column[i] ?? null;
      }
      case 'OperatorNode': {
        const op = node as unknown as { fn: string; op: string; args: MathNode[] };
        const args = op.args.map(walk);
        const [a, b] = args as [Compiled, Compiled];
        const binary = (f: (x: number, y: number) => number): Compiled => (i) => {
          const x = a(i);
          const y = b(i);
          return x === null || y === null ? null : finite(f(x, y));
        };
        switch (op.fn) {
          case 'add':
            return binary((x, y) => x + y);
          case 'subtract':
            return binary((x, y) => x - y);
          case 'multiply':
            return binary((x, y) => x * y);
          case 'divide':
            return (i) => ratio(a(i), b(i), 1);
          case 'pow':
            return binary((x, y) => x ** y);
          case 'unaryMinus':
            return (i) => {
              const x = a(i);
              return x === null ? null : -x;
            };
          case 'unaryPlus':
            return a;
          default:
            return fail('notAllowed', { part: op.op });
        }
      }
      case 'FunctionNode': {
        const fn = node as unknown as { fn: MathNode; args: MathNode[] };
        if (fn.fn.type !== 'SymbolNode') return fail('notAllowed', { part: node.toString() });
        const name = (fn.fn as unknown as { name: string }).name;
        const rule = DERIVE_FUNCTIONS[name];
        if (!rule || !Object.hasOwn(DERIVE_FUNCTIONS, name)) return fail('unknownFunction', { name });
        if (fn.args.length < rule.min || fn.args.length > rule.max)
          // `count` chooses the noun's plural form in the message; "from 1 to 1" reads as "exactly 1".
          return rule.min === rule.max ? fail('arityExact', { name, count: rule.max }) : fail('arity', { name, min: rule.min, max: rule.max, count: rule.max });
        if (rule.usesYear && !table.hasYear) return fail('needsYear', { name });
        const constants = (rule.constant ?? []).map((k) => {
          const arg = fn.args[k];
          if (arg === undefined) return undefined;
          const v = arg.type === 'ConstantNode' ? (arg as unknown as { value: unknown }).value : arg.type === 'OperatorNode' && (arg as unknown as { fn: string }).fn === 'unaryMinus' ? -Number((arg as unknown as { args: { value: unknown }[] }).args[0]!.value) : undefined;
          if (typeof v !== 'number' || !Number.isFinite(v)) return fail('constantArgument', { name, position: k + 1 });
          return v;
        });
        const args = fn.args.map((arg, k) => ((rule.constant ?? []).includes(k) ? () => null : walk(arg)));
        const x = args[0]!;
        switch (name) {
          case 'lag': {
            const k = constants[0] ?? 1;
            if (!Number.isInteger(k) || k < 1) return fail('constantArgument', { name, position: 2 });
            return (i) => shifted(x, i, k);
          }
          case 'chain':
            return (i) => ratio(x(i), shifted(x, i, 1), 100);
          case 'growth':
            return (i) => {
              const c = ratio(x(i), shifted(x, i, 1), 100);
              return c === null ? null : c - 100;
            };
          case 'base': {
            const year = constants[0]!;
            return (i) => {
              const j = table.at.get(`${table.territoryOf[i]}|${year}`);
              return j === undefined ? null : ratio(x(i), x(j), 100);
            };
          }
          case 'avggrowth':
            return perGroup((i) => table.territoryOf[i]!, (i) => {
              const known = table.byTerritory.get(table.territoryOf[i]!)!.filter((j) => table.yearOf[j] !== null && x(j) !== null);
              if (known.length < 2) return null;
              const first = known[0]!;
              const last = known[known.length - 1]!;
              const span = table.yearOf[last]! - table.yearOf[first]!;
              const r = ratio(x(last), x(first), 1);
              return r === null || r < 0 || span <= 0 ? null : finite((r ** (1 / span) - 1) * 100);
            });
          case 'periodmean':
            return perGroup((i) => table.territoryOf[i]!, (i) => {
              const values = table.byTerritory.get(table.territoryOf[i]!)!.map(x);
              if (values.some((v) => v === null)) return null;
              return (values as number[]).reduce((s, v) => s + v, 0) / values.length;
            });
          case 'total':
          case 'territorymean':
          case 'territorysd':
          case 'territorymin':
          case 'territorymax':
            return perGroup((i) => table.yearOf[i]!, (i) => {
              const values = table.byYear.get(table.yearOf[i]!)!.map(x);
              if (values.some((v) => v === null)) return null;
              return acrossTerritories(name, values as number[]);
            });
          case 'share':
            return (i) => ratio(x(i), args[1]!(i), 100);
          case 'per1000':
            return (i) => ratio(x(i), args[1]!(i), 1000);
          case 'round': {
            const digits = constants[0] ?? 0;
            if (!Number.isInteger(digits) || digits < 0 || digits > 15) return fail('constantArgument', { name, position: 2 });
            return (i) => {
              const v = x(i);
              return v === null ? null : Number(v.toFixed(digits));
            };
          }
          case 'min':
          case 'max':
            return (i) => {
              const values = args.map((f) => f(i));
              if (values.some((v) => v === null)) return null;
              return (name === 'min' ? Math.min : Math.max)(...(values as number[]));
            };
          default: {
            const unary: Record<string, (v: number) => number> = { abs: Math.abs, sqrt: Math.sqrt, exp: Math.exp, ln: Math.log, log10: Math.log10 };
            const f = unary[name]!;
            return (i) => {
              const v = x(i);
              return v === null ? null : finite(f(v));
            };
          }
        }
      }
      default:
        return fail('notAllowed', { part: node.toString() });
    }
  };
  return walk(tree);
}

/**
 * Adds the derived columns to copies of the rows (inputs are not changed).
 * @param knownColumns columns that exist even if no row has a value for them yet (a dataset's indicators)
 * @throws FormulaError for a bad name or formula, naming the definition
 */
export function deriveIndicators(rows: readonly DeriveRow[], definitions: readonly DerivedDefinition[], knownColumns: readonly string[] = []): DeriveRow[] {
  const table = buildTable(rows, knownColumns);
  const out = rows.map((r) => ({ ...r }));
  const pending = new Set(definitions.map((d) => d.name));
  definitions.forEach((def, index) => {
    if (!NAME.test(def.name)) throw new FormulaError(index, 'name', 'badName', { name: def.name });
    if (RESERVED.has(def.name) || table.columns.has(def.name) || Object.hasOwn(DERIVE_FUNCTIONS, def.name)) {
      throw new FormulaError(index, 'name', 'nameTaken', { name: def.name });
    }
    pending.delete(def.name);
    const compiled = compile(def, index, table, pending);
    const values = rows.map((_, i) => compiled(i));
    table.columns.set(def.name, values);
    values.forEach((v, i) => (out[i]![def.name] = v));
  });
  return out;
}
