import type { TFunction } from 'i18next';
import { localized, type Language } from '../../i18n';
import type { Questionnaire } from '../questionnaires/questionnaires.schemas';
import { roleQuestion, type AnalysisService, type RoundRanking } from './analysis.service';

/** The options of the question with `role` (sector, size), labelled in `lang`, by code. */
export function roleOptions(questionnaire: Questionnaire, role: 'sector' | 'size', lang: Language): Map<string, string> {
  const q = roleQuestion(questionnaire, role);
  const options = q && (q.kind === 'single-choice' || q.kind === 'multi-choice') ? q.options : [];
  return new Map(options.map((o) => [o.code, o.text[lang] || o.text.kk || o.code]));
}

/** The ranking's filters as the reader reads them (label: value), empty when none: on the page, in print and in the PDF. */
export async function filterLinesOf(service: AnalysisService, ranking: RoundRanking, t: TFunction, lang: Language): Promise<Array<{ label: string; value: string }>> {
  const f = ranking.filters;
  const filters: Array<{ label: string; value: string }> = [];
  if (f.territory !== undefined) {
    const territory = (await service.territories()).find((x) => x.id === f.territory);
    filters.push({ label: t('analysis:filters.territory'), value: territory ? localized(territory as unknown as Record<string, unknown>, 'name', lang) : String(f.territory) });
  }
  if (f.sector !== undefined || f.size !== undefined) {
    const questionnaire = await service.questionnaire(ranking.round.questionnaireId);
    for (const code of ['sector', 'size'] as const) {
      const value = f[code];
      if (value !== undefined) filters.push({ label: t(`analysis:filters.${code}`), value: roleOptions(questionnaire, code, lang).get(value) ?? value });
    }
  }
  if (f.innovated !== undefined) filters.push({ label: t('analysis:filters.innovated'), value: t(f.innovated ? 'analysis:filters.yes' : 'analysis:filters.no') });
  return filters;
}
