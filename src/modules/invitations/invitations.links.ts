import crypto from 'node:crypto';

/**
 * What a link batch (the one-time mail-merge download of a new list) records: which invitations
 * it made, as runs of consecutive ids, in id order. The links themselves are not in it: each
 * invitation's token is already kept sealed with the invitation (token_sealed, for mail), and the
 * download unseals them page by page. A batch of 100,000 is then a few bytes instead of a 5 MB
 * sealed copy of every link, which the upload had to hold, encrypt and store in one piece.
 */
export type IdRuns = Array<[number, number]>;

/** The runs of consecutive ids in `ids` (any order, no repeats). */
export function idRuns(ids: number[]): IdRuns {
  const sorted = Float64Array.from(ids).sort();
  const runs: IdRuns = [];
  for (const id of sorted) {
    const last = runs[runs.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else runs.push([id, id]);
  }
  return runs;
}

export function batchPayload(runs: IdRuns): string {
  return JSON.stringify({ runs });
}

/**
 * A batch's content: its id runs, and for a batch stored before the runs (a sealed list of
 * [id, token] pairs, kept for at most LINK_BATCH_TTL_MS) the tokens too. Undefined when the
 * record was tampered with or sealed under another secret.
 */
export function readBatchPayload(secret: string, payload: string): { runs: IdRuns; tokens?: Map<number, string> } | undefined {
  if (payload.startsWith('{')) {
    try {
      const { runs } = JSON.parse(payload) as { runs?: unknown };
      const valid = Array.isArray(runs) && runs.every((r) => Array.isArray(r) && r.length === 2 && r.every((id) => Number.isSafeInteger(id)) && r[0] <= r[1]);
      return valid ? { runs: runs as IdRuns } : undefined;
    } catch {
      return undefined;
    }
  }
  const links = openSealedLinks(secret, payload);
  return links && { runs: idRuns(links.map(([id]) => id)), tokens: new Map(links) };
}

function keyFrom(secret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, 'kedergi', 'invitation-link-batch-v1', 32));
}

/** A batch stored before the id runs: AES-256-GCM under a key derived from the application secret. */
function openSealedLinks(secret: string, sealed: string): Array<[number, string]> | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyFrom(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Array<[number, string]>;
  } catch {
    return undefined;
  }
}

/** 128-bit random identifier of a parked import or link batch. */
export function opaqueId(): string {
  return crypto.randomBytes(16).toString('base64url');
}
