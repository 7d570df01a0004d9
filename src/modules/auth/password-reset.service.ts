import crypto from 'node:crypto';
import { nowIso } from '../../db/dialect';
import { ValidationError } from '../../errors';
import { translator, type Language } from '../../i18n';
import type { Logger } from '../../logger';
import { hashToken } from '../../lib/tokens';
import type { MailService } from '../mail/mail.service';
import type { UsersService } from '../users/users.service';
import type { PasswordResetsRepository } from './password-resets.repository';

/** A reset link works for this long, once. */
export const RESET_TTL_MS = 30 * 60_000;

/**
 * Forgotten password by e-mail: a 256-bit token, stored hashed, single-use, short-lived. The
 * request answers the same whether or not the address has an account, and in the same time:
 * the lookup and the mail happen after the answer has gone.
 */
export class PasswordResetService {
  constructor(
    private readonly repo: PasswordResetsRepository,
    private readonly users: UsersService,
    private readonly mail: MailService,
    private readonly logger?: Logger,
  ) {}

  get available(): boolean {
    return this.mail.enabled;
  }

  /** Returns at once; the work runs afterwards (a promise for tests that wait for it). */
  request(email: string, base: string, lang: Language): Promise<void> {
    const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.send(email, base, lang));
    return work.catch((err) => this.logger?.error({ err }, 'password reset mail failed'));
  }

  private async send(email: string, base: string, pageLang: Language): Promise<void> {
    const user = await this.users.findActiveByEmail(email);
    if (!user) return;
    // Their language preference, else the language of the page they asked from.
    const lang = user.language ?? pageLang;
    const token = crypto.randomBytes(32).toString('base64url');
    const now = new Date();
    await this.repo.purgeOld(new Date(now.getTime() - 24 * 3600_000).toISOString());
    await this.repo.create(user.id, hashToken(token), new Date(now.getTime() + RESET_TTL_MS).toISOString(), now.toISOString());
    const t = translator(lang);
    const link = `${base}/password/reset?token=${token}`;
    await this.mail.toUser(user, 'password_reset', lang, { subject: t('auth:reset.mailSubject'), text: t('auth:reset.mailBody', { name: user.name, link, minutes: RESET_TTL_MS / 60_000, count: RESET_TTL_MS / 60_000 }) });
  }

  async isUsable(token: string): Promise<boolean> {
    return token.length <= 100 && Boolean(await this.repo.findUsable(hashToken(token), nowIso()));
  }

  /** Set the new password and spend the link; a used, expired or unknown link is refused. */
  async reset(token: string, password: string): Promise<void> {
    const userId = token.length <= 100 ? await this.repo.consume(hashToken(token), nowIso()) : undefined;
    if (!userId) throw new ValidationError([{ path: 'password', key: 'auth:reset.linkInvalid' }]);
    await this.users.setPasswordByReset(userId, password);
  }
}
