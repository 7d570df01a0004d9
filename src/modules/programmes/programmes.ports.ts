import { Readable, Writable } from 'node:stream';
import { writeCsv } from '../../lib/spreadsheet';
import type { ExpertsService } from '../experts/experts.service';
import { COMPOSITE_FORM_DEFAULTS, formKey, isFitResult, type IndicatorsService } from '../indicators/indicators.service';
import type { RoundsService } from '../rounds/rounds.service';
import type { TerritoriesService } from '../territories/territories.service';
import type { UsersService } from '../users/users.service';
import type { CompositeLike, ProgrammesPorts, RegionalTools } from './programmes.service';

/**
 * What the programmes service needs from other modules, each asked through its own service
 * (handed over by the composition root): rounds and expert panels (evidence), territories, users
 * (executors) and indicators (the regional dataset and its integral index).
 */
export function programmesPorts(
  services: { rounds: RoundsService; experts: ExpertsService; territories: TerritoriesService; users: UsersService; indicators: IndicatorsService },
  now: () => Date = () => new Date(),
): ProgrammesPorts {
  const { territories, indicators } = services;
  const regional: RegionalTools = {
    async datasetExists(id) {
      return (await indicators.listDatasets()).some((d) => d.id === id);
    },
    async loadDataset(userId, meta, defs, values) {
      const datasetId = await indicators.createDataset(userId, { name: meta.name, description: meta.description, source: meta.source });
      // Through the indicators module's own import (long layout), as a researcher would load it.
      const csv = await csvBuffer(
        ['territory', 'indicator', 'period', 'value'],
        values.map((v) => [v.territoryCode, v.code, v.period, v.value]),
      );
      const importId = await indicators.previewImport(userId, datasetId, { originalname: 'regional-baseline.csv', buffer: csv }, undefined);
      const importer = { id: userId, role: 'admin' };
      const preview = await indicators.getImport(importId, importer);
      if (preview.issues.length) throw new Error(`regional baseline import: ${JSON.stringify(preview.issues.slice(0, 3))}`);
      await indicators.confirmImport(importId, importer);
      for (const ind of await indicators.listIndicators(datasetId)) {
        const def = defs.find((d) => d.code === ind.code);
        if (def) await indicators.updateIndicator(ind.id, { name_kk: def.name.kk.slice(0, 300), name_ru: def.name.ru.slice(0, 300), name_en: def.name.en.slice(0, 300), unit: def.unit.slice(0, 60), direction: def.direction, source: meta.source });
      }
      return datasetId;
    },
    // The regional index belongs to the programme and is read by everyone who reads the programme, so
    // it is saved without an author (a shared model) rather than as the acting user's private one.
    async composite(_userId, datasetId, territoryIds, title) {
      const defs = await indicators.listIndicators(datasetId);
      const periods = await indicators.periodsByIndicator(defs.map((d) => d.id));
      return indicators.createComposite(null, {
        title: title.slice(0, 300),
        territories: territoryIds.map(String),
        indicators: defs.map((d) => String(d.id)),
        direction: Object.fromEntries(defs.map((d) => [formKey(d.id), d.direction])),
        weight: Object.fromEntries(defs.map((d) => [formKey(d.id), 1])),
        period: Object.fromEntries(defs.map((d) => [formKey(d.id), periods.get(d.id)?.at(-1) ?? ''])),
        aggregate: 'arithmetic',
        levels: 'equal-interval',
        seed: 1,
        ...COMPOSITE_FORM_DEFAULTS,
        // How stable each region's rank is under other weights and methods (the indicators module's robustness analysis).
        robustness: true,
      });
    },
    async composites(datasetId) {
      const models = await indicators.listSharedModels({ datasetId, kind: 'composite' });
      return models.filter((m) => !isFitResult(m.result)).map((m) => ({ id: m.id, title: m.title, createdAt: m.createdAt, result: m.result as unknown as CompositeLike }));
    },
  };
  return {
    surveyRounds: async () => (await services.rounds.list()).map((r) => ({ id: r.id, title: r.title })),
    expertPanels: async () => (await services.experts.listPanels()).map((p) => ({ id: p.id, name: p.name })),
    territories: () => territories.list(),
    createTerritory: (input) => territories.create({ ...input, parentId: null, position: 0 }),
    users: async () => (await services.users.list()).map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, disabled: u.disabled })),
    regional,
    now,
  };
}

async function csvBuffer(header: string[], rows: Array<Array<string | number>>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await writeCsv(sink, header, Readable.from(rows));
  return Buffer.concat(chunks);
}
