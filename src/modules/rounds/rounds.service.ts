import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../errors';
import { seal, unseal } from '../../lib/seal';
import { generateLinkToken, hashToken } from '../../lib/tokens';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { TerritoriesService } from '../territories/territories.service';
import type { RoundsRepository } from './rounds.repository';
import { ROUND_TRANSITIONS, type HistoricRound, type RoundInput, type RoundListRow, type RoundRecord, type RoundTarget, type TRoundStatus } from './rounds.schemas';

const PUBLIC_LINK_SEAL = 'round-public-link';

/**
 * The one rule the respondent flow asks: answers are accepted only while the round is open
 * AND the clock is inside [opensAt, closesAt] (a missing bound is no bound). Status alone is
 * not enough: an "open" round whose closing time has passed accepts nothing, even before an
 * administrator clicks "close".
 */
export function isRoundAcceptingAnswers(round: Pick<RoundRecord, 'status' | 'opensAt' | 'closesAt'>, now: Date = new Date()): boolean {
  if (round.status !== 'open') return false;
  const t = now.getTime();
  if (round.opensAt && t < Date.parse(round.opensAt)) return false;
  if (round.closesAt && t >= Date.parse(round.closesAt)) return false;
  return true;
}

/** For the respondent's page: accepting, not open yet, or closed (which covers draft, closed, archived and a passed closing time). */
export function roundWindowState(round: Pick<RoundRecord, 'status' | 'opensAt' | 'closesAt'>, now: Date = new Date()): 'accepting' | 'notYetOpen' | 'closed' {
  if (isRoundAcceptingAnswers(round, now)) return 'accepting';
  if (round.status === 'open' && round.opensAt && now.getTime() < Date.parse(round.opensAt)) return 'notYetOpen';
  return 'closed';
}

/**
 * The respondent flow's reading of the same rule: open (accepting), not open (a draft, or before
 * opensAt) or closed (closed, archived, or past closesAt).
 */
export function roundAvailability(round: Pick<RoundRecord, 'status' | 'opensAt' | 'closesAt'>, now: number): 'open' | 'closed' | 'notOpen' {
  if (isRoundAcceptingAnswers(round, new Date(now))) return 'open';
  if (round.status === 'closed' || round.status === 'archived') return 'closed';
  if (round.status === 'open' && round.closesAt && now >= Date.parse(round.closesAt)) return 'closed';
  return 'notOpen';
}

export function canTransition(from: TRoundStatus, to: TRoundStatus): boolean {
  return ROUND_TRANSITIONS[from].includes(to);
}

export interface RoundWithTargets extends RoundRecord {
  targets: RoundTarget[];
}

export interface SavedRound {
  round: RoundWithTargets;
  /** Present only when a public link was just created: shown once, never stored. */
  publicToken?: string;
}

export class RoundsService {
  /**
   * onClosed runs inside the closing transaction (survey indicators are published with the
   * close, or neither happens); it is injected so the rounds rules stay testable alone.
   */
  constructor(
    private readonly repo: RoundsRepository,
    private readonly questionnaires: Pick<QuestionnairesService, 'exists'>,
    private readonly territories: Pick<TerritoriesService, 'existingIds'>,
    private readonly onClosed?: (trx: Knex.Transaction, roundId: number) => Promise<unknown>,
    /** The application secret: the public link is kept sealed under it, so it can be shown again. */
    private readonly linkSecret?: string,
  ) {}

  private sealedToken(token: string): { hash: string; sealed: string | null } {
    return { hash: hashToken(token), sealed: this.linkSecret ? seal(this.linkSecret, PUBLIC_LINK_SEAL, token) : null };
  }

  /** The current public link's token, for showing it again; undefined when there is none (or it predates keeping it). */
  async publicToken(id: number): Promise<string | undefined> {
    const sealed = this.linkSecret ? await this.repo.publicTokenSealed(id) : undefined;
    return sealed ? unseal(this.linkSecret!, PUBLIC_LINK_SEAL, sealed) : undefined;
  }

  list(): Promise<RoundListRow[]> {
    return this.repo.list();
  }

  /** Every round with its questionnaire's code and version, without counting responses (`submitted` is 0). */
  listBrief(): Promise<RoundListRow[]> {
    return this.repo.list(false);
  }

  /**
   * The round, its row locked until the transaction ends, so that a second caller doing the same
   * (publishing the round's indicators twice at once) waits for the first. NotFoundError if absent.
   */
  async lock(id: number, trx: Knex.Transaction): Promise<RoundRecord> {
    await this.repo.lockForUpdate(id, trx);
    const round = await this.repo.findById(id, trx);
    if (!round) throw new NotFoundError();
    return round;
  }

  /** The round without its targets, or undefined (the respondent flow checks the window on every page). */
  find(id: number, db?: Knex.Transaction): Promise<RoundRecord | undefined> {
    return this.repo.findById(id, db);
  }

  async get(id: number, db?: Knex.Transaction): Promise<RoundWithTargets> {
    const round = await this.repo.findById(id, db);
    if (!round) throw new NotFoundError();
    return { ...round, targets: await this.repo.targets(id, db) };
  }

