import type { Knex } from 'knex';
import { nowIso } from '../../db/dialect';
import { AppError, ValidationError, type FieldError } from '../../errors';
import type { Language } from '../../i18n';
import { generateLinkToken, hashToken } from '../../lib/tokens';
import { invitationExpired } from '../invitations/invitations.state';
import type { InvitationsService } from '../invitations/invitations.service';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundRecord } from '../rounds/rounds.schemas';
import { roundAvailability, type RoundsService } from '../rounds/rounds.service';
import type { TerritoriesService } from '../territories/territories.service';
import type { AnswerWrite, ResponsesRepository } from './responses.repository';
import {
  chosenOptions,
  missingAnswers,
  profileAnswerRows,
  profileFromAnswers,
  visibleItems,
  validateAnswers,
  validateProfile,
  type AnswerInput,
  type FormItem,
  type InvitationWithRound,
  type ProfileAnswers,
  type QuestionnaireForm,
  type ResponseRecord,
  type StoredAnswer,
  type TerritoryChoice,
  type TPageBody,
  type TProfileInput,
  type TSubmitAllBody,
} from './responses.schemas';

/** The states in which a respondent cannot go on, each with its own page. */
export type StopKind = 'invalidLink' | 'closed' | 'notOpen' | 'expired' | 'noSession' | 'alreadySubmitted' | 'tooMany';

const STOP_STATUS: Record<StopKind, number> = {
  // Unknown, used-up and expired links share one answer (status, page and cost), so a link's
  // existence cannot be probed.
  invalidLink: 410,
  closed: 410,
  expired: 410,
  notOpen: 403,
  noSession: 401,
  alreadySubmitted: 409,
  tooMany: 429,
};

export class RespondentStop extends AppError {
  constructor(
    readonly kind: StopKind,
    params: Record<string, unknown> = {},
  ) {
    super(kind === 'alreadySubmitted' ? 'already_submitted' : `respondent_${kind.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())}`, STOP_STATUS[kind], `respond:stop.${kind}.title`, params);
  }
}

export interface RespondentSession {
  invitation: InvitationWithRound;
  form: QuestionnaireForm;
  response: ResponseRecord | undefined;
  /** Answers of the category pages' items, by item id. */
  answers: Map<number, StoredAnswer>;
  /** The profile answers, read from the answers of the profile items. */
  profile: ProfileAnswers;
}

export interface SubmitResult {
  responseId: number;
  /** True when this request repeated an earlier successful one (same idempotency key). */
  replay: boolean;
  submittedAt: string;
}

/**
 * The answering flow: links exchanged for a respondent session, a page saved per request in one
 * transaction, and a submission that happens once even when two tabs or a replayed request race.
 */
export class ResponsesService {
  constructor(
    private readonly repo: ResponsesRepository,
    /** The owner of an invitation's state: this flow asks it to move, never writes it. */
    private readonly invitations: Pick<InvitationsService, 'move' | 'createPublic' | 'find' | 'findByToken'>,
    /** The owner of rounds: the window of a round is read from it on every page. */
    private readonly rounds: Pick<RoundsService, 'find' | 'findByPublicToken'>,
    private readonly territoriesService: Pick<TerritoriesService, 'listLeaves'>,
    /** The owner of the form: the only loader of what a respondent is asked. */
    private readonly questionnaires: Pick<QuestionnairesService, 'respondentForm'>,
    private readonly clock: () => number = Date.now,
    /** Told of each new submission after its commit (the analysis counter counts it in the background). */
    private readonly onSubmitted: (roundId: number) => void = () => {},
  ) {}

  /** The form of a questionnaire version, from the questionnaires module (which keeps it). */
  form(questionnaireId: number): Promise<QuestionnaireForm | undefined> {
    return this.questionnaires.respondentForm(questionnaireId, () => this.territories());
  }

  /** Territories a respondent can pick: those without sub-territories (districts and cities, not the region). */
  territories(): Promise<TerritoryChoice[]> {
    return this.territoriesService.listLeaves();
  }

  /** Open and close times are enforced here, on the server, whatever a page showed earlier (the rule is the rounds module's). */
  private checkRound(round: RoundRecord): void {
    const availability = roundAvailability(round, this.clock());
    if (availability === 'closed') throw new RespondentStop('closed');
    if (availability === 'notOpen') throw new RespondentStop('notOpen', { opensAt: round.opensAt });
  }

