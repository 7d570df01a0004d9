import type { Knex } from 'knex';
import { HeapBudget } from '../../heap';
import { nowIso } from '../../db/dialect';
import { ConflictError, NotFoundError, ValidationError, zodFieldErrors, type FieldError } from '../../errors';
import { localized, type Language } from '../../i18n';
import { parseCsvTable, readUploadedTable, TableReadError, type CellValue, type TableRow } from '../../lib/spreadsheet';
import { generateLinkToken, generateLinkTokens, hashToken } from '../../lib/tokens';
import type { TProfileQuestion } from '../questionnaires/questionnaires.schemas';
import type { QuestionnairesService } from '../questionnaires/questionnaires.service';
import type { RoundRecord } from '../rounds/rounds.schemas';
import type { RoundsService } from '../rounds/rounds.service';
import { normaliseName, type TerritoryMatcher } from '../territories/territories.matcher';
import type { TerritoryRecord } from '../territories/territories.schemas';
import type { TerritoriesService } from '../territories/territories.service';
import { batchPayload, idRuns, opaqueId, readBatchPayload, type IdRuns } from './invitations.links';
import type { InvitationExportRow, InvitationsRepository } from './invitations.repository';
import { seal, unseal } from '../../lib/seal';
import { statesBefore } from './invitations.state';
import {
  IMPORT_TTL_MS,
  INVITATIONS_PAGE_SIZE,
  LINK_BATCH_TTL_MS,
  MAX_ENTERPRISES,
  ZEnterpriseInput,
  enterpriseKey,
  type BadRow,
  type CreatedInvitation,
  type InvitationDetail,
  type InvitationMailTarget,
  type InvitationListRow,
  type ResolvedEnterprise,
  type HistoricInvitation,
  type InvitationRecord,
  type TEnterpriseInput,
  type TInvitationFilters,
  type TInvitationState,
  type TCreateInvitationsInput,
} from './invitations.schemas';

/** Purpose under which an invitation's link token is sealed (see src/lib/seal.ts). */
const LINK_SEAL = 'invitation-link';
/** Enterprises whose tokens are made and rows inserted at a time within an import's transaction. */
const INSERT_CHUNK = 2000;
/** Uploads at least this large refresh the table's statistics for the planner (PostgreSQL's ANALYZE, a fraction of a second). */
const STATISTICS_AFTER = 10_000;

export const ENTERPRISE_FIELDS = ['name', 'contact', 'email', 'language', 'territory', 'sector', 'size'] as const;
type EnterpriseField = (typeof ENTERPRISE_FIELDS)[number];
const REQUIRED_COLUMNS: EnterpriseField[] = ['name', 'territory', 'sector', 'size'];

/**
 * Header names accepted for each column (compared after normaliseName): the English names
 * the help text documents, plus what Kazakh and Russian users naturally type.
 */
const HEADER_ALIASES: Record<EnterpriseField, string[]> = {
  name: ['name', 'enterprise', 'enterprise name', 'company', 'атауы', 'кәсіпорын', 'кәсіпорын атауы', 'название', 'наименование', 'предприятие', 'организация', 'компания'],
  contact: ['contact', 'phone', 'байланыс', 'телефон', 'контакт', 'контакты'],
  email: ['email', 'e-mail', 'mail', 'эл. пошта', 'электрондық пошта', 'эл. почта', 'электронная почта', 'почта'],
  language: ['language', 'lang', 'тіл', 'язык'],
  territory: ['territory', 'district', 'city', 'аумақ', 'аудан', 'қала', 'территория', 'район', 'город'],
  sector: ['sector', 'activity', 'сала', 'қызмет түрі', 'сектор', 'отрасль', 'вид деятельности'],
  size: ['size', 'enterprise size', 'көлемі', 'көлем', 'мөлшері', 'размер', 'размер предприятия'],
};
const COLUMN_BY_HEADER = new Map<string, EnterpriseField>(
  Object.entries(HEADER_ALIASES).flatMap(([field, names]) => names.map((n) => [normaliseName(n), field as EnterpriseField] as const)),
);

export interface ChoiceOption {
  code: string;
  text: { kk: string; ru: string; en: string };
}

