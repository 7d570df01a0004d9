import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli';
import { runAnalysisCommand } from '../../../src/modules/analysis/analysis.cli';
import { analysisService } from '../../../src/modules/analysis/analysis.service';
import type { TestApp } from '../../helpers/app';
import { smallRoundWorld } from '../../helpers/analysis-round';

describe('analysis CLI', () => {
  let t: TestApp;
  let roundId: number;
  beforeAll(async () => {
    ({ t, roundId } = await smallRoundWorld());
  });
  afterAll(async () => t?.close());

  it('counts a bulk-loaded round and rebuilds it', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runAnalysisCommand('sync', [String(roundId)], t.ctx.db)).toBe(0);
      expect(String(out.mock.calls.at(-1)?.[0])).toMatch(new RegExp(`^Round ${roundId}: 6 submitted responses`));
      expect((await analysisService(t.ctx.db).repo.countState(roundId)).counted).toBe(6);
      expect(await runAnalysisCommand('rebuild', [String(roundId)], t.ctx.db)).toBe(0);
      expect((await analysisService(t.ctx.db).ranking(roundId)).respondents).toBe(6);
    } finally {
      out.mockRestore();
    }
  });

  it('refuses a bad argument and an unknown round', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runAnalysisCommand('sync', ['x'], t.ctx.db)).toBe(2);
      expect(await runAnalysisCommand('sync', [], t.ctx.db)).toBe(2);
      expect(await runAnalysisCommand('rebuild', ['999999'], t.ctx.db)).toBe(1);
      expect(await runCli(['analysis', 'sync'])).toBe(2); // registered: usage, not "unknown command"
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/Usage: kedergi analysis sync ROUND_ID/);
    } finally {
      err.mockRestore();
    }
  });
});
