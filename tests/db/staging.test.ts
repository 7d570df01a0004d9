import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGED_UPLOAD_TTL_MS, StagedUploads, ownWaiting, stagedColumns } from '../../src/db/staging';
import { createTestApp, createUser, type TestApp } from '../helpers/app';
import { testDbEngine } from '../helpers/db';

/**
 * The one helper behind the three staged uploads (programme actuals, XLSForm, indicator preview),
 * on the real tables after the migrations.
 */
describe(`staged uploads on ${testDbEngine}`, () => {
  let t: TestApp;
  let owner: number;
  let other: number;
  let datasetId: number;

  beforeAll(async () => {
    t = await createTestApp({ seed: 'base' });
    owner = (await createUser(t.ctx, 'admin')).id;
    other = (await createUser(t.ctx, 'admin')).id;
    datasetId = Number((await t.ctx.db('indicator_datasets').orderBy('id').first()).id);
  }, 120_000);
  afterAll(() => t?.close());

  const row = (definition: string) => ({ file_name: `${definition}.xlsx`, definition: JSON.stringify({ code: definition }), warnings: '[]' });

  it('stores an upload for its uploader for a day; only they see it, and only until then', async () => {
    const staged = new StagedUploads(t.ctx.db, 'questionnaire_imports');
    const now = new Date('2026-11-28T09:00:00.000Z');
    const id = await staged.stage(row('A'), owner, now);
    const stored = stagedColumns((await staged.row(id))!);
    expect(stored).toEqual({ id, createdBy: owner, expiresAt: new Date(now.getTime() + STAGED_UPLOAD_TTL_MS).toISOString() });
    expect(ownWaiting(stored, owner, now)).toBe(true);
    expect(ownWaiting(stored, other, now)).toBe(false);
    expect(ownWaiting(stored, owner, new Date(now.getTime() + STAGED_UPLOAD_TTL_MS - 1))).toBe(true);
    expect(ownWaiting(stored, owner, new Date(now.getTime() + STAGED_UPLOAD_TTL_MS + 1))).toBe(false);
    expect(ownWaiting(undefined, owner, now)).toBe(false);
    expect(ownWaiting({ id, createdBy: owner, expiresAt: null }, owner, now)).toBe(true);
  });

  it('drops an upload once (a second click finds nothing) and deletes expired ones when the next is stored', async () => {
    const staged = new StagedUploads(t.ctx.db, 'questionnaire_imports');
    const id = await staged.stage(row('B'), owner);
    expect(await staged.drop(id)).toBe(true);
    expect(await staged.drop(id)).toBe(false);
    expect(await staged.row(id)).toBeUndefined();
    const old = await staged.stage(row('C'), other, new Date(Date.now() - 2 * STAGED_UPLOAD_TTL_MS));
    const fresh = await staged.stage(row('D'), owner);
    expect(await staged.row(old)).toBeUndefined();
    expect(await staged.row(fresh)).toBeDefined();
  });

  it('where a table keeps decided uploads (indicator previews), leaves them alone', async () => {
    const staged = new StagedUploads(t.ctx.db, 'indicator_imports', { status: 'pending' });
    const preview = { dataset_id: datasetId, file_name: 'v.csv', format: 'long', payload: '{}', report: '{}' };
    const confirmed = await staged.stage(preview, owner, new Date(Date.now() - 2 * STAGED_UPLOAD_TTL_MS));
    expect((await staged.row(confirmed))!.status).toBe('pending');
    await t.ctx.db('indicator_imports').where({ id: confirmed }).update({ status: 'confirmed' });
    expect(await staged.drop(confirmed)).toBe(false);
    await staged.stage(preview, owner);
    expect((await staged.row(confirmed))!.status).toBe('confirmed');
  });
});
