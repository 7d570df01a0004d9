import { describe, expect, it } from 'vitest';
import { delphiStopRule } from '../../src/math/delphi-stop-rule';

describe('delphiStopRule', () => {
  it('needs consensus on 80 % of factors and either strong or stable W', () => {
    expect(delphiStopRule({ w: 0.75, previousW: null, consensusShare: 0.8 })).toEqual({ met: true, reason: 'strong' });
    expect(delphiStopRule({ w: 0.62, previousW: 0.6, consensusShare: 0.85 })).toEqual({ met: true, reason: 'stable' });
    expect(delphiStopRule({ w: 0.62, previousW: 0.5, consensusShare: 0.85 }).met).toBe(false);
    expect(delphiStopRule({ w: 0.75, previousW: null, consensusShare: 0.5 }).met).toBe(false);
    expect(delphiStopRule({ w: 0.62, previousW: null, consensusShare: 0.9 }).met).toBe(false);
    expect(delphiStopRule({ w: null, previousW: 0.7, consensusShare: 1 }).met).toBe(false);
    expect(delphiStopRule({ w: 0.9, previousW: 0.5, consensusShare: null }).met).toBe(false);
  });
});
