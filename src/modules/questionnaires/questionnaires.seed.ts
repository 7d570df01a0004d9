import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import { projectRoot, sharedDomainDir } from '../../paths';
import { parseDefinition, type QuestionnairesService } from './questionnaires.service';

export const DEFAULT_QUESTIONNAIRE_FILE = 'questionnaire-barriers.json';
/** The code of the seeded barriers questionnaire (version 1 on a fresh database). */
export const DEFAULT_QUESTIONNAIRE_CODE = 'SME-BARRIERS';

export function readDefaultQuestionnaire(): unknown {
  return JSON.parse(fs.readFileSync(path.join(sharedDomainDir, DEFAULT_QUESTIONNAIRE_FILE), 'utf8'));
}

/**
 * The extended instrument (issue 10): SME-BARRIERS plus the instruments of the sources in
 * every question kind (reasons for not innovating as coded by the national statistics, the
 * state-support block, innovation activity, the barriers the sources name).
 */
export const EXTENDED_QUESTIONNAIRE_FILE = path.join(projectRoot, 'seeds', 'content', 'questionnaire-sme-innovation.json');
export const EXTENDED_QUESTIONNAIRE_CODE = 'SME-INNOVATION';

export function readExtendedQuestionnaire(): unknown {
  return JSON.parse(fs.readFileSync(EXTENDED_QUESTIONNAIRE_FILE, 'utf8'));
}

/** Base seeder: the barriers questionnaire and the extended one as version 1, unless a version of their code exists. */
export async function seedDefaultQuestionnaire(_ctx: AppContext, { questionnaires: service }: { questionnaires: QuestionnairesService }): Promise<void> {
  for (const read of [readDefaultQuestionnaire, readExtendedQuestionnaire]) {
    const raw = read() as { code?: unknown };
    // Every restart comes here: look the code up before validating the whole definition (a few hundred ms).
    if (typeof raw.code === 'string' && (await service.latestByCode(raw.code))) continue;
    const def = parseDefinition(raw);
    if (await service.latestByCode(def.code)) continue;
    await service.importDefinition(def, null);
  }
}
