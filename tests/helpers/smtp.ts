import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  raw: string;
  parsed: ParsedMail;
  to: string[];
}

/** What the sink answers to one message's DATA: accept, or refuse with an SMTP reply code. */
export type SinkVerdict = { accept: true } | { code: number; message: string };

/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with
 * mailparser. `decide` lets a test refuse messages with 4xx or 5xx replies.
 */
export async function startSmtpSink(decide: (to: string[], count: number) => SinkVerdict = () => ({ accept: true }), options: { delayMs?: number } = {}): Promise<{
  url: string;
  port: number;
  messages: SinkMessage[];
  refused: number;
  close(): Promise<void>;
  waitFor(n: number, timeoutMs?: number): Promise<void>;
}> {
  const messages: SinkMessage[] = [];
  const state = { refused: 0 };
  let seen = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const verdict = decide(to, ++seen);
        if (!('accept' in verdict)) {
          state.refused++;
          const err = new Error(verdict.message) as Error & { responseCode: number };
          err.responseCode = verdict.code;
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const delay = new Promise((r) => setTimeout(r, options.delayMs ?? 0));
        delay.then(() => simpleParser(raw)).then(
          (parsed) => {
            messages.push({ raw, parsed, to });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  // A client that drops its connection (a sender killed mid-batch, a pool closed) is not an error of the test.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async waitFor(n, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
