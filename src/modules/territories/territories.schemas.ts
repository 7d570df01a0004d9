import { z } from 'zod';

export const TERRITORY_KINDS = ['region', 'district', 'city'] as const;
export const ZTerritoryKind = z.enum(TERRITORY_KINDS);
export type TTerritoryKind = z.infer<typeof ZTerritoryKind>;

export interface TerritoryRecord {
  id: number;
  code: string;
  name_kk: string;
  name_ru: string;
  name_en: string;
  kind: TTerritoryKind;
  parentId: number | null;
  position: number;
}

const ZName = z.string().trim().min(1).max(200);

/** Codes are stable identifiers other seeders and API clients refer to: lower-case letters, digits, dashes. */
export const ZTerritoryCode = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9-]*$/);

/** The admin form (strings from an HTML form; an empty parent means "none"). */
export const ZTerritoryInput = z.strictObject({
  code: ZTerritoryCode,
  name_kk: ZName,
  name_ru: ZName,
  name_en: ZName,
  kind: ZTerritoryKind,
  parentId: z.preprocess((v) => (v === '' || v === undefined || v === null ? null : v), z.coerce.number().int().positive().nullable()),
  position: z.preprocess((v) => (v === '' || v === undefined ? 0 : v), z.coerce.number().int().min(0).max(100000)),
});
export type TTerritoryInput = z.infer<typeof ZTerritoryInput>;

export const ZTerritoryId = z.coerce.number().int().positive();
