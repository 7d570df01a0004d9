import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../../errors';
import { createTerritoryMatcher, type TerritoryMatcher } from './territories.matcher';
import type { TerritoriesRepository } from './territories.repository';
import type { TerritoryRecord, TTerritoryInput } from './territories.schemas';

/**
 * How long a process answers listLeaves from its own copy. Respondents' pages and submissions
 * read the list on every request, and the directory changes a few times a year: a territory
 * added or renamed through another process reaches this one's respondents within this time
 * (this process's own changes at once).
 */
export const LEAVES_CACHE_MS = 5_000;

export class TerritoriesService {
  private leaves: { readAt: number; list: Promise<TerritoryRecord[]> } | undefined;

  constructor(
    private readonly repo: TerritoriesRepository,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Inside a transaction pass it on (SQLite has one connection). */
  list(trx?: Knex.Transaction): Promise<TerritoryRecord[]> {
    return this.repo.list(trx);
  }

  /**
   * Territories a respondent or a target can be attached to (districts and cities, not the
   * region itself), in the order of their position, then of their English name.
   */
  async listLeaves(): Promise<TerritoryRecord[]> {
    const now = this.clock();
    if (!this.leaves || now - this.leaves.readAt >= LEAVES_CACHE_MS) {
      const list = this.readLeaves();
      // A failed read is not kept: the next request tries again.
      list.catch(() => {
        if (this.leaves?.list === list) this.leaves = undefined;
      });
      this.leaves = { readAt: now, list };
    }
    return [...(await this.leaves.list)];
  }

  private async readLeaves(): Promise<TerritoryRecord[]> {
    const all = await this.repo.list();
    const parents = new Set(all.map((t) => t.parentId).filter((id): id is number => id !== null));
    return all.filter((t) => !parents.has(t.id)).sort((a, b) => a.position - b.position || (a.name_en < b.name_en ? -1 : a.name_en > b.name_en ? 1 : 0));
  }

  /** Which of `ids` exist. Inside a transaction pass it on: SQLite has one connection, and a query outside it would wait forever. */
  existingIds(ids: number[], trx?: Knex.Transaction): Promise<Set<number>> {
    return this.repo.existingIds(ids, trx);
  }

  async get(id: number): Promise<TerritoryRecord> {
    const t = await this.repo.findById(id);
    if (!t) throw new NotFoundError();
    return t;
  }

  findByCode(code: string): Promise<TerritoryRecord | undefined> {
    return this.repo.findByCode(code);
  }

  async create(input: TTerritoryInput): Promise<number> {
    const id = await this.repo.transaction(async (trx) => {
      await this.check(input, null, trx);
      return this.repo.create(input, trx);
    });
    this.leaves = undefined;
    return id;
  }

  async update(id: number, input: TTerritoryInput): Promise<void> {
    await this.repo.transaction(async (trx) => {
      if (!(await this.repo.findById(id, trx))) throw new NotFoundError();
      await this.check(input, id, trx);
      await this.repo.update(id, input, trx);
    });
    this.leaves = undefined;
  }

  /** Code unique; the parent exists and is not the territory itself or one of its descendants. */
  private async check(input: TTerritoryInput, id: number | null, trx: Knex.Transaction): Promise<void> {
    const sameCode = await this.repo.findByCode(input.code, trx);
    if (sameCode && sameCode.id !== id) throw new ValidationError([{ path: 'code', key: 'territories:codeTaken' }]);
    let parentId = input.parentId;
    const seen = new Set<number>();
    while (parentId !== null) {
      if (parentId === id || seen.has(parentId)) throw new ValidationError([{ path: 'parentId', key: 'territories:parentCycle' }]);
      seen.add(parentId);
      const parent = await this.repo.findById(parentId, trx);
      if (!parent) throw new ValidationError([{ path: 'parentId', key: 'errors:field.invalidChoice' }]);
      parentId = parent.parentId;
    }
  }

  /** A territory by code, or by name in any language, case-insensitively (see territories.matcher.ts). */
  async findByAnyName(nameOrCode: string): Promise<TerritoryRecord | undefined> {
    return (await this.matcher())(nameOrCode);
  }

  /** Load the table once and match many names (an uploaded list of enterprises). */
  async matcher(): Promise<TerritoryMatcher> {
    return createTerritoryMatcher(await this.repo.list());
  }
}