/** What rows are resolved against: the territories table and the round questionnaire's options. */
export interface EnterpriseLookups {
  territories: TerritoryRecord[];
  matchTerritory: TerritoryMatcher;
  sectorOptions: ChoiceOption[];
  sizeOptions: ChoiceOption[];
  /** The options by normalised code or label (optionIndex). */
  sectorByLabel: Map<string, string>;
  sizeByLabel: Map<string, string>;
}

export type ImportOutcome =
  | { kind: 'imported'; batchId: string; total: number }
  | { kind: 'preview'; importId: string; goodCount: number; bad: BadRow[]; badCount: number; filename: string | null };

function optionsOf(profile: TProfileQuestion[], code: string): ChoiceOption[] {
  const q = profile.find((p) => p.code === code);
  return q && (q.type === 'choice' || q.type === 'multi-choice') ? q.options.map((o) => ({ code: o.code, text: o.text })) : [];
}

/**
 * Option codes by their code or label in any language, normalised (case and spacing ignored).
 * Built once per list: normalising every label of every option for each of 100,000 rows was
 * ten million normalisations and most of an upload's garbage. The first option to claim a
 * label keeps it, as a search in option order would.
 */
function optionIndex(options: ChoiceOption[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const o of options) {
    for (const label of [o.code, o.text.kk, o.text.ru, o.text.en]) {
      const key = normaliseName(label);
      if (!index.has(key)) index.set(key, o.code);
    }
  }
  return index;
}

/** Free-text fallback when the questionnaire has no such question: the value itself, if it fits the column. */
function freeCode(value: string, max: number): string | undefined {
  return value.length <= max ? value : undefined;
}

export class InvitationsService {
  constructor(
    private readonly repo: InvitationsRepository,
    private readonly secret: string,
    private readonly rounds: RoundsService,
    private readonly territories: TerritoriesService,
    private readonly questionnaires: QuestionnairesService,
  ) {}

  /** The round, from its owner (NotFoundError if absent). */
  getRound(id: number): Promise<RoundRecord> {
    return this.rounds.get(id);
  }

  find(id: number, trx?: Knex.Transaction): Promise<InvitationRecord | undefined> {
    return this.repo.findById(id, trx);
  }

  /** The invitation of a link token (the token is hashed; the link itself is never stored). */
  findByToken(token: string): Promise<InvitationRecord | undefined> {
    return this.repo.findByTokenHash(hashToken(token));
  }

  /**
   * The one function that changes an invitation's state (see invitations.state.ts): moves it to
   * `to` if the state machine allows it from the stored state, else leaves it. Pass the
   * transaction of the caller's write (a page save, a submission) so both stand together.
   */
  move(invitationId: number, to: TInvitationState, now: string = nowIso(), trx?: Knex.Transaction): Promise<boolean> {
    return this.repo.moveState(invitationId, statesBefore(to), to, now, trx);
  }

  /**
   * Demo data: invitations with a past (each already in the state and with the times the plan
   * gives), inserted in bulk inside the caller's transaction. Ids by token hash.
   */
  insertHistoric(trx: Knex.Transaction, roundId: number, rows: HistoricInvitation[]): Promise<Map<string, number>> {
    return this.repo.insertHistoric(trx, roundId, rows);
  }

  /** A new invitation for a visitor of a public link (inside the transaction that gives it its response). */
  createPublic(trx: Knex.Transaction, input: { roundId: number; tokenHash: string; now: string }): Promise<number> {
    return this.repo.insertPublicInvitation(trx, input);
  }

  /** Invitations are added while a round is being prepared or is running, not after. */
  private assertAcceptsInvitations(round: RoundRecord): void {
    if (round.status === 'closed' || round.status === 'archived') {
      throw new ConflictError('round_closed', 'invitations:errors.roundClosed');
    }
  }

