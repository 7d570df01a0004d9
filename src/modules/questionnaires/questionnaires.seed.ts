import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context';
import { sharedDomainDir } from '../../paths';
import { parseDefinition, type QuestionnairesService } from './questionnaires.service';

export const DEFAULT_QUESTIONNAIRE_FILE = 'questionnaire-barriers.json';
/** The code of the seeded barriers questionnaire (version 1 on a fresh database). */
export const DEFAULT_QUESTIONNAIRE_CODE = 'SME-BARRIERS';

export function readDefaultQuestionnaire(): unknown {
  return JSON.parse(fs.readFileSync(path.join(sharedDomainDir, DEFAULT_QUESTIONNAIRE_FILE), 'utf8'));
}

/** Base seeder: the barriers questionnaire as version 1, unless a version of its code already exists. */
export async function seedDefaultQuestionnaire(_ctx: AppContext, { questionnaires: service }: { questionnaires: QuestionnairesService }): Promise<void> {
  const def = parseDefinition(readDefaultQuestionnaire());
  if (await service.latestByCode(def.code)) return;
  await service.importDefinition(def, null);
}
