import { z } from 'zod';
import { LANGUAGES, type Language } from '../../i18n';

export const ROLES = ['admin', 'researcher', 'expert', 'executor'] as const;
export const ZRole = z.enum(ROLES);
export type TRole = z.infer<typeof ZRole>;

/** bcrypt reads only the first 72 bytes of a password; a longer one would be silently cut. */
export const MAX_PASSWORD_BYTES = 72;

export const ZPassword = z
  .string()
  .min(10)
  .max(200)
  .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_PASSWORD_BYTES, { params: { key: 'auth:passwordTooLong' } });

export interface UserRecord {
  id: number;
  email: string;
  name: string;
  passwordHash: string;
  role: TRole;
  disabled: boolean;
  tokenVersion: number;
  /** Language of their mail and their default page language; null: not chosen (mail in Kazakh). */
  language: Language | null;
  createdAt: string;
  updatedAt: string;
}

export const ZCreateUser = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(254),
  name: z.string().trim().min(1).max(200),
  role: ZRole,
  password: z.union([z.literal(''), ZPassword]).optional(),
  language: z.union([z.literal(''), z.enum(LANGUAGES)]).optional(),
});
export type TCreateUser = z.infer<typeof ZCreateUser>;

export const ZChangeRole = z.strictObject({ role: ZRole });
export type TChangeRole = z.infer<typeof ZChangeRole>;

/** The language form of the account page and of the users page: '' is "not chosen". */
export const ZUserLanguage = z.strictObject({ language: z.union([z.literal(''), z.enum(LANGUAGES)]) });
export type TUserLanguage = z.infer<typeof ZUserLanguage>;

export const ZUserId = z.coerce.number().int().positive();
