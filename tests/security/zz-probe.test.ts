import { it } from 'vitest';
import { createTestApp } from '../helpers/app';
import { serve, underAttack } from '../helpers/attack';
it('probe', async () => {
  const t = await createTestApp({ seed: 'base' });
  const served = await serve(t.app);
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); await (await fetch(served.base + '/healthz')).text(); console.log('healthz', Math.round(performance.now() - t0)); }
  const r = await underAttack(served, []);
  console.log('idle attack', r.healthzMaxMs, r.healthzSamples, r.eventLoopMaxMs);
  const r2 = await underAttack(served, [{ path: '/healthz', method: 'GET' }]);
  console.log('idle attack2', r2.healthzMaxMs, r2.healthzSamples, r2.eventLoopMaxMs);
  await served.close(); await t.close();
});
