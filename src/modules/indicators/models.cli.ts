import fs from 'node:fs';
import { AppError } from '../../errors';
import { translator } from '../../i18n';
import { MODEL_RUNNERS, type ModelCommand } from './models.spec';

/**
 * `models fit|composite|derive|scenario FILE` (FILE may be `-` for standard input): read a
 * spec, run it exactly as the API does, print the JSON result. A bad spec prints the offending
 * fields on stderr and exits with 2. No database is opened.
 */
export interface CliStreams {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  readStdin(): Promise<string>;
}

const processStreams: CliStreams = {
  stdout: process.stdout,
  stderr: process.stderr,
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  },
};

export async function runModelCommand(kind: ModelCommand, args: string[], io: CliStreams = processStreams): Promise<number> {
  const t = translator('en');
  const file = args[0];
  if (!file || args.length > 1) {
    io.stderr.write(`Usage: kedergi models ${kind} FILE   (FILE may be - for standard input)\n`);
    return 2;
  }
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : fs.readFileSync(file, 'utf8');
  } catch (e) {
    io.stderr.write(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    io.stderr.write(`${file}: not valid JSON (${(e as Error).message})\n`);
    return 2;
  }
  try {
    const result = MODEL_RUNNERS[kind](spec);
    io.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof AppError) {
      io.stderr.write(`${t(e.messageKey, e.params)}\n`);
      for (const f of e.fields) io.stderr.write(`  ${f.path || '(spec)'}: ${t(f.key, f.params)}\n`);
      return 2;
    }
    throw e;
  }
}
