import nodemailer, { type Transporter } from 'nodemailer';

/** What the sender needs of a transport: nodemailer's, or a fake in unit tests. */
export type MailTransport = Pick<Transporter, 'sendMail' | 'close'>;

/**
 * A pooled SMTP transport from SMTP_URL (smtp:// with STARTTLS when the relay offers it,
 * smtps:// for implicit TLS, credentials in the URL). Pooling keeps a few connections open, so
 * a batch is not one TCP and TLS handshake per message.
 */
export function createSmtpTransport(smtpUrl: string, maxConnections = 5): MailTransport {
  return nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections,
    maxMessages: 1000,
    // A relay that stops answering must not hold a lease for ever.
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
}
