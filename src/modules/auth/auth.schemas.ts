import { z } from 'zod';
import { ZPassword, type TRole } from '../users/users.schemas';
import type { Language } from '../../i18n';

// Roles and the password rule belong to the users module (auth depends on users, not back).
export { ROLES, ZPassword, ZRole, type TRole } from '../users/users.schemas';

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: TRole;
  /** Their language preference (mail, default page language); null: not chosen. */
  language: Language | null;
}

export const ZLogin = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
  next: z.string().max(500).optional(),
});
export type TLogin = z.infer<typeof ZLogin>;

export const ZTokenRequest = z.strictObject({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
});
export type TTokenRequest = z.infer<typeof ZTokenRequest>;

/** A new password typed twice: the second must match, or the error sits beside "confirm". */
const newPassword = { password: ZPassword, confirm: z.string().max(200) };
const matches = (v: { password: string; confirm: string }) => v.password === v.confirm;
const mismatch = { path: ['confirm'], message: 'mismatch', params: { key: 'auth:passwordMismatch' } };

export const ZChangePassword = z.object({ current: z.string().min(1).max(200), ...newPassword }).refine(matches, mismatch);
export type TChangePassword = z.infer<typeof ZChangePassword>;

export const ZForgotPassword = z.strictObject({ email: z.string().trim().toLowerCase().min(1).max(254) });

export const ZResetPassword = z.strictObject({ token: z.string().min(1).max(100), ...newPassword }).refine(matches, mismatch);

/** Claims inside a session or API JWT. */
export const ZTokenClaims = z.object({
  sub: z.string(),
  tv: z.number().int(),
  /** When the chain of renewed session tokens began; caps how long renewal may go on. */
  orig: z.number().int(),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type TTokenClaims = z.infer<typeof ZTokenClaims>;
