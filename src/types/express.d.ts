import type { TFunction } from 'i18next';
import type { SessionUser } from '../modules/auth/auth.schemas';
import type { Language } from '../i18n';

declare global {
  namespace Express {
    interface Request {
      user?: SessionUser;
      /** Set when the request carried a Bearer token instead of the session cookie. */
      viaBearer?: boolean;
      lang: Language;
      t: TFunction;
      csrfToken: string;
    }
  }
}

export {};
