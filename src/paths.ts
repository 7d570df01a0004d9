import fs from 'node:fs';
import path from 'node:path';

// Code runs both from src/ (tsx, vitest) and from dist/src/ (npm start); views,
// catalogues and migrations are always read from the project root.
function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + start);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(__dirname);
export const viewsDir = path.join(projectRoot, 'views');
export const localesDir = path.join(projectRoot, 'src', 'i18n', 'locales');
export const publicDir = path.join(projectRoot, 'src', 'public');
export const sharedDomainDir = path.join(projectRoot, 'seeds', 'domain');
