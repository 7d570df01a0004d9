import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './proc';

/**
 * The app compiled as `npm start` runs it (plain JavaScript under `node`, no TypeScript loader
 * in the process, which alone costs tens of MB of RSS), but into a private directory so that
 * the shared dist/ of other people's checkouts is never touched.
 *
 * Layout: <dir>/package.json makes <dir> the compiled app's project root (src/paths.ts looks
 * for it), so migrations are read from <dir>/dist/migrations; views, catalogues, static files
 * and seed content are symlinks to the working tree.
 */
export interface BuiltApp {
  dir: string;
  /** Files the overlay replaced (relative to the repository). */
  replaced: string[];
  server: string;
  baseline: string;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * `overlay` (BENCH_OVERLAY): a directory laid out like the repository whose .ts files replace
 * the working tree's in the build. It measures a proposed change to another module's code
 * without touching that code.
 */
export async function buildApp(dir: string, overlay?: string): Promise<BuiltApp> {
  // esbuild comes with tsx; transpiling file by file keeps the layout tsc would produce.
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  fs.mkdirSync(dir, { recursive: true });
  const entryPoints = [
    ...tsFiles(path.join(projectRoot, 'src')),
    ...tsFiles(path.join(projectRoot, 'migrations')),
    ...tsFiles(path.join(projectRoot, 'seeds')),
    path.join(projectRoot, 'bench', 'baseline', 'server.ts'),
    path.join(projectRoot, 'bench', 'lib', 'bare.ts'),
  ];
  const replaced: string[] = [];
  const points = entryPoints.map((file) => {
    const rel = path.relative(projectRoot, file);
    const alt = overlay ? path.join(overlay, rel) : undefined;
    if (alt && fs.existsSync(alt)) replaced.push(rel);
    return { in: alt && fs.existsSync(alt) ? alt : file, out: rel.replace(/\.ts$/, '') };
  });
  if (overlay) {
    for (const file of tsFiles(overlay)) {
      const rel = path.relative(overlay, file);
      if (!replaced.includes(rel)) points.push({ in: file, out: rel.replace(/\.ts$/, '') });
    }
  }
  await esbuild.build({
    entryPoints: points,
    outdir: path.join(dir, 'dist'),
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    bundle: false,
    sourcemap: false,
    logLevel: 'error',
  });
  fs.copyFileSync(path.join(projectRoot, 'package.json'), path.join(dir, 'package.json'));
  const link = (rel: string) => {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) fs.symlinkSync(path.join(projectRoot, rel), target);
  };
  link('views');
  link('src/i18n/locales');
  link('src/public');
  link('seeds/domain');
  link('seeds/content');
  return { dir, replaced, server: path.join(dir, 'dist', 'src', 'server.js'), baseline: path.join(dir, 'dist', 'bench', 'baseline', 'server.js') };
}
