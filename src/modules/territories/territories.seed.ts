import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import { sharedDomainDir } from '../../paths';
import { TerritoriesRepository } from './territories.repository';
import type { TTerritoryKind } from './territories.schemas';

/** The region all 2020 territories belong to (before Abai region was separated in 2022). */
export const EAST_KZ_REGION_CODE = 'east-kazakhstan-region';

/**
 * Stable codes from the English name: "Katon-Karagai district" -> "katon-karagai-district",
 * "Oskemen (Ust-Kamenogorsk) city" -> "oskemen-city". Other seeders find territories by these.
 */
export function territoryCodeFromEnglish(name: string): string {
  return name
    .replace(/\([^)]*\)/g, ' ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

// The reference file carries Kazakh and English names only; the Russian official names are added here.
const RUSSIAN_NAMES: Record<string, string> = {
  'Abai district': 'Абайский район',
  'Altai district': 'Алтайский район',
  'Ayagoz district': 'Аягозский район',
  'Beskaragai district': 'Бескарагайский район',
  'Borodulikha district': 'Бородулихинский район',
  'Glubokoe district': 'Глубоковский район',
  'Zharma district': 'Жарминский район',
  'Zaisan district': 'Зайсанский район',
  'Katon-Karagai district': 'Катон-Карагайский район',
  'Kokpekty district': 'Кокпектинский район',
  'Kurchum district': 'Курчумский район',
  'Tarbagatai district': 'Тарбагатайский район',
  'Ulan district': 'Уланский район',
  'Urzhar district': 'Урджарский район',
  'Shemonaikha district': 'Шемонаихинский район',
  'Kurchatov city': 'город Курчатов',
  'Ridder city': 'город Риддер',
  'Semey city': 'город Семей',
  'Oskemen (Ust-Kamenogorsk) city': 'город Усть-Каменогорск (Оскемен)',
};

interface ReferenceRow {
  kk: string;
  en: string;
  kind: TTerritoryKind;
}

export function readEastKzTerritories(): ReferenceRow[] {
  const file = JSON.parse(fs.readFileSync(path.join(sharedDomainDir, 'reference-data', 'east-kz-territories-2020.json'), 'utf8')) as {
    rows: ReferenceRow[];
  };
  return file.rows.filter((row) => row.kind !== 'region');
}

/** Base seeder: East Kazakhstan region and its 15 districts and 4 cities as of 2020. Idempotent by code. */
export async function seedTerritories(ctx: AppContext): Promise<void> {
  const repo = new TerritoriesRepository(ctx.db);
  const rows = readEastKzTerritories();
  await repo.transaction(async (trx) => {
    const region = await repo.findByCode(EAST_KZ_REGION_CODE, trx);
    const regionId =
      region?.id ??
      (await repo.create(
        {
          code: EAST_KZ_REGION_CODE,
          name_kk: 'Шығыс Қазақстан облысы',
          name_ru: 'Восточно-Казахстанская область',
          name_en: 'East Kazakhstan region',
          kind: 'region',
          parentId: null,
          position: 0,
        },
        trx,
      ));
    let position = 0;
    for (const row of rows) {
      position += 1;
      const code = territoryCodeFromEnglish(row.en);
      if (await repo.findByCode(code, trx)) continue;
      await repo.create(
        {
          code,
          name_kk: row.kk,
          name_ru: RUSSIAN_NAMES[row.en] ?? row.en,
          name_en: row.en,
          kind: row.kind,
          parentId: regionId,
          position,
        },
        trx,
      );
    }
  });
}
