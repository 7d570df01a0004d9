/**
 * The baseline: what the same stack does with no application around it. Express, the same
 * knex driver and pool (src/db/knex.ts: one SQLite connection with WAL and synchronous=FULL,
 * or pg), the same schema; no helmet, cookies, CSRF, sessions, i18n, logging or validation.
 *
 * - POST /submit/:invitationId: parses the very body the real route gets and inserts the same
 *   rows (one response, one answer per item) in one transaction.
 * - GET /rank/:roundId: the bare GROUP BY that a ranking needs, as JSON.
 * - GET /export/:roundId.csv and .xlsx: responses pivoted to one row each, paged by key and
 *   streamed with csv-stringify / the exceljs streaming writer.
 *
 * Environment: DATABASE_URL, PORT, BASELINE_ROUND_ID. The body is that of POST /respond/submit-all
 * (profile[...], answers[CODE], idempotencyKey, language, _csrf), form-encoded.
 */
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import express from 'express';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { bareRanking } from '../lib/bare';

const config = loadConfig({ ...process.env, JWT_SECRET: 'x'.repeat(32) });
const db: Knex = createDb(config.database);
const roundId = Number(process.env.BASELINE_ROUND_ID);
const PAGE = 500;

type Body = { profile?: Record<string, unknown>; answers?: Record<string, unknown>; idempotencyKey?: unknown; language?: unknown };

async function main(): Promise<void> {
  const allItems = await db('questionnaire_items as i')
    .join('rounds as r', 'r.questionnaire_id', 'i.questionnaire_id')
    .where('r.id', roundId)
    .orderBy('i.position')
    .select<{ id: number; code: string; kind: string; role: string | null }[]>('i.id', 'i.code', 'i.kind', 'i.role');
  // The profile is stored as answers of the profile items (territory, sector, size, employees, innovated).
  const items = allItems.filter((i) => i.kind === 'rating');
  const profileItems = allItems.filter((i) => i.role !== null && ['territory', 'sector', 'size', 'employees', 'innovated'].includes(i.role));
  const roleItem = (role: string) => profileItems.find((i) => i.role === role)?.id;
  if (items.length === 0) throw new Error(`round ${roundId} has no items`);
  const territoryIds = new Map((await db('territories').select<{ id: number; code: string }[]>('id', 'code')).map((t) => [t.code, Number(t.id)]));

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: true, limit: '200kb', parameterLimit: 5000 }));

  app.post('/submit/:invitationId', async (req, res) => {
    try {
      const body = (req.body ?? {}) as Body;
      const profile = body.profile ?? {};
      const answers = body.answers ?? {};
      const now = new Date().toISOString();
      await db.transaction(async (trx) => {
        const [row] = await trx('responses')
          .insert({
            round_id: roundId,
            invitation_id: Number(req.params.invitationId),
            status: 'submitted',
            language: typeof body.language === 'string' ? body.language : 'kk',
            idempotency_key: typeof body.idempotencyKey === 'string' ? body.idempotencyKey : null,
            started_at: now,
            updated_at: now,
            submitted_at: now,
          })
          .returning('id');
        const responseId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
        type Row = { response_id: number; item_id: number; round_id: number; value: number | null; cannot_judge: boolean; number_value: number | null; choice: string | null };
        const profileRows = profileItems.flatMap((it): Row[] => {
          const v = profile[it.code];
          if (v === undefined || v === '') return [];
          const row: Row = { response_id: responseId, item_id: it.id, round_id: roundId, value: null, cannot_judge: false, number_value: null, choice: null };
          if (it.role === 'employees') return Number.isFinite(Number(v)) ? [{ ...row, number_value: Number(v) }] : [];
          return [{ ...row, choice: Array.isArray(v) ? v.map(String).join(' ') : String(v) }];
        });
        await trx('answers').insert([
          ...profileRows,
          ...items.map((it) => {
            const value = Number(answers[it.code]);
            const rated = value >= 1 && value <= 5;
            return { response_id: responseId, item_id: it.id, round_id: roundId, value: rated ? value : null, cannot_judge: !rated, number_value: null, choice: null };
          }),
        ]);
      });
      res.status(303).location('/done').end();
    } catch (e) {
      res.status(500).send(String(e));
    }
  });

  app.get('/rank/:roundId', async (req, res) => {
    res.json({ rows: await bareRanking(db, Number(req.params.roundId)) });
  });

  /** Responses of a round, one row per response, pages of PAGE responses by primary key. */
  async function* pivotedRows(round: number): AsyncGenerator<Array<string | number | null>> {
    let after = 0;
    for (;;) {
      const responses = await db('responses')
        .where('round_id', round)
        .andWhere('status', 'submitted')
        .andWhere('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .select<{ id: number; submitted_at: string }[]>('id', 'submitted_at');
      if (responses.length === 0) return;
      const first = responses[0]!.id;
      const last = responses.at(-1)!.id;
      after = last;
      // By the primary key (response_id, item_id) alone: with round_id in the WHERE clause SQLite
      // picks the (round_id, item_id, value) index and reads the whole round for every page.
      const answers = await db('answers')
        .whereBetween('response_id', [first, last])
        .select<{ response_id: number; item_id: number; value: number | null; choice: string | null }[]>('response_id', 'item_id', 'value', 'choice');
      const byResponse = new Map<number, Map<number, number | string | null>>();
      for (const a of answers) {
        let m = byResponse.get(a.response_id);
        if (!m) byResponse.set(a.response_id, (m = new Map()));
        m.set(a.item_id, a.choice ?? a.value);
      }
      const profileOf = (m: Map<number, number | string | null> | undefined, role: string) => {
        const id = roleItem(role);
        return id === undefined ? null : (m?.get(id) ?? null);
      };
      for (const r of responses) {
        const m = byResponse.get(r.id);
        const territory = profileOf(m, 'territory');
        yield [r.id, territory === null ? null : (territoryIds.get(String(territory)) ?? null), profileOf(m, 'sector'), profileOf(m, 'size'), r.submitted_at, ...items.map((it) => m?.get(it.id) ?? null)];
      }
    }
  }

  const header = ['id', 'territory', 'sector', 'size', 'submitted_at', ...items.map((i) => i.code)];

  app.get('/export/:roundId.csv', async (req, res) => {
    res.type('text/csv');
    const csv = stringify();
    csv.pipe(res);
    csv.write(header);
    for await (const row of pivotedRows(Number(req.params.roundId))) {
      if (!csv.write(row)) await new Promise((r) => csv.once('drain', r));
    }
    csv.end();
  });

  app.get('/export/:roundId.xlsx', async (req, res) => {
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useSharedStrings: false, useStyles: false });
    const sheet = wb.addWorksheet('responses');
    sheet.addRow(header).commit();
    for await (const row of pivotedRows(Number(req.params.roundId))) sheet.addRow(row).commit();
    sheet.commit();
    await wb.commit();
  });

  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`Baseline listening on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  });
  const stop = () => server.close(() => void db.destroy().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`baseline failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
