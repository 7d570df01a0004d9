import type { Knex } from 'knex';

/**
 * The profile becomes ordinary answers (issue 10). Until now a response kept its profile as JSON
 * plus filter columns (territory_id, sector, size, employees, innovated); the profile questions
 * had no questionnaire_items rows.
 *
 * Up:
 * - questionnaire_items gains `role` (territory, sector, size, employees, innovated, funding):
 *   what analysis and monitoring use an answer for, from the definition (a profile question's
 *   conventional code, or a question's declared role).
 * - every questionnaire version gets a `_profile` category (position 0) and one item per profile
 *   question, ahead of its other items: choice-from-territories and choice are single-choice
 *   (the territory's code is the option), multi-choice is multi-choice, integer is number.
 * - each response's profile becomes answer rows of those items; a value the JSON lacks is taken
 *   from the filter column (the benchmark's loader filled only those), a value that is not one of
 *   the question's options is dropped, as the respondent form would have refused it.
 * - responses lose profile, territory_id, sector, size, employees and innovated.
 * - analysis_counted_responses gains the role values of the response (the key of its cells,
 *   derived from the answers when it is counted); the derived tables are emptied and counted
 *   again on the next read, as in 20261128_0300_question_kinds.
 *
 * Down puts the JSON and the columns back from the answers (an answer order within a multi-choice
 * is the definition's, as the form stored it) and removes the profile items, their answers and
 * the role column.
 *
 * SQLite cannot drop a column that has a foreign key (territory_id): the table is rebuilt, which
 * needs foreign keys off, and SQLite ignores that pragma inside a transaction. This migration
 * therefore runs outside knex's transaction and opens its own after switching them off (DROP
 * TABLE with foreign keys on would delete every answer through ON DELETE CASCADE).
 */
export const config = { transaction: false };

const PROFILE_CATEGORY = '_profile';
const PROFILE_TITLE = { kk: 'Кәсіпорын туралы', ru: 'О предприятии', en: 'About the enterprise' };
const LEGACY_ROLES = new Set(['territory', 'sector', 'size', 'employees', 'innovated', 'funding']);
const PAGE = 1000;

type Text = { kk: string; ru: string; en: string };
type ProfileQuestion =
  | { code: string; type: 'choice-from-territories'; required: boolean; text: Text }
  | { code: string; type: 'choice' | 'multi-choice'; required: boolean; text: Text; options: Array<{ code: string; exclusive?: boolean }> }
  | { code: string; type: 'integer'; required: boolean; text: Text; min: number; max: number };
interface Definition {
  profile?: ProfileQuestion[];
  questions?: Array<{ code: string; role?: string }>;
}

const isPg = (db: Knex) => ['pg', 'postgres', 'postgresql'].includes(String(db.client.config.client));
const n = (v: unknown) => Number(v);

