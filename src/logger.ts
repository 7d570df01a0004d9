import pino, { Logger } from 'pino';

/**
 * JSON lines: a newline inside a value is escaped, so user input cannot forge a log line.
 * Credentials never reach the log: headers that carry them are redacted.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'password',
        '*.password',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
export type { Logger };