  /**
   * GET /r/:token: the invitation id to put in the respondent cookie. Read only: a mail scanner or
   * a HEAD request following the link must not count as the enterprise opening it; the respondent
   * choosing a language (a POST, see markOpened) does.
   */
  /** The language a questionnaire in progress was being answered in (undefined before it began). */
  async resumeLanguage(invitationId: number): Promise<Language | undefined> {
    const response = await this.repo.findResponseByInvitation(invitationId);
    return response?.status === 'in_progress' ? response.language : undefined;
  }

  async exchangeInvitationToken(token: string): Promise<number> {
    // Unknown, used-up and expired links are refused after the same single query.
    const invitation = token.length <= 200 ? await this.invitations.findByToken(token) : undefined;
    const now = this.clock();
    // A submitted link says so, and when: the respondent is told nothing more is needed, not that
    // the link may be mistyped. (A token is 128 random bits, so this reveals nothing guessable.)
    if (invitation?.status === 'submitted') {
      const response = await this.repo.findResponseByInvitation(invitation.id);
      throw new RespondentStop('alreadySubmitted', { submittedAt: response?.submittedAt ?? null });
    }
    if (!invitation || invitationExpired(invitation, now)) {
      throw new RespondentStop('invalidLink');
    }
    const round = await this.rounds.find(invitation.roundId);
    if (!round) throw new RespondentStop('invalidLink');
    this.checkRound(round);
    return invitation.id;
  }

  /** The respondent began (POST of the start page): a pending invitation becomes opened. */
  async markOpened(session: RespondentSession): Promise<void> {
    if (session.invitation.status === 'pending') await this.invitations.move(session.invitation.id, 'opened', new Date(this.clock()).toISOString());
  }

  /**
   * GET /p/:token, read only: the round of a public link and, when the visitor already holds a
   * questionnaire of it, that invitation to resume. Creating one waits for the visitor's POST, so
   * link scanners and prefetchers create nothing.
   */
  async findPublicRound(token: string, currentInvitationId: number | undefined): Promise<{ form: QuestionnaireForm; resumeInvitationId?: number }> {
    const round = token.length <= 200 ? await this.rounds.findByPublicToken(token) : undefined;
    if (!round || round.audience !== 'public') throw new RespondentStop('invalidLink');
    this.checkRound(round);
    const form = await this.form(round.questionnaireId);
    if (!form) throw new Error(`questionnaire ${round.questionnaireId} of round ${round.id} not found`);
    if (currentInvitationId !== undefined) {
      const current = await this.invitations.find(currentInvitationId);
      if (current && current.roundId === round.id) return { form, resumeInvitationId: current.id };
    }
    return { form };
  }

  /**
   * POST /p/:token: a public round link. A visitor who already holds a questionnaire of this round
   * resumes it; anyone else gets a new invitation and response, after `beforeCreate` (the per-IP
   * rate limit) has let them through.
   */
  async exchangePublicToken(token: string, currentInvitationId: number | undefined, language: Language, beforeCreate: () => Promise<void>): Promise<number> {
    const round = token.length <= 200 ? await this.rounds.findByPublicToken(token) : undefined;
    if (!round || round.audience !== 'public') throw new RespondentStop('invalidLink');
    this.checkRound(round);
    if (currentInvitationId !== undefined) {
      const current = await this.invitations.find(currentInvitationId);
      if (current && current.roundId === round.id) return current.id;
    }
    await beforeCreate();
    const now = nowIso();
    // The row needs a unique token hash; the token itself is never handed out (the cookie is the key).
    return this.repo.transaction(async (trx) => {
      const invitationId = await this.invitations.createPublic(trx, { roundId: round.id, tokenHash: hashToken(generateLinkToken()), now });
      await this.repo.insertResponse(trx, { invitationId, roundId: round.id, language, now });
      return invitationId;
    });
  }