  /** The round a public link belongs to (the token is hashed; the link itself is never stored). */
  findByPublicToken(token: string): Promise<RoundRecord | undefined> {
    return this.repo.findByPublicTokenHash(hashToken(token));
  }

  async create(input: RoundInput, actorId: number | null, status: 'draft' | 'open' = 'draft', now = new Date()): Promise<SavedRound> {
    return this.repo.transaction(async (trx) => {
      await this.check(input, trx);
      if (status === 'open') this.checkCanOpen(input, now);
      const publicToken = input.audience === 'public' ? generateLinkToken() : undefined;
      const id = await this.repo.insert(input, status, publicToken ? hashToken(publicToken) : null, actorId, trx);
      if (publicToken) await this.repo.setPublicToken(id, this.sealedToken(publicToken), trx);
      return { round: await this.get(id, trx), publicToken };
    });
  }

  /** Demo data: a round with a past of its own (status and times as given), inside the caller's transaction. */
  insertHistoric(round: HistoricRound, trx: Knex.Transaction): Promise<number> {
    return this.repo.insertHistoric(round, trx);
  }

  /**
   * A draft can change entirely. Once opened, the questionnaire and the audience are fixed
   * (answers already refer to the questionnaire's items; links are already out); title, times
   * and targets may still change. An archived round is read-only.
   */
  async update(id: number, input: RoundInput, now = new Date()): Promise<SavedRound> {
    return this.repo.transaction(async (trx) => {
      const current = await this.get(id, trx);
      if (current.status === 'archived') throw new ConflictError('round_archived', 'rounds:errors.archived');
      const locked: FieldError[] = [];
      if (current.status !== 'draft') {
        if (input.questionnaireId !== current.questionnaireId) locked.push({ path: 'questionnaireId', key: 'rounds:errors.lockedAfterDraft' });
        if (input.audience !== current.audience) locked.push({ path: 'audience', key: 'rounds:errors.lockedAfterDraft' });
      }
      if (locked.length) throw new ValidationError(locked);
      await this.check(input, trx);
      if (current.status === 'open') this.checkCanOpen(input, now);
      await this.repo.update(id, input, trx);
      let publicToken: string | undefined;
      if (input.audience === 'public' && !current.hasPublicLink) {
        publicToken = generateLinkToken();
        await this.repo.setPublicToken(id, this.sealedToken(publicToken), trx);
      } else if (input.audience === 'invitation' && current.hasPublicLink) {
        await this.repo.setPublicToken(id, null, trx);
      }
      return { round: await this.get(id, trx), publicToken };
    });
  }

  /** Allowed changes are in ROUND_TRANSITIONS; opening also needs a closing time still ahead. */
  async changeStatus(id: number, to: TRoundStatus, now = new Date()): Promise<RoundWithTargets> {
    return this.repo.transaction(async (trx) => {
      const round = await this.get(id, trx);
      if (!canTransition(round.status, to)) {
        throw new ConflictError('invalid_transition', 'rounds:errors.invalidTransition', { from: round.status, to });
      }
      if (to === 'open') this.checkCanOpen(round, now);
      if (!(await this.repo.setStatus(id, round.status, to, trx))) {
        throw new ConflictError('invalid_transition', 'rounds:errors.invalidTransition', { from: round.status, to });
      }
      if (to === 'closed' && this.onClosed) await this.onClosed(trx, id);
      return this.get(id, trx);
    });
  }

  /** A new public link; the old one stops working at once. */
  async regeneratePublicLink(id: number): Promise<string> {
    const round = await this.get(id);
    if (round.audience !== 'public') throw new ConflictError('not_public', 'rounds:errors.notPublic');
    if (round.status === 'archived') throw new ConflictError('round_archived', 'rounds:errors.archived');
    const token = generateLinkToken();
    await this.repo.setPublicToken(id, this.sealedToken(token));
    return token;
  }

  private checkCanOpen(round: Pick<RoundInput, 'closesAt'>, now: Date): void {
    if (round.closesAt && Date.parse(round.closesAt) <= now.getTime()) {
      throw new ValidationError([{ path: 'closesAt', key: 'rounds:errors.closesInPast' }], 'rounds:errors.cannotOpen');
    }
  }

  private async check(input: RoundInput, trx: Knex.Transaction): Promise<void> {
    const fields: FieldError[] = [];
    if (!(await this.questionnaires.exists(input.questionnaireId, trx))) {
      fields.push({ path: 'questionnaireId', key: 'errors:field.invalidChoice' });
    }
    if (input.opensAt && input.closesAt && Date.parse(input.closesAt) <= Date.parse(input.opensAt)) {
      fields.push({ path: 'closesAt', key: 'rounds:errors.closesBeforeOpens' });
    }
    const ids = input.targets.map((t) => t.territoryId);
    const existing = await this.territories.existingIds(ids, trx);
    const seen = new Set<number>();
    for (const id of ids) {
      if (!existing.has(id)) fields.push({ path: `targets.t${id}`, key: 'errors:field.invalidChoice' });
      else if (seen.has(id)) fields.push({ path: `targets.t${id}`, key: 'rounds:errors.duplicateTarget' });
      seen.add(id);
    }
    if (fields.length) throw new ValidationError(fields);
  }
}
