import crypto from 'node:crypto';
import bcrypt from 'bcrypt';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { UsersRepository } from './users.repository';
import type { Language } from '../../i18n';
import { MAX_PASSWORD_BYTES, type TCreateUser, type TRole, type UserRecord } from './users.schemas';

export function generatePassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A hash in bcrypt's own format, at the given cost, that no password matches: a real salt and a
 * random checksum. Comparing against it costs exactly what comparing against a real hash of that
 * cost does (bcrypt recomputes from the salt and cost the string names), so it serves both as the
 * stand-in for an unknown e-mail and as the password of an account nobody has chosen one for. It
 * is made in microseconds, where hashing a throwaway password would burn a quarter of a second of
 * CPU at cost 12 for the same result.
 */
export function unusablePasswordHash(rounds: number): string {
  const checksum = Array.from(crypto.randomBytes(31), (byte) => BCRYPT_ALPHABET[byte & 63]).join('');
  return bcrypt.genSaltSync(rounds) + checksum;
}

export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly bcryptRounds: number,
  ) {}

  /**
   * Every new password passes here. Longer than bcrypt's 72 bytes is refused rather than pre-hashed:
   * refusing keeps one hash format (every stored hash and every login stay as they are), while a
   * pre-hash would need a second format and a migration path for it; 72 bytes is still 72 Latin or
   * 36 Cyrillic letters. Logins are not refused for length, so a longer password set before this
   * check (bcrypt compared its first 72 bytes) keeps working.
   */
  async hash(password: string): Promise<string> {
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new ValidationError([{ path: 'password', key: 'auth:passwordTooLong' }]);
    return bcrypt.hash(password, this.bcryptRounds);
  }

  list(): Promise<UserRecord[]> {
    return this.repo.list();
  }

  /** The user, or undefined (sign-in and token checks, which must not throw on an unknown user). */
  find(id: number, trx?: Parameters<UsersRepository['findById']>[1]): Promise<UserRecord | undefined> {
    return this.repo.findById(id, trx);
  }

  /** Active accounts with the expert role, by e-mail (the candidates of a Delphi panel). */
  async activeExperts(): Promise<UserRecord[]> {
    return (await this.repo.list()).filter((u) => u.role === 'expert' && !u.disabled).sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  }

  findByEmail(email: string): Promise<UserRecord | undefined> {
    return this.repo.findByEmail(email);
  }

  /** Inside a transaction pass it on: SQLite has one connection, and a query outside it would wait forever. */
  async get(id: number, trx?: Parameters<UsersRepository['findById']>[1]): Promise<UserRecord> {
    const user = await this.repo.findById(id, trx);
    if (!user) throw new NotFoundError();
    return user;
  }

  /** Creates the user; when no password is given one is generated and returned to show once. */
  async create(actorId: number | null, input: TCreateUser): Promise<{ id: number; password: string }> {
    await this.assertEmailFree(input.email);
    const password = input.password || generatePassword();
    // Hashed before the transaction: bcrypt takes a quarter of a second, and SQLite's one
    // connection would be held (every other write waiting) for all of it.
    const id = await this.insert(actorId, input, await this.hash(password));
    return { id, password };
  }

  /**
   * An account with no password anyone knows (the demo panel's experts): it signs in once an
   * administrator resets its password or its owner follows a reset link.
   */
  async createWithoutPassword(actorId: number | null, input: Omit<TCreateUser, 'password'>): Promise<number> {
    await this.assertEmailFree(input.email);
    return this.insert(actorId, input, unusablePasswordHash(this.bcryptRounds));
  }

  private async assertEmailFree(email: string): Promise<void> {
    if (await this.repo.findByEmail(email)) throw new ValidationError([{ path: 'email', key: 'users:emailTaken' }]);
  }

  private insert(actorId: number | null, input: Omit<TCreateUser, 'password'>, passwordHash: string): Promise<number> {
    return this.repo.transaction(async (trx) => {
      const id = await this.repo.create({ email: input.email, name: input.name, role: input.role, passwordHash, language: input.language || null }, trx);
      await this.repo.audit(actorId, 'user.create', `user:${id}`, input.role, trx);
      return id;
    });
  }

  /**
   * The language of a user's mail and their default page language (null: not chosen). The user
   * sets their own on the account page; an administrator anyone's on the users page.
   */
  async setLanguage(actorId: number, id: number, language: Language | null): Promise<void> {
    await this.repo.transaction(async (trx) => {
      await this.get(id, trx);
      await this.repo.update(id, { language }, trx);
      await this.repo.audit(actorId, 'user.language', `user:${id}`, language ?? 'none', trx);
    });
  }

  /** Role changes and disabling must never leave the platform without an active administrator. */
  private async assertAdminRemains(target: UserRecord, change: { role?: TRole; disabled?: boolean }, trx: Parameters<UsersRepository['countActiveAdmins']>[0]) {
    const losesAdmin = target.role === 'admin' && !target.disabled && ((change.role && change.role !== 'admin') || change.disabled === true);
    if (losesAdmin && (await this.repo.countActiveAdmins(trx)) <= 1) {
      throw new ConflictError('last_admin', 'users:lastAdmin');
    }
  }

  async changeRole(actorId: number, id: number, role: TRole): Promise<void> {
    await this.repo.transaction(async (trx) => {
      const target = await this.get(id, trx);
      if (target.role === role) return;
      await this.assertAdminRemains(target, { role }, trx);
      await this.repo.update(id, { role, bumpTokenVersion: true }, trx);
      await this.repo.audit(actorId, 'user.role', `user:${id}`, `${target.role}->${role}`, trx);
    });
  }

  async setDisabled(actorId: number, id: number, disabled: boolean): Promise<void> {
    await this.repo.transaction(async (trx) => {
      const target = await this.get(id, trx);
      if (target.disabled === disabled) return;
      await this.assertAdminRemains(target, { disabled }, trx);
      await this.repo.update(id, { disabled, bumpTokenVersion: true }, trx);
      await this.repo.audit(actorId, disabled ? 'user.disable' : 'user.enable', `user:${id}`, undefined, trx);
    });
  }

  async resetPassword(actorId: number, id: number): Promise<string> {
    await this.get(id);
    const password = generatePassword();
    const passwordHash = await this.hash(password);
    await this.repo.transaction(async (trx) => {
      await this.repo.update(id, { passwordHash, bumpTokenVersion: true }, trx);
      await this.repo.audit(actorId, 'user.resetPassword', `user:${id}`, undefined, trx);
    });
    return password;
  }

  async changeOwnPassword(id: number, current: string, next: string): Promise<void> {
    const user = await this.get(id);
    if (!(await bcrypt.compare(current, user.passwordHash))) {
      throw new ValidationError([{ path: 'current', key: 'auth:currentPasswordWrong' }]);
    }
    const passwordHash = await this.hash(next);
    await this.repo.transaction(async (trx) => {
      await this.repo.update(id, { passwordHash, bumpTokenVersion: true }, trx);
      await this.repo.audit(id, 'user.changePassword', `user:${id}`, undefined, trx);
    });
  }

  /** An active account by its address (forgotten password); undefined for unknown or disabled ones. */
  async findActiveByEmail(email: string): Promise<UserRecord | undefined> {
    const user = await this.repo.findByEmail(email.trim().toLowerCase());
    return user && !user.disabled ? user : undefined;
  }

  /** A new password chosen through a reset link: every session of the account ends. */
  async setPasswordByReset(id: number, next: string): Promise<void> {
    const passwordHash = await this.hash(next);
    await this.repo.transaction(async (trx) => {
      await this.repo.update(id, { passwordHash, bumpTokenVersion: true }, trx);
      await this.repo.audit(id, 'user.resetPasswordByMail', `user:${id}`, undefined, trx);
    });
  }

  async revokeSessions(id: number): Promise<void> {
    await this.repo.update(id, { bumpTokenVersion: true });
  }

  /**
   * Start-up: the administrator named in the environment is created or has its password
   * reset; with no such variables a database without an active administrator (an empty one)
   * gets admin@localhost with a random password that the caller prints once.
   */
  async ensureBootstrapAdmin(admin?: { email: string; password: string }): Promise<{ email: string; password?: string } | undefined> {
    if (admin) {
      const existing = await this.repo.findByEmail(admin.email);
      // Every start passes here: a password that still matches is not hashed again (a quarter of
      // a second of CPU on each restart, for the hash already stored).
      const same = existing !== undefined && (await bcrypt.compare(admin.password, existing.passwordHash));
      if (!existing) {
        await this.repo.create({ email: admin.email, name: 'Administrator', role: 'admin', passwordHash: await this.hash(admin.password) });
      } else if (!same) {
        await this.repo.update(existing.id, { passwordHash: await this.hash(admin.password), role: 'admin', disabled: false, bumpTokenVersion: true });
      } else if (existing.role !== 'admin' || existing.disabled) {
        await this.repo.update(existing.id, { role: 'admin', disabled: false });
      }
      return { email: admin.email };
    }
    // No active administrator (only an empty database: the last one can be neither demoted nor
    // disabled). Asked of administrators, not of all users, so that the first start's seeders,
    // which add users (the demo experts) but never an administrator, can run beside this.
    if ((await this.repo.countActiveAdmins()) > 0) return undefined;
    const password = generatePassword();
    await this.repo.create({ email: 'admin@localhost', name: 'Administrator', role: 'admin', passwordHash: await this.hash(password) });
    return { email: 'admin@localhost', password };
  }
}