  /**
   * Everything a respondent page needs. Refuses (with the matching page) a missing invitation,
   * a submitted one (unless `allowSubmitted`, for the submit handlers' replay check), an expired
   * invitation and a round that is not open now.
   */
  async openSession(invitationId: number | undefined, options: { allowSubmitted?: boolean; wholeSubmission?: boolean } = {}): Promise<RespondentSession> {
    const found = invitationId === undefined ? undefined : await this.invitations.find(invitationId);
    const round = found ? await this.rounds.find(found.roundId) : undefined;
    if (!found || !round) throw new RespondentStop('noSession');
    const invitation: InvitationWithRound = { ...found, round };
    // A whole-questionnaire submission replaces every answer, and its first statement settles
    // the response row whatever it holds (store): it reads the response only to answer a
    // submitted invitation (a replay, or a refusal). The invitation is moved to submitted in the
    // same transaction as its response, so the two agree.
    const response = options.wholeSubmission && invitation.status !== 'submitted' ? undefined : await this.repo.findResponseByInvitation(invitation.id);
    if (invitation.status === 'submitted' || response?.status === 'submitted') {
      if (!options.allowSubmitted) throw new RespondentStop('alreadySubmitted', { submittedAt: response?.submittedAt ?? null });
    } else {
      if (invitationExpired(invitation, this.clock())) throw new RespondentStop('expired');
      this.checkRound(invitation.round);
    }
    const form = await this.form(invitation.round.questionnaireId);
    if (!form) throw new Error(`questionnaire ${invitation.round.questionnaireId} of round ${invitation.round.id} not found`);
    const stored = response && !options.wholeSubmission ? await this.repo.answersOf(response.id) : [];
    const profileIds = new Set(Object.values(form.profileItemIds));
    const answers = new Map(stored.filter((a) => !profileIds.has(a.itemId)).map((a) => [a.itemId, a]));
    const profile = profileFromAnswers(form, new Map(stored.map((a) => [a.itemId, a.columns])));
    return { invitation, form, response, answers, profile };
  }

  /**
   * The profile as the form first shows it: the stored answers, or, before the respondent
   * has saved any, what the invitation list knew (territory, sector, size) offered as answers
   * to correct. Only options the questions have are offered; nothing is stored until posted.
   */
  async profileValues(session: RespondentSession): Promise<{ values: ProfileAnswers; prefilled: string[] }> {
    const stored = session.profile;
    if (Object.keys(stored).length > 0) return { values: stored, prefilled: [] };
    const known = session.invitation.known;
    const values: ProfileAnswers = {};
    for (const q of session.form.profile) {
      if (q.type === 'choice-from-territories' && known.territoryId !== null) {
        const territory = (await this.territories()).find((t) => t.id === known.territoryId);
        if (territory) values[q.code] = territory.code;
      } else if (q.type === 'choice' && (q.code === 'sector' || q.code === 'size')) {
        const code = known[q.code];
        if (code && q.options.some((o) => o.code === code)) values[q.code] = code;
      }
    }
    return { values, prefilled: Object.keys(values) };
  }

  /** The items asked of this respondent so far: conditions are evaluated on the stored answers. */
  visible(session: RespondentSession): FormItem[] {
    const stored = new Map([...session.answers].map(([id, a]) => [id, a.columns]));
    return visibleItems(session.form, chosenOptions(session.form, session.profile, stored));
  }

  /** The steps of the flow in order: profile, one page per category with a question asked, review. */
  steps(session: RespondentSession): string[] {
    const visible = this.visible(session);
    return ['profile', ...session.form.categories.filter((c) => visible.some((i) => i.categoryId === c.id)).map((c) => c.code), 'review'];
  }

  /** Where a returning respondent should go on: the first step with a required answer missing. */
  resumeStep(session: RespondentSession): string {
    const missing = this.missing(session);
    if (!session.response) return 'profile';
    for (const error of missing) {
      if (error.path.startsWith('profile.')) return 'profile';
      const code = error.path.slice('answers.'.length);
      const item = session.form.items.find((i) => i.code === code);
      if (item) return item.categoryCode;
    }
    const lastAnswered = [...session.form.categories].reverse().find((c) => session.form.items.some((i) => i.categoryId === c.id && session.answers.has(i.id)));
    const steps = this.steps(session);
    if (!lastAnswered) return 'profile';
    return steps[Math.min(Math.max(steps.indexOf(lastAnswered.code), 0) + 1, steps.length - 1)]!;
  }

  missing(session: RespondentSession): FieldError[] {
    return missingAnswers(session.form, session.profile, new Set(session.answers.keys()), this.visible(session));
  }

  /** The questions a category page asks this respondent (hidden ones are neither shown nor accepted). */
  itemsOf(session: RespondentSession, categoryCode: string): FormItem[] {
    return this.visible(session).filter((i) => i.categoryCode === categoryCode);
  }

