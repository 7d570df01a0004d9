// The attacking client of tests/helpers/attack.ts, in a process of its own so that building and
// sending hostile bodies does not load the server's event loop, which is what is being measured.
// Warms up on the base URL given as its argument (a fresh process's first fetch is slow), says
// "ready", then receives one job: requests to send at once while /healthz is polled.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
for (let i = 0; i < 5; i++) await (await fetch(`${process.argv[2]}/healthz`)).arrayBuffer();
process.send('ready');
process.once('message', async (job) => {
  let running = true;
  const healthz = [];
  const poller = (async () => {
    while (running) {
      const started = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${job.base}/healthz`);
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      healthz.push({ ms: performance.now() - started, status });
      await sleep(10);
    }
  })();
  await sleep(30);
  const results = await Promise.all(
    job.requests.map(async (r) => {
      let body;
      if (r.text !== undefined) body = r.text;
      if (r.form) {
        body = new FormData();
        for (const [k, v] of Object.entries(r.form.fields ?? {})) body.append(k, v);
        body.append(r.form.file.field, new Blob([Buffer.from(r.form.file.base64, 'base64')]), r.form.file.name);
      }
      const started = performance.now();
      try {
        const res = await fetch(`${job.base}${r.path}`, { method: r.method ?? 'POST', headers: r.headers ?? {}, body, redirect: 'manual' });
        const text = await res.text();
        return { status: res.status, bytes: Buffer.byteLength(text), text: text.slice(0, 20000), location: res.headers.get('location'), ms: performance.now() - started };
      } catch (e) {
        return { status: 0, bytes: 0, text: String(e), location: null, ms: performance.now() - started };
      }
    }),
  );
  running = false;
  await poller;
  process.send({ results, healthz }, () => process.exit(0));
});