  async lookups(round: RoundRecord): Promise<EnterpriseLookups> {
    const questionnaire = await this.questionnaires.getQuestionnaire(round.questionnaireId);
    const sectorOptions = optionsOf(questionnaire.definition.profile, 'sector');
    const sizeOptions = optionsOf(questionnaire.definition.profile, 'size');
    return {
      territories: await this.territories.list(),
      matchTerritory: await this.territories.matcher(),
      sectorOptions,
      sizeOptions,
      sectorByLabel: optionIndex(sectorOptions),
      sizeByLabel: optionIndex(sizeOptions),
    };
  }

  /** Resolve one shape-checked enterprise; every unresolvable field is reported. */
  resolve(input: TEnterpriseInput, lookups: EnterpriseLookups): { enterprise?: Omit<ResolvedEnterprise, 'line'>; errors: Array<{ field: EnterpriseField; key: string; params: Record<string, unknown> }> } {
    const errors: Array<{ field: EnterpriseField; key: string; params: Record<string, unknown> }> = [];
    const territory = lookups.matchTerritory(input.territory);
    if (!territory) errors.push({ field: 'territory', key: 'invitations:errors.unknownTerritory', params: { value: input.territory } });
    const sector = lookups.sectorOptions.length ? lookups.sectorByLabel.get(normaliseName(input.sector)) : freeCode(input.sector, 60);
    if (!sector) {
      errors.push({ field: 'sector', key: 'invitations:errors.unknownOption', params: { value: input.sector, options: lookups.sectorOptions.map((o) => o.code).join(', ') } });
    }
    const size = lookups.sizeOptions.length ? lookups.sizeByLabel.get(normaliseName(input.size)) : freeCode(input.size, 20);
    if (!size) {
      errors.push({ field: 'size', key: 'invitations:errors.unknownOption', params: { value: input.size, options: lookups.sizeOptions.map((o) => o.code).join(', ') } });
    }
    if (errors.length || !territory || !sector || !size) return { errors };
    return {
      enterprise: { name: input.name, contact: input.contact ?? null, email: input.email?.toLowerCase() ?? null, language: input.language ?? null, territoryId: territory.id, sector, size },
      errors,
    };
  }

  /**
   * An enterprise listed twice (same name in the same territory, ignoring case and spacing),
   * in the file or already invited to the round, would get two links and could answer twice:
   * every repeat is reported as a bad row and left out unless the administrator fixes the list.
   */
  private async flagDuplicates(roundId: number, good: ResolvedEnterprise[], bad: BadRow[]): Promise<ResolvedEnterprise[]> {
    const keys = good.map((g) => enterpriseKey(g.name, g.territoryId));
    // Only the file's own keys are looked up (an index per round): an upload costs the size of
    // the file, not of the round, which at national size holds millions.
    const invited = await this.repo.existingEnterpriseKeys(roundId, [...new Set(keys)]);
    // Where each key was first seen: the round, or the file's line.
    const seen = new Map<string, number | 'round'>([...invited].map((k) => [k, 'round']));
    const kept: ResolvedEnterprise[] = [];
    for (const [index, g] of good.entries()) {
      const k = keys[index]!;
      const first = seen.get(k);
      if (first === undefined) {
        seen.set(k, g.line);
        kept.push(g);
      } else {
        bad.push({ line: g.line, column: 'name', value: g.name, key: first === 'round' ? 'invitations:errors.duplicateInRound' : 'invitations:errors.duplicateInFile', params: { line: first } });
      }
    }
    return kept;
  }