  /** Runs one page save: claims the in-progress response (creating it on the first save) or stops. */
  private async inSave<T>(session: RespondentSession, language: Language, fn: (trx: Knex.Transaction, response: ResponseRecord) => Promise<T>): Promise<T> {
    return this.repo.transaction(async (trx) => {
      const now = nowIso();
      const response = await this.repo.ensureResponse(trx, { invitationId: session.invitation.id, roundId: session.invitation.roundId, language, now });
      const claimed = await this.repo.touchInProgress(trx, response.id, language, now);
      if (claimed === 0) throw new RespondentStop('alreadySubmitted', { submittedAt: response.submittedAt });
      const result = await fn(trx, response);
      await this.invitations.move(session.invitation.id, 'in_progress', now, trx);
      return result;
    });
  }

  /**
   * POST of the profile page. Malformed values refuse the page (nothing stored); required
   * questions left empty are returned to be marked while the rest is saved.
   */
  async saveProfile(session: RespondentSession, raw: TProfileInput, language: Language): Promise<{ missing: FieldError[]; profile: ProfileAnswers }> {
    const territories = await this.territories();
    const checked = validateProfile(session.form.profile, territories, raw);
    if (checked.invalid.length) throw new ValidationError(checked.invalid, 'respond:errors.malformed');
    await this.inSave(session, language, async (trx, response) => {
      // The page replaces the profile: a question left empty loses its earlier answer.
      const rows = profileAnswerRows(session.form, checked.profile);
      const kept = new Set(rows.map((r) => r.itemId));
      await this.repo.deleteAnswersOf(trx, response.id, Object.values(session.form.profileItemIds).filter((id) => !kept.has(id)));
      await this.repo.upsertAnswers(trx, response.id, response.roundId, rows.map((r) => ({ ...r, comment: null })));
    });
    return { missing: checked.missing, profile: checked.profile };
  }

  /** POST of one category page; same rules as the profile page. */
  async savePage(session: RespondentSession, categoryCode: string, input: TPageBody, language: Language): Promise<{ missing: FieldError[] }> {
    const items = this.itemsOf(session, categoryCode);
    const checked = validateAnswers(items, input.answers ?? {}, input.comments ?? {}, input.others ?? {});
    if (checked.invalid.length) throw new ValidationError(checked.invalid, 'respond:errors.malformed');
    await this.inSave(session, language, async (trx, response) => {
      const rows = items.filter((i) => checked.answers.has(i.code)).map((i) => ({ itemId: i.id, ...checked.answers.get(i.code)! }));
      await this.repo.upsertAnswers(trx, response.id, response.roundId, rows);
    });
    // An item answered on an earlier visit is not missing just because this post left it out.
    const missing = checked.missing.filter((e) => {
      const item = items.find((i) => `answers.${i.code}` === e.path);
      return !item || !session.answers.has(item.id);
    });
    return { missing };
  }

  /** The answer of a response that is already submitted: a replay with its key, or a refusal. */
  private alreadySubmitted(response: ResponseRecord, idempotencyKey: string | undefined): SubmitResult {
    if (idempotencyKey && response.idempotencyKey === idempotencyKey) {
      return { responseId: response.id, replay: true, submittedAt: response.submittedAt ?? '' };
    }
    throw new RespondentStop('alreadySubmitted', { submittedAt: response.submittedAt });
  }

  /**
   * The step-by-step flow's final submit: the stored profile and answers, checked for
   * completeness, go through the one-shot path (store). The checks read the stored answers
   * before the transaction, so the write happens only if the response was not saved again since
   * (its updated_at); if it was, the checks run again on what is stored now.
   */
  async submit(session: RespondentSession, idempotencyKey: string | undefined, language: Language): Promise<SubmitResult> {
    for (let attempt = 1; ; attempt++) {
      const response = session.response;
      if (response?.status === 'submitted') return this.alreadySubmitted(response, idempotencyKey);
      const visible = this.visible(session);
      const missing = response ? this.missing(session) : missingAnswers(session.form, {}, new Set());
      if (!response || missing.length) throw new ValidationError(missing, 'respond:errors.incompleteSubmit');
      // An answer given before a later change hid its question is not kept; the profile's always are.
      const shown = new Set(visible.map((i) => i.id));
      const answers = [...this.profileRows(session.form, session.profile), ...[...session.answers.values()].filter((a) => shown.has(a.itemId))];
      const result = await this.store(session, { language, idempotencyKey, answers, unchangedSince: response.updatedAt });
      if (result !== 'changed') return this.submitted(session, result);
      if (attempt === 3) throw new Error(`response of invitation ${session.invitation.id} kept changing during its submission`);
      session = await this.openSession(session.invitation.id, { allowSubmitted: true });
    }
  }