function definitionOf(text: unknown): Definition {
  try {
    const parsed = JSON.parse(String(text)) as Definition;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function kindOf(q: ProfileQuestion): string {
  return q.type === 'integer' ? 'number' : q.type === 'multi-choice' ? 'multi-choice' : 'single-choice';
}

function roleOf(q: ProfileQuestion): string | null {
  if (q.type === 'choice-from-territories') return 'territory';
  return LEGACY_ROLES.has(q.code) ? q.code : null;
}

async function inTransaction(db: Knex, fn: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  if (isPg(db)) return db.transaction(fn);
  await db.raw('PRAGMA foreign_keys = OFF');
  try {
    await db.transaction(async (trx) => {
      await fn(trx);
      const violations = (await trx.raw('PRAGMA foreign_key_check')) as unknown[];
      if (violations.length) throw new Error(`foreign key violations after the profile migration: ${JSON.stringify(violations.slice(0, 3))}`);
    });
  } finally {
    await db.raw('PRAGMA foreign_keys = ON');
  }
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (!rows.length) return;
  const size = Math.max(1, Math.floor((isPg(trx) ? 30000 : 900) / Object.keys(rows[0]!).length));
  for (let i = 0; i < rows.length; i += size) await trx(table).insert(rows.slice(i, i + size));
}

interface ProfileItem {
  id: number;
  question: ProfileQuestion;
}

/** Per questionnaire id: its profile questions with the item ids they got. */
async function profileItems(trx: Knex.Transaction): Promise<Map<number, ProfileItem[]>> {
  const out = new Map<number, ProfileItem[]>();
  const questionnaires = await trx('questionnaires').select('id', 'definition');
  const rows = await trx('questionnaire_items as i')
    .join('questionnaire_categories as c', 'c.id', 'i.category_id')
    .where('c.code', PROFILE_CATEGORY)
    .select('i.id', 'i.code', 'i.questionnaire_id');
  for (const q of questionnaires) {
    const ids = new Map(rows.filter((r) => n(r.questionnaire_id) === n(q.id)).map((r) => [String(r.code), n(r.id)]));
    const items = (definitionOf(q.definition).profile ?? []).filter((p) => ids.has(p.code)).map((p) => ({ id: ids.get(p.code)!, question: p }));
    out.set(n(q.id), items);
  }
  return out;
}

export async function up(db: Knex): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.schema.alterTable('questionnaire_items', (t) => {
      t.string('role', 20).nullable();
    });
    // 1. Profile questions become items of a `_profile` category, ahead of the other items.
    for (const q of await trx('questionnaires').select('id', 'definition')) {
      const def = definitionOf(q.definition);
      const profile = def.profile ?? [];
      for (const question of def.questions ?? []) {
        if (question.role) await trx('questionnaire_items').where({ questionnaire_id: q.id, code: question.code }).update({ role: question.role });
      }
      if (profile.length === 0) continue;
      const [category] = await trx('questionnaire_categories')
        .insert({ questionnaire_id: q.id, code: PROFILE_CATEGORY, pest: null, position: 0, title_kk: PROFILE_TITLE.kk, title_ru: PROFILE_TITLE.ru, title_en: PROFILE_TITLE.en })
        .returning('id');
      const categoryId = n(typeof category === 'object' ? (category as { id: unknown }).id : category);
      await trx('questionnaire_items').where({ questionnaire_id: q.id }).update({ position: trx.raw('position + ?', [profile.length]) });
      await trx('questionnaire_items').insert(
        profile.map((p, i) => ({
          questionnaire_id: q.id,
          category_id: categoryId,
          code: p.code,
          kind: kindOf(p),
          role: roleOf(p),
          position: i + 1,
          text_kk: p.text.kk,
          text_ru: p.text.ru,
          text_en: p.text.en,
          allow_cannot_judge: false,
          allow_comment: false,
          required: p.required,
          reference_mean: null,
        })),
      );
    }

    // 2. Each response's profile becomes answers of those items.
    const items = await profileItems(trx);
    const territories = await trx('territories').select('id', 'code');
    const codeById = new Map(territories.map((t) => [n(t.id), String(t.code)]));
    const codes = new Set(codeById.values());
    let after = 0;
    for (;;) {
      const page = await trx('responses as r')
        .join('rounds as ro', 'ro.id', 'r.round_id')
        .where('r.id', '>', after)
        .orderBy('r.id')
        .limit(PAGE)
        .select('r.id', 'r.round_id', 'r.profile', 'r.territory_id', 'r.sector', 'r.size', 'r.employees', 'ro.questionnaire_id');
      if (page.length === 0) break;
      const answers: Record<string, unknown>[] = [];
      for (const r of page) {
        let json: Record<string, unknown> = {};
        try {
          const parsed = r.profile ? (JSON.parse(String(r.profile)) as unknown) : {};
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
        } catch {
          // An unreadable profile keeps only what its columns say.
        }
        const columns: Record<string, unknown> = { sector: r.sector, size: r.size, employees: r.employees };
        for (const { id, question: q } of items.get(n(r.questionnaire_id)) ?? []) {
          const v = json[q.code] ?? columns[q.code] ?? null;
          const row = { response_id: r.id, item_id: id, round_id: r.round_id, value: null, cannot_judge: false, number_value: null as number | null, choice: null as string | null, text_value: null, comment: null };
          if (q.type === 'choice-from-territories') {
            const code = typeof v === 'string' && codes.has(v) ? v : r.territory_id != null ? codeById.get(n(r.territory_id)) : typeof v === 'number' ? codeById.get(v) : undefined;
            if (code) answers.push({ ...row, choice: code });
          } else if (q.type === 'choice') {
            if (typeof v === 'string' && q.options.some((o) => o.code === v)) answers.push({ ...row, choice: v });
          } else if (q.type === 'multi-choice') {
            const chosen = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
            const inOrder = q.options.filter((o) => chosen.includes(o.code)).map((o) => o.code);
            if (inOrder.length) answers.push({ ...row, choice: inOrder.join(' ') });
          } else {
            const value = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
            if (Number.isFinite(value)) answers.push({ ...row, number_value: value });
          }
        }
      }
      await insertChunked(trx, 'answers', answers);
      after = n(page[page.length - 1]!.id);
    }

    // 3. The response row keeps no profile.
    await dropResponseProfileColumns(trx);

    // 4. Cells are keyed by the role values the counting reads from the answers.
    await trx('analysis_item_cells').delete();
    await trx('analysis_profile_cells').delete();
    await trx('analysis_counted_responses').delete();
    await trx.schema.alterTable('analysis_counted_responses', (t) => {
      t.integer('territory_id').notNullable().defaultTo(0);
      t.string('sector', 60).notNullable().defaultTo('');
      t.string('size', 20).notNullable().defaultTo('');
      t.smallint('innovated').notNullable().defaultTo(-1);
    });
  });
}