  /**
   * Create the invitations, their hashed tokens, an audit entry and the one-time link batch in
   * one transaction. The plaintext links exist only in the returned list.
   */
  async createInvitations(
    round: RoundRecord,
    actorId: number,
    enterprises: Array<Omit<ResolvedEnterprise, 'line'>>,
    base: string,
    inSameTransaction?: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<{ invitations: CreatedInvitation[]; batchId: string }> {
    const invitations: CreatedInvitation[] = new Array(enterprises.length);
    const { batchId } = await this.storeInvitations(round, actorId, enterprises, inSameTransaction, undefined, (index, id, token) => {
      invitations[index] = { id, link: `${base}/r/${token}`, ...enterprises[index]! };
    });
    return { invitations, batchId };
  }

  /**
   * What createInvitations stores, without building the list of links: an upload of 100,000
   * enterprises only needs the batch (its links are downloaded from the batch page), so only the
   * ids of the new invitations accumulate. Tokens are made, hashed, sealed and inserted
   * INSERT_CHUNK enterprises at a time inside the one transaction; a failure anywhere still rolls
   * the whole list back. `created` hears each new invitation's index in `enterprises`, id and token.
   */
  async storeInvitations(
    round: RoundRecord,
    actorId: number,
    enterprises: ReadonlyArray<Omit<ResolvedEnterprise, 'line'>>,
    inSameTransaction?: (trx: Knex.Transaction) => Promise<void>,
    heap = new HeapBudget(),
    created?: (index: number, id: number, token: string) => void,
  ): Promise<{ total: number; batchId: string }> {
    this.assertAcceptsInvitations(round);
    const now = nowIso();
    const batchId = opaqueId();
    await this.repo.purgeExpired(now);
    await this.repo.transaction(async (trx) => {
      this.assertAcceptsInvitations(await this.rounds.get(round.id, trx));
      if (inSameTransaction) await inSameTransaction(trx);
      const ids: number[] = [];
      for (let from = 0; from < enterprises.length; from += INSERT_CHUNK) {
        heap.check();
        const chunk = enterprises.slice(from, from + INSERT_CHUNK);
        const tokens = generateLinkTokens(chunk.length);
        const position = new Map<string, number>();
        const rows = chunk.map((e, i) => {
          const tokenHash = hashToken(tokens[i]!);
          position.set(tokenHash, i);
          return { ...e, tokenHash, tokenSealed: seal(this.secret, LINK_SEAL, tokens[i]!) };
        });
        for (const row of await this.repo.insertInvitations(trx, round.id, rows, now)) {
          ids.push(row.id);
          const i = position.get(row.tokenHash)!;
          created?.(from + i, row.id, tokens[i]!);
        }
      }
      await this.repo.createLinkBatch(
        trx,
        {
          id: batchId,
          roundId: round.id,
          createdBy: actorId,
          linkCount: enterprises.length,
          payload: batchPayload(idRuns(ids)),
          expiresAt: new Date(Date.now() + LINK_BATCH_TTL_MS).toISOString(),
        },
        now,
      );
      await this.repo.audit(trx, actorId, 'invitations.create', `round:${round.id}`, `count=${enterprises.length}`, now);
    });
    if (enterprises.length >= STATISTICS_AFTER) await this.repo.refreshStatistics();
    return { total: enterprises.length, batchId };
  }

  /** The API: everything valid or nothing created; errors carry paths like enterprises.3.territory. */
  async createFromApi(roundId: number, actorId: number, input: TCreateInvitationsInput, base: string): Promise<CreatedInvitation[]> {
    const round = await this.getRound(roundId);
    this.assertAcceptsInvitations(round);
    // Shape errors of single rows do not stop the resolution of the others: the caller gets every error at once.
    const fields: FieldError[] = [...input.rowErrors];
    const lookups = await this.lookups(round);
    const resolved: Array<Omit<ResolvedEnterprise, 'line'>> = [];
    for (const { index, enterprise: row } of input.rows) {
      const { enterprise, errors } = this.resolve(row, lookups);
      for (const e of errors) fields.push({ path: `enterprises.${index}.${e.field}`, key: e.key, params: e.params });
      if (enterprise) resolved.push(enterprise);
    }
    if (fields.length) throw new ValidationError(fields);
    return (await this.createInvitations(round, actorId, resolved, base)).invitations;
  }

  /**
   * A pasted or uploaded list: without bad rows it is imported at once; with bad rows nothing
   * is imported and the checked rows are parked until the administrator confirms the good ones.
   * Each row is checked as it is read (the table itself is never held whole); unreadable input
   * is a field error on `fieldPath`.
   */
  async importList(roundId: number, actorId: number, source: { text: string } | { buffer: Buffer }, filename: string | null, fieldPath: string): Promise<ImportOutcome> {
    const round = await this.getRound(roundId);
    this.assertAcceptsInvitations(round);
    // One heap budget for the whole upload: reading, checking and storing (src/heap.ts).
    const heap = new HeapBudget();
    try {
      return await this.checkAndStore(round, actorId, source, filename, fieldPath, heap);
    } finally {
      heap.release();
    }
  }

  private async checkAndStore(round: RoundRecord, actorId: number, source: { text: string } | { buffer: Buffer }, filename: string | null, fieldPath: string, heap: HeapBudget): Promise<ImportOutcome> {
    const roundId = round.id;
    const lookups = await this.lookups(round);
    const checker = new TableChecker((input) => this.resolve(input, lookups), heap);
    const sink = (row: TableRow) => checker.add(row);
    // Only the buffer's text is held while reading; a 100,000-row list is checked in the
    // parser's slices, other requests running in between.
    try {
      if ('text' in source) await parseCsvTable(source.text, MAX_ENTERPRISES, sink);
      else await readUploadedTable(source.buffer, MAX_ENTERPRISES, sink);
    } catch (e) {
      if (e instanceof TableReadError) throw new ValidationError([{ path: fieldPath, key: `invitations:errors.file.${e.reason}`, params: e.params }]);
      throw e;
    }
    const checked = checker.result(fieldPath);
    const bad = checked.bad;
    const good = await this.flagDuplicates(round.id, checked.good, bad);
    bad.sort((a, b) => a.line - b.line);
    if (bad.length === 0) {
      const { total, batchId } = await this.storeInvitations(round, actorId, good, undefined, heap);
      return { kind: 'imported', batchId, total };
    }
    const importId = opaqueId();
    const now = nowIso();
    await this.repo.purgeExpired(now);
    await this.repo.createImport(
      {
        id: importId,
        roundId,
        createdBy: actorId,
        filename: filename?.slice(0, 300) ?? null,
        goodRows: JSON.stringify(good.map((g) => [g.line, g.name, g.contact, g.territoryId, g.sector, g.size, g.email, g.language])),
        badRows: JSON.stringify(bad),
        goodCount: good.length,
        badCount: bad.length,
        expiresAt: new Date(Date.now() + IMPORT_TTL_MS).toISOString(),
      },
      now,
    );
    return { kind: 'preview', importId, goodCount: good.length, bad, badCount: bad.length, filename };
  }

  private async ownImport(roundId: number, actorId: number, importId: string) {
    const record = await this.repo.findImport(importId);
    if (!record || record.roundId !== roundId || record.createdBy !== actorId || record.expiresAt < nowIso()) {
      throw new ConflictError('import_gone', 'invitations:errors.importGone');
    }
    return record;
  }

  /** The bad rows of a parked import (for the full error report). */
  async importErrors(roundId: number, actorId: number, importId: string): Promise<BadRow[]> {
    return JSON.parse((await this.ownImport(roundId, actorId, importId)).badRows) as BadRow[];
  }

  async importSummary(roundId: number, actorId: number, importId: string): Promise<{ goodCount: number; badCount: number; filename: string | null; bad: BadRow[] }> {
    const record = await this.ownImport(roundId, actorId, importId);
    return { goodCount: record.goodCount, badCount: record.badCount, filename: record.filename, bad: JSON.parse(record.badRows) as BadRow[] };
  }

  /** Import the good rows of a parked upload. The record is deleted first, so a replayed confirm imports nothing. */
  async confirmImport(roundId: number, actorId: number, importId: string): Promise<{ batchId: string; total: number }> {
    const round = await this.getRound(roundId);
    const record = await this.ownImport(roundId, actorId, importId);
    if (record.goodCount === 0) throw new ConflictError('nothing_to_import', 'invitations:errors.nothingToImport');
    const good = (JSON.parse(record.goodRows) as Array<[number, string, string | null, number, string, string, string | null | undefined, Language | null | undefined]>).map(
      ([, name, contact, territoryId, sector, size, email, language]) => ({ name, contact, email: email ?? null, language: language ?? null, territoryId, sector, size }),
    );
    return this.storeInvitations(round, actorId, good, async (trx) => {
      // Deleted in the transaction that imports: of two concurrent confirms only one deletes, the other imports nothing.
      if (!(await this.repo.deleteImport(importId, trx))) throw new ConflictError('import_gone', 'invitations:errors.importGone');
    });
  }

  async cancelImport(roundId: number, actorId: number, importId: string): Promise<void> {
    await this.ownImport(roundId, actorId, importId);
    await this.repo.deleteImport(importId);
  }

  /**
   * Hand out the mail-merge rows of a link batch exactly once: the batch record is deleted
   * before the first row is produced. Rows: name, contact, territory, sector, size, link. Each
   * link is the invitation's sealed token, unsealed as its page is read; a withdrawn invitation
   * (its link no longer works) is left out.
   */
  async takeLinks(roundId: number, actorId: number, batchId: string, base: string, lang: Language): Promise<{ count: number; rows: AsyncIterable<CellValue[]> }> {
    const batch = await this.repo.findLinkBatch(batchId);
    if (!batch || batch.roundId !== roundId || batch.createdBy !== actorId || batch.expiresAt < nowIso()) {
      throw new ConflictError('links_gone', 'invitations:errors.linksGone');
    }
    const content = readBatchPayload(this.secret, batch.payload);
    if (!(await this.repo.deleteLinkBatch(batchId)) || !content) throw new ConflictError('links_gone', 'invitations:errors.linksGone');
    const territories = new Map((await this.territories.list()).map((t) => [t.id, t]));
    const invitations = this.batchInvitations(roundId, content);
    async function* rows(): AsyncGenerator<CellValue[]> {
      for await (const { invitation: inv, token } of invitations) {
        const territory = inv.territoryId ? territories.get(inv.territoryId) : undefined;
        yield [inv.name, inv.contact, territory ? localized(territory as unknown as Record<string, unknown>, 'name', lang) : '', inv.sector, inv.size, `${base}/r/${token}`];
      }
    }
    return { count: batch.linkCount, rows: rows() };
  }

  /** The invitations of a batch that still have a link, in id order, each with its token, read 2,000 at a time. */
  private async *batchInvitations(roundId: number, content: { runs: IdRuns; tokens?: Map<number, string> }, pageSize = 2000): AsyncGenerator<{ invitation: InvitationExportRow; token: string }> {
    for (const [fromId, toId] of content.runs) {
      let after = fromId - 1;
      for (;;) {
        const page = await this.repo.pageByIdRange(roundId, fromId, toId, after, pageSize);
        if (page.length === 0) break;
        for (const invitation of page) {
          const token = content.tokens ? content.tokens.get(invitation.id) : invitation.tokenSealed ? unseal(this.secret, LINK_SEAL, invitation.tokenSealed) : undefined;
          if (token) yield { invitation, token };
        }
        after = page[page.length - 1]!.id;
      }
    }
  }

  /**
   * A new batch as its result page shows it (after the post/redirect/get): how many links, whether
   * the one download is still available, and, when `showLinks` (the first view only, see
   * src/lib/one-time.ts), the first `limit` links. Nothing is consumed here.
   */
  async viewBatch(roundId: number, actorId: number, batchId: string, base: string, showLinks: boolean, limit: number): Promise<{ total: number; available: boolean; shown: CreatedInvitation[] }> {
    const batch = await this.repo.findLinkBatch(batchId);
    if (!batch || batch.roundId !== roundId || batch.createdBy !== actorId || batch.expiresAt < nowIso()) return { total: batch?.linkCount ?? 0, available: false, shown: [] };
    const content = showLinks ? readBatchPayload(this.secret, batch.payload) : undefined;
    const shown: CreatedInvitation[] = [];
    if (content) {
      for await (const { invitation: r, token } of this.batchInvitations(roundId, content, limit)) {
        shown.push({ id: r.id, link: `${base}/r/${token}`, name: r.name, contact: r.contact, territoryId: r.territoryId ?? 0, sector: r.sector ?? '', size: r.size ?? '' });
        if (shown.length >= limit) break;
      }
    }
    return { total: batch.linkCount, available: true, shown };
  }

  async list(roundId: number, filters: TInvitationFilters): Promise<{ rows: InvitationListRow[]; total: number; pages: number; counts: Record<TInvitationState, number> }> {
    const now = nowIso();
    const { rows, total } = await this.repo.list(roundId, filters, now, INVITATIONS_PAGE_SIZE, (filters.page - 1) * INVITATIONS_PAGE_SIZE);
    const counts = await this.repo.countByState(roundId, now);
    return { rows, total, pages: Math.max(1, Math.ceil(total / INVITATIONS_PAGE_SIZE)), counts };
  }

  // One invitation's link and what the mail module asks (issue 12).

  /**
   * Invitations of a round that have an address, with their effective state and link (rebuilt
   * from the sealed token; undefined for invitations made before links were kept). Withdrawn
   * invitations are left out. `ids` narrows to some invitations. Without `links` the links are
   * not unsealed (planning the mail of a round of 100 000 needs only to know that each is kept).
   */
  async mailTargets(roundId: number, base: string, ids?: number[], links = true): Promise<InvitationMailTarget[]> {
    const rows = await this.repo.mailTargets(roundId, nowIso(), ids);
    return rows.map((r) => {
      const token = r.tokenSealed && links ? unseal(this.secret, LINK_SEAL, r.tokenSealed) : undefined;
      return { id: r.id, name: r.name, email: r.email, language: r.language, state: r.state, hasLink: r.tokenSealed !== null, link: token ? `${base}/r/${token}` : undefined };
    });
  }

  async detail(roundId: number, invitationId: number): Promise<InvitationDetail> {
    const inv = await this.repo.detail(invitationId, nowIso());
    if (!inv || inv.roundId !== roundId) throw new NotFoundError();
    return inv;
  }

  /** The address of an invitation (opt-out links name the invitation, not the address). */
  async emailOf(invitationId: number): Promise<string | undefined> {
    return (await this.repo.detail(invitationId, nowIso()))?.email ?? undefined;
  }

  private async own(roundId: number, invitationId: number) {
    const inv = await this.repo.findInvitation(invitationId);
    if (!inv || inv.roundId !== roundId || inv.source !== 'list') throw new NotFoundError();
    return inv;
  }

  /** A new link for an invitation: the old token stops working at once. Not after submission. */
  async reissue(roundId: number, invitationId: number, actorId: number, base: string): Promise<string> {
    const inv = await this.own(roundId, invitationId);
    if (inv.submitted) throw new ConflictError('already_submitted', 'invitations:errors.alreadySubmitted');
    if (inv.withdrawn) throw new ConflictError('withdrawn', 'invitations:errors.withdrawn');
    const token = generateLinkToken();
    await this.repo.transaction(async (trx) => {
      await this.repo.replaceToken(trx, invitationId, hashToken(token), seal(this.secret, LINK_SEAL, token));
      await this.repo.audit(trx, actorId, 'invitations.reissue', `invitation:${invitationId}`, `round=${roundId}`, nowIso());
    });
    return `${base}/r/${token}`;
  }

  /** The link stops working and no more mail goes to the invitation; answers already given stay. */
  async withdraw(roundId: number, invitationId: number, actorId: number): Promise<void> {
    const inv = await this.own(roundId, invitationId);
    if (inv.submitted) throw new ConflictError('already_submitted', 'invitations:errors.alreadySubmitted');
    await this.repo.transaction(async (trx) => {
      // Through the state machine: a submitted invitation cannot be withdrawn (checked above, and
      // the compare-and-set refuses it should the submission land in between).
      const now = nowIso();
      if (!(await this.move(invitationId, 'expired', now, trx)) && !inv.withdrawn) {
        throw new ConflictError('already_submitted', 'invitations:errors.alreadySubmitted');
      }
      await this.repo.markWithdrawn(trx, invitationId, now);
      await this.repo.audit(trx, actorId, 'invitations.withdraw', `invitation:${invitationId}`, `round=${roundId}`, nowIso());
    });
  }

  /**
   * Invitations that have an address but cannot be mailed because their link was never kept
   * (made before mail existed: only the link's hash is stored, so the link itself is gone), and
   * can still answer: not submitted, withdrawn or expired. `started`: of them, how many opened
   * their link or began answering (they will need the new link to go on).
   */
  async linklessForMail(roundId: number): Promise<{ ids: number[]; started: number }> {
    const rows = (await this.repo.mailTargets(roundId, nowIso())).filter((r) => r.tokenSealed === null && r.state !== 'submitted' && r.state !== 'expired');
    return { ids: rows.map((r) => r.id), started: rows.filter((r) => r.state === 'opened' || r.state === 'in_progress').length };
  }

  /**
   * "Prepare for mail": a new link for each invitation `linklessForMail` finds, kept sealed so
   * it can be mailed. Each old link stops working at once (it cannot be kept: only its hash
   * was stored); answers already given stay with the invitation and go on from the new link.
   * An invitation that got a link in the meantime (a second click, a reissue) is left as it is.
   * Returns how many got a new link.
   */
  async prepareForMail(roundId: number, actorId: number): Promise<number> {
    await this.getRound(roundId);
    const { ids } = await this.linklessForMail(roundId);
    let prepared = 0;
    await this.repo.transaction(async (trx) => {
      for (const id of ids) {
        const token = generateLinkToken();
        prepared += await this.repo.replaceTokenIfLinkless(trx, id, hashToken(token), seal(this.secret, LINK_SEAL, token));
      }
      await this.repo.audit(trx, actorId, 'invitations.prepare_for_mail', `round:${roundId}`, `reissued=${prepared}`, nowIso());
    });
    return prepared;
  }
}

/**
 * Checks an uploaded table row by row as it is read: the header must name the required columns
 * (in any of the accepted spellings); each data row is validated and resolved (territory by
 * code or any-language name, sector and size against the questionnaire's options), and every
 * problem is reported with the row's line number in the file. Only the resolved enterprises and
 * the problems are kept. A header without the required columns is reported by result(), after
 * the read (a row sink must not throw), and then nothing is kept at all.
 */
export class TableChecker {
  private columnIndex: Map<EnterpriseField, number> | undefined;
  private header: string[] | undefined;
  private missing: EnterpriseField[] = [];
  private rows = 0;
  readonly good: ResolvedEnterprise[] = [];
  readonly bad: BadRow[] = [];