  /**
   * POST /respond/submit-all: the profile and every answer in one request, validated completely
   * before anything is written, then stored and submitted by the one-shot path.
   */
  async submitAll(session: RespondentSession, input: TSubmitAllBody, language: Language): Promise<SubmitResult> {
    if (session.response?.status === 'submitted') return this.alreadySubmitted(session.response, input.idempotencyKey);
    const lang = input.language ?? language;
    const territories = await this.territories();
    const profile = validateProfile(session.form.profile, territories, input.profile);
    // Conditions refer to earlier pages: parse page by page, and ask (and keep) only what the answers before it show.
    const parsed = validateAnswers(session.form.items, input.answers, input.comments ?? {}, input.others ?? {});
    const columns = new Map(session.form.items.filter((i) => parsed.answers.has(i.code)).map((i) => [i.id, parsed.answers.get(i.code)!.columns]));
    const visible = visibleItems(session.form, chosenOptions(session.form, profile.profile, columns));
    const shown = new Set(visible.map((i) => i.code));
    // A hidden question is neither required nor stored, so what was posted for it is set aside.
    const hidden = new Set(session.form.items.filter((i) => !shown.has(i.code)).map((i) => `answers.${i.code}`));
    const invalid = [...profile.invalid, ...parsed.invalid.filter((e) => !hidden.has(e.path))];
    if (invalid.length) throw new ValidationError(invalid, 'respond:errors.malformed');
    const missing = [...profile.missing, ...parsed.missing.filter((e) => !hidden.has(e.path))];
    if (missing.length) throw new ValidationError(missing, 'respond:errors.incompleteSubmit');
    const answers = [...this.profileRows(session.form, profile.profile), ...visible.filter((i) => parsed.answers.has(i.code)).map((i) => ({ itemId: i.id, ...parsed.answers.get(i.code)! }))];
    const result = await this.store(session, { language: lang, idempotencyKey: input.idempotencyKey, answers, whole: true });
    // Without unchangedSince the write is refused only for a submitted response, which store answers itself.
    if (result === 'changed') throw new Error('one-shot submission refused without a submitted response');
    return this.submitted(session, result);
  }

  /** The profile answers as answer rows (the profile items have no comments). */
  private profileRows(form: QuestionnaireForm, profile: ProfileAnswers): AnswerWrite[] {
    return profileAnswerRows(form, profile).map((r) => ({ ...r, comment: null }));
  }

  private submitted(session: RespondentSession, result: SubmitResult): SubmitResult {
    if (!result.replay) this.onSubmitted(session.invitation.roundId);
    return result;
  }

  /**
   * The one-shot submission, in one transaction of at most six statements (BEGIN and COMMIT
   * included): the response row upserted as submitted (the race and idempotency decision),
   * the old answers deleted (unless the row is new), the new ones inserted in one multi-row INSERT, the invitation moved
   * to submitted through its owner. A refusal at any step rolls all of it back.
   * 'changed': the response was saved again after the caller's checks (see submit).
   */
  private async store(
    session: RespondentSession,
    submission: { language: Language; idempotencyKey: string | undefined; answers: AnswerWrite[] } & ({ whole: true } | { unchangedSince: string }),
  ): Promise<SubmitResult | 'changed'> {
    const { invitation } = session;
    const { answers, idempotencyKey, ...row } = submission;
    return this.repo.transaction(async (trx) => {
      const now = nowIso();
      const response = await this.repo.submitResponse(trx, { ...row, invitationId: invitation.id, roundId: invitation.roundId, now, idempotencyKey: idempotencyKey ?? null });
      if (response === undefined) {
        const current = await this.repo.findResponseByInvitation(invitation.id, trx);
        if (current?.status === 'submitted') return this.alreadySubmitted(current, idempotencyKey);
        return 'changed';
      }
      const responseId = response.id;
      await this.repo.replaceAnswers(trx, response, invitation.roundId, answers);
      if (!(await this.invitations.move(invitation.id, 'submitted', now, trx))) {
        // Expired or withdrawn since the session was opened: nothing of the submission stays.
        const current = await this.invitations.find(invitation.id, trx);
        throw current?.status === 'submitted' ? new RespondentStop('alreadySubmitted', { submittedAt: null }) : new RespondentStop('expired');
      }
      return { responseId, replay: false, submittedAt: now };
    });
  }
}
