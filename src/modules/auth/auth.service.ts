import bcrypt from 'bcrypt';
import { UnauthorizedError } from '../../errors';
import type { UserRecord } from '../users/users.schemas';
import { unusablePasswordHash, type UsersService } from '../users/users.service';
import type { SessionUser } from './auth.schemas';
import { signToken, verifyToken, type Audience } from './auth.tokens';

export interface AuthSettings {
  secret: string;
  sessionTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  apiTokenTtlSeconds: number;
  /** The cost real password hashes are made with; the stand-in hash for unknown e-mails uses the same. */
  bcryptRounds: number;
}

export function toSessionUser(u: UserRecord): SessionUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role, language: u.language };
}

export class AuthService {
  private readonly dummyHash: string;

  constructor(
    private readonly users: Pick<UsersService, 'find' | 'findByEmail' | 'revokeSessions'>,
    private readonly settings: AuthSettings,
  ) {
    this.dummyHash = unusablePasswordHash(settings.bcryptRounds);
  }

  /**
   * Compared against when the e-mail is unknown, at the cost real hashes are made with, so that an
   * unknown e-mail takes as long as a wrong password (a cheaper stand-in told accounts apart by time).
   */
  stubHash(): string {
    return this.dummyHash;
  }

  /** One message and one cost for unknown e-mail, wrong password and disabled account: no enumeration. */
  async verifyCredentials(email: string, password: string): Promise<UserRecord> {
    const user = await this.users.findByEmail(email);
    const ok = await bcrypt.compare(password, user?.passwordHash ?? this.stubHash());
    if (!user || !ok || user.disabled) throw new UnauthorizedError('auth:invalidCredentials');
    return user;
  }

  issueSession(user: UserRecord, origin?: number) {
    return signToken(this.settings.secret, {
      subject: String(user.id),
      tokenVersion: user.tokenVersion,
      audience: 'kedergi-web',
      ttlSeconds: this.settings.sessionTtlSeconds,
      origin,
    });
  }

  issueApiToken(user: UserRecord) {
    return signToken(this.settings.secret, {
      subject: String(user.id),
      tokenVersion: user.tokenVersion,
      audience: 'kedergi-api',
      ttlSeconds: this.settings.apiTokenTtlSeconds,
    });
  }

  /**
   * Checks a token against the user as stored now: a bumped token version (logout,
   * password or role change, disabling) revokes every token issued before it.
   */
  async authenticate(token: string, audience: Audience): Promise<{ user: UserRecord; renew?: { token: string; expiresAt: Date } } | null> {
    const claims = verifyToken(this.settings.secret, token, audience);
    if (!claims) return null;
    const user = await this.users.find(Number(claims.sub));
    if (!user || user.disabled || user.tokenVersion !== claims.tv) return null;
    if (audience !== 'kedergi-web') return { user };
    const now = Math.floor(Date.now() / 1000);
    if (now - claims.orig > this.settings.sessionMaxAgeSeconds) return null;
    const halfLife = (claims.exp - claims.iat) / 2;
    const renew = now - claims.iat > halfLife ? this.issueSession(user, claims.orig) : undefined;
    return { user, renew };
  }

  async logout(userId: number): Promise<void> {
    await this.users.revokeSessions(userId);
  }
}
