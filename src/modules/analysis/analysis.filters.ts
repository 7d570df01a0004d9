import type { TFunction } from 'i18next';
import { localized, type Language } from '../../i18n';
import type { AnalysisService, RoundRanking } from './analysis.service';

/** A profile question's option labels by code, in `lang` (the questionnaire's definition read as it is stored). */
export function profileOptions(definition: unknown, code: string, lang: Language): Map<string, string> {
  const out = new Map<string, string>();
  const profile = (definition as { profile?: unknown } | null)?.profile;
  if (!Array.isArray(profile)) return out;
  const question = profile.find((q) => (q as { code?: unknown }).code === code) as { options?: Array<{ code?: unknown; text?: Record<string, unknown> }> } | undefined;
  for (const o of question?.options ?? []) {
    if (typeof o.code === 'string') out.set(o.code, String(o.text?.[lang] ?? o.text?.kk ?? o.code));
  }
  return out;
}

/** The ranking's filters as the reader reads them (label: value), empty when none: on the page, in print and in the PDF. */
export async function filterLinesOf(service: AnalysisService, ranking: RoundRanking, t: TFunction, lang: Language): Promise<Array<{ label: string; value: string }>> {
  const f = ranking.filters;
  const filters: Array<{ label: string; value: string }> = [];
  if (f.territory !== undefined) {
    const territory = (await service.repo.territories()).find((x) => x.id === f.territory);
    filters.push({ label: t('analysis:filters.territory'), value: territory ? localized(territory as unknown as Record<string, unknown>, 'name', lang) : String(f.territory) });
  }
  if (f.sector !== undefined || f.size !== undefined) {
    const definition = await service.repo.questionnaireDefinition(ranking.round.questionnaireId);
    for (const code of ['sector', 'size'] as const) {
      const value = f[code];
      if (value !== undefined) filters.push({ label: t(`analysis:filters.${code}`), value: profileOptions(definition, code, lang).get(value) ?? value });
    }
  }
  if (f.innovated !== undefined) filters.push({ label: t('analysis:filters.innovated'), value: t(f.innovated ? 'analysis:filters.yes' : 'analysis:filters.no') });
  return filters;
}