  constructor(
    private readonly resolve: (input: TEnterpriseInput) => ReturnType<InvitationsService['resolve']>,
    private readonly heap = new HeapBudget(),
  ) {}

  add(row: TableRow): void {
    if (!this.header) {
      this.header = row.cells;
      const columnIndex = new Map<EnterpriseField, number>();
      row.cells.forEach((cell, i) => {
        const field = COLUMN_BY_HEADER.get(normaliseName(cell));
        if (field && !columnIndex.has(field)) columnIndex.set(field, i);
      });
      this.columnIndex = columnIndex;
      this.missing = REQUIRED_COLUMNS.filter((c) => !columnIndex.has(c));
      return;
    }
    this.rows++;
    if (this.rows % 1000 === 0) this.heap.check();
    if (this.missing.length) return;
    const raw: Record<string, string> = {};
    for (const [field, i] of this.columnIndex!) raw[field] = row.cells[i] ?? '';
    const parsed = ZEnterpriseInput.safeParse(raw);
    if (!parsed.success) {
      for (const f of zodFieldErrors(parsed.error)) {
        this.bad.push({ line: row.line, column: f.path, value: raw[f.path] ?? '', key: f.key, params: f.params });
      }
      return;
    }
    const { enterprise, errors } = this.resolve(parsed.data);
    for (const e of errors) this.bad.push({ line: row.line, column: e.field, value: raw[e.field] ?? '', key: e.key, params: e.params });
    if (enterprise) this.good.push({ line: row.line, ...enterprise });
  }

  /** What was read, or the field error of a table without rows or without the required columns. */
  result(fieldPath: string): { good: ResolvedEnterprise[]; bad: BadRow[] } {
    if (!this.header || this.rows === 0) throw new ValidationError([{ path: fieldPath, key: 'invitations:errors.noRows' }]);
    if (this.missing.length) {
      throw new ValidationError([{ path: fieldPath, key: 'invitations:errors.missingColumns', params: { columns: this.missing.join(', '), found: this.header.join(', ') } }]);
    }
    return { good: this.good, bad: this.bad };
  }
}
