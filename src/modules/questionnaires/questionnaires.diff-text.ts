import type { TFunction } from 'i18next';
import type { Language } from '../../i18n';
import type { TCondition, TLocalizedText } from './kinds';
import type { DefinitionDiff, DiffChange, QuestionDiff, SectionDiff } from './questionnaires.diff';

/**
 * A comparison in the reader's language: each change becomes one sentence from the `exchange`
 * catalogue, plus the text before and after when there is one. Texts that belong to one language
 * (a Russian wording, a Kazakh label) are shown as they are, with that language named; option
 * and section labels are shown in the reader's language.
 */

export interface ChangeLine {
  text: string;
  /** Undefined: the sentence says everything. Null: there was (or is) nothing. */
  before?: string | null;
  after?: string | null;
}

export interface QuestionLines {
  code: string;
  kind: string;
  text: string;
  status: QuestionDiff['status'];
  lines: ChangeLine[];
}

export interface SectionLines {
  code: string;
  title: string;
  status: SectionDiff['status'];
  lines: ChangeLine[];
  questions: QuestionLines[];
}

export interface DiffLines {
  lines: ChangeLine[];
  sections: SectionLines[];
  counts: DefinitionDiff['counts'];
  same: boolean;
}

function pick(text: TLocalizedText | null | undefined, lang: Language): string {
  return text ? text[lang] || text.kk : '';
}

export function describeDiff(
  diff: DefinitionDiff,
  sectionTitles: ReadonlyMap<string, TLocalizedText | null>,
  t: TFunction,
  lang: Language,
): DiffLines {
  const sectionName = (code: string) => {
    const title = sectionTitles.get(code);
    return title === null ? t('exchange:diff.profile') : title ? `${pick(title, lang)} (${code})` : code;
  };
  const language = (l: Language) => t(`exchange:languageName.${l}`);
  const yesNo = (v: boolean | number | null) => (typeof v === 'boolean' ? t(v ? 'common:yes' : 'common:no') : v === null ? null : String(v));
  const condition = (c: TCondition | null) => (c ? t('exchange:diff.conditionText', { question: c.question, options: c.anyOf.join(', ') }) : t('exchange:diff.always'));
  const range = (r: { min: number; max: number }) => `${r.min}–${r.max}`;

  const line = (c: DiffChange): ChangeLine => {
    switch (c.type) {
      case 'text':
        return { text: t(`exchange:diff.change.text.${c.field}`, { language: language(c.lang) }), before: c.before, after: c.after };
      case 'code':
        return { text: t('exchange:diff.change.code'), before: c.before, after: c.after };
      case 'source':
        return { text: t('exchange:diff.change.source'), before: c.before, after: c.after };
      case 'kind':
        return { text: t('exchange:diff.change.kind'), before: t(`exchange:kind.${c.before}`), after: t(`exchange:kind.${c.after}`) };
      case 'section':
        return { text: t('exchange:diff.change.section'), before: sectionName(c.before), after: sectionName(c.after) };
      case 'moved':
        return { text: t('exchange:diff.change.moved', { before: c.before, after: c.after }) };
      case 'required':
        return { text: t(c.after ? 'exchange:diff.change.nowRequired' : 'exchange:diff.change.nowOptional') };
      case 'comment':
        return { text: t(c.after ? 'exchange:diff.change.commentOn' : 'exchange:diff.change.commentOff') };
      case 'cannotJudgeOffered':
        return { text: t(c.after ? 'exchange:diff.change.cannotJudgeOn' : 'exchange:diff.change.cannotJudgeOff') };
      case 'role':
        return { text: t('exchange:diff.change.role'), before: c.before ? t(`exchange:role.${c.before}`) : null, after: c.after ? t(`exchange:role.${c.after}`) : null };
      case 'referenceMean':
        return { text: t('exchange:diff.change.referenceMean'), before: yesNo(c.before), after: yesNo(c.after) };
      case 'pest':
        return { text: t('exchange:diff.change.pest'), before: c.before, after: c.after };
      case 'condition':
        return { text: t('exchange:diff.change.condition'), before: condition(c.before), after: condition(c.after) };
      case 'optionsFrom':
        return {
          text: t('exchange:diff.change.optionsFrom'),
          before: t(c.before ? 'exchange:diff.fromTerritories' : 'exchange:diff.ownOptions'),
          after: t(c.after ? 'exchange:diff.fromTerritories' : 'exchange:diff.ownOptions'),
        };
      case 'optionAdded':
        return { text: t('exchange:diff.change.optionAdded', { option: c.option }), before: null, after: pick(c.text, lang) };
      case 'optionRemoved':
        return { text: t('exchange:diff.change.optionRemoved', { option: c.option }), before: pick(c.text, lang), after: null };
      case 'optionText':
        return { text: t('exchange:diff.change.optionText', { option: c.option, language: language(c.lang) }), before: c.before, after: c.after };
      case 'optionExclusive':
        return { text: t(c.after ? 'exchange:diff.change.exclusiveOn' : 'exchange:diff.change.exclusiveOff', { option: c.option }) };
      case 'optionsReordered':
        return { text: t('exchange:diff.change.optionsReordered'), before: c.before.join(', '), after: c.after.join(', ') };
      case 'otherAdded':
        return { text: t('exchange:diff.change.otherAdded', { option: c.option }), before: null, after: pick(c.text, lang) };
      case 'otherRemoved':
        return { text: t('exchange:diff.change.otherRemoved', { option: c.option }), before: pick(c.text, lang), after: null };
      case 'scaleRange':
        return { text: t('exchange:diff.change.scaleRange'), before: range(c.before), after: range(c.after) };
      case 'scaleLabel':
        return { text: t('exchange:diff.change.scaleLabel', { point: c.point, language: language(c.lang) }), before: c.before, after: c.after };
      case 'limit':
        return { text: t(`exchange:diff.limit.${c.limit}`), before: yesNo(c.before), after: yesNo(c.after) };
    }
  };

  return {
    lines: diff.changes.map(line),
    counts: diff.counts,
    same: diff.same,
    sections: diff.sections.map((s) => ({
      code: s.code,
      title: sectionName(s.code),
      status: s.status,
      lines: s.changes.map(line),
      questions: s.questions.map((q) => ({ code: q.code, kind: t(`exchange:kind.${q.kind}`), text: pick(q.text, lang), status: q.status, lines: q.changes.map(line) })),
    })),
  };
}
