import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export type Engine = 'sqlite' | 'pg';
export const ENGINE_LABEL: Record<Engine, string> = { sqlite: 'SQLite', pg: 'PostgreSQL' };

/** One line of the table: a figure of Kedergi beside the same figure of the baseline. */
export interface Row {
  engine: Engine;
  section: 'throughput' | 'ranking' | 'memory' | 'load' | 'pages' | 'workers' | 'national' | 'mail' | 'startup';
  key: string;
  measure: string;
  unit: string;
  kedergi: number | null;
  baseline: number | null;
  /** kedergi / baseline for times; baseline / kedergi would be "share of the baseline" for rates. */
  ratio?: number | null;
  ratioLabel?: string;
  target?: string;
  met?: boolean | null;
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  sqlite?: string;
  postgres?: string;
  pgSettings?: string;
  load?: string;
}

export function machineInfo(): Machine {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let osName = `${os.type()} ${os.release()}`;
  try {
    const rel = fs.readFileSync('/etc/os-release', 'utf8');
    osName = `${/PRETTY_NAME="([^"]+)"/.exec(rel)?.[1] ?? os.type()}, kernel ${os.release()}`;
  } catch {
    /* keep the default */
  }
  let load: string | undefined;
  try {
    load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim().split(' ').slice(0, 3).join(' ');
  } catch {
    load = undefined;
  }
  return { cpu: model, cores: os.cpus().length, memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, os: osName, node: process.version, load };
}

function fmt(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (unit === 'count') return String(Math.round(value));
  if (unit === 'exp') return value.toFixed(2);
  if (unit === 'MB') return value.toFixed(0);
  if (unit === 's') return value.toFixed(1);
  if (unit === 'ms') return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function markdownTable(rows: Row[]): string {
  const out = ['| Engine | Measure | Kedergi | Baseline | Ratio | Target | Met |', '|---|---|---:|---:|---:|---|:-:|'];
  for (const r of rows) {
    const ratio = r.ratio === null || r.ratio === undefined || !Number.isFinite(r.ratio) ? '' : r.ratioLabel ?? `${r.ratio.toFixed(2)}×`;
    const met = r.met === undefined || r.met === null ? '' : r.met ? 'yes' : '**no**';
    const measure = `${r.measure}${r.unit && !['count', 'exp', 'rps'].includes(r.unit) ? ` (${r.unit})` : ''}${r.note ? ` — ${r.note}` : ''}`;
    out.push(`| ${ENGINE_LABEL[r.engine]} | ${measure} | ${fmt(r.kedergi, r.unit)} | ${fmt(r.baseline, r.unit)} | ${ratio} | ${r.target ?? ''} | ${met} |`);
  }
  return out.join('\n');
}

export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}