async function dropResponseProfileColumns(trx: Knex.Transaction): Promise<void> {
  const dropped = ['profile', 'territory_id', 'sector', 'size', 'employees', 'innovated'];
  if (isPg(trx)) {
    for (const column of dropped) await trx.raw('ALTER TABLE responses DROP COLUMN ??', [column]);
    return;
  }
  // SQLite: the table rebuilt without them (foreign keys are off, see above); answers refer to it by name.
  await trx.schema.createTable('responses_rebuilt', (t) => {
    t.increments('id').primary();
    t.integer('round_id').notNullable().references('id').inTable('rounds').onDelete('CASCADE');
    t.integer('invitation_id').notNullable().references('id').inTable('invitations').onDelete('CASCADE');
    t.string('status', 20).notNullable();
    t.string('language', 2).notNullable();
    t.string('idempotency_key', 100).nullable();
    t.string('started_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.string('submitted_at', 30).nullable();
  });
  const kept = ['id', 'round_id', 'invitation_id', 'status', 'language', 'idempotency_key', 'started_at', 'updated_at', 'submitted_at'].join(', ');
  await trx.raw(`INSERT INTO responses_rebuilt (${kept}) SELECT ${kept} FROM responses`);
  await trx.raw('DROP TABLE responses');
  await trx.raw('ALTER TABLE responses_rebuilt RENAME TO responses');
  await trx.raw('CREATE UNIQUE INDEX responses_invitation_id_unique ON responses (invitation_id)');
  await trx.raw('CREATE INDEX responses_round_id_status_index ON responses (round_id, status)');
}

export async function down(db: Knex): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx('analysis_item_cells').delete();
    await trx('analysis_profile_cells').delete();
    await trx('analysis_counted_responses').delete();
    for (const column of ['innovated', 'size', 'sector', 'territory_id']) await trx.raw('ALTER TABLE analysis_counted_responses DROP COLUMN ??', [column]);

    // ADD COLUMN with a REFERENCES clause and a NULL default works on both engines without a rebuild.
    await trx.raw('ALTER TABLE responses ADD COLUMN territory_id integer NULL REFERENCES territories (id) ON DELETE RESTRICT');
    await trx.schema.alterTable('responses', (t) => {
      t.string('sector', 60).nullable();
      t.string('size', 20).nullable();
      t.integer('employees').nullable();
      t.boolean('innovated').nullable();
      t.text('profile').nullable();
    });

    const items = await profileItems(trx);
    const itemById = new Map<number, ProfileItem>();
    for (const list of items.values()) for (const item of list) itemById.set(item.id, item);
    const territoryId = new Map((await trx('territories').select('id', 'code')).map((t) => [String(t.code), n(t.id)]));
    let after = 0;
    for (;;) {
      const page = await trx('responses as r').join('rounds as ro', 'ro.id', 'r.round_id').where('r.id', '>', after).orderBy('r.id').limit(PAGE).select('r.id', 'ro.questionnaire_id');
      if (page.length === 0) break;
      const first = n(page[0]!.id);
      const last = n(page[page.length - 1]!.id);
      const answers = itemById.size
        ? await trx('answers').whereBetween('response_id', [first, last]).whereIn('item_id', [...itemById.keys()]).select('response_id', 'item_id', 'choice', 'number_value')
        : [];
      for (const r of page) {
        const own = answers.filter((a) => n(a.response_id) === n(r.id));
        if (own.length === 0) continue;
        const profile: Record<string, unknown> = {};
        const update: Record<string, unknown> = {};
        for (const { id, question: q } of items.get(n(r.questionnaire_id)) ?? []) {
          const a = own.find((x) => n(x.item_id) === id);
          if (!a) continue;
          if (q.type === 'integer') profile[q.code] = n(a.number_value);
          else if (q.type === 'multi-choice') profile[q.code] = String(a.choice ?? '').split(' ').filter(Boolean);
          else profile[q.code] = String(a.choice);
          if (q.type === 'choice-from-territories') update.territory_id = territoryId.get(String(a.choice)) ?? null;
          if (q.code === 'sector' || q.code === 'size') update[q.code] = typeof profile[q.code] === 'string' ? profile[q.code] : null;
          if (q.code === 'employees' && q.type === 'integer') update.employees = profile[q.code];
          if (q.code === 'innovated' && q.type === 'multi-choice') {
            const chosen = profile[q.code] as string[];
            update.innovated = chosen.length ? chosen.some((c) => !q.options.find((o) => o.code === c)?.exclusive) : null;
          }
        }
        await trx('responses').where({ id: r.id }).update({ ...update, profile: JSON.stringify(profile) });
      }
      after = n(page[page.length - 1]!.id);
    }

    const profileCategories = trx('questionnaire_categories').where({ code: PROFILE_CATEGORY }).select('id');
    const profileItemIds = trx('questionnaire_items').whereIn('category_id', profileCategories).select('id');
    await trx('answers').whereIn('item_id', profileItemIds).delete();
    for (const [questionnaireId, list] of items) {
      await trx('questionnaire_items').where({ questionnaire_id: questionnaireId }).whereIn('category_id', profileCategories).delete();
      if (list.length) await trx('questionnaire_items').where({ questionnaire_id: questionnaireId }).update({ position: trx.raw('position - ?', [list.length]) });
    }
    await trx('questionnaire_items').whereIn('category_id', profileCategories).delete();
    await trx('questionnaire_categories').where({ code: PROFILE_CATEGORY }).delete();
    await trx.raw('ALTER TABLE questionnaire_items DROP COLUMN role');
  });
}
