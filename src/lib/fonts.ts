import fs from 'node:fs';

/**
 * DejaVu Sans (Debian's fonts-dejavu-core) has every Kazakh letter (Ә Ғ Қ Ң Ө Ұ Ү Һ І). The PDF
 * report embeds it, charts measure their labels with it and the PNG renderer draws with it, so a
 * label that fits on the page fits in the file too.
 */
const REGULAR = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans.ttf'];
const BOLD = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'];

/** The family name charts ask for first. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

function find(candidates: string[]): string | undefined {
  return candidates.find((p) => fs.existsSync(p));
}

function required(candidates: string[], what: string): string {
  const found = find(candidates);
  if (!found) throw new Error(`${what}: no DejaVu Sans font at ${candidates.join(' or ')}; install Debian's fonts-dejavu-core`);
  return found;
}

export const dejaVuSans = (what: string): string => required(REGULAR, what);
export const dejaVuSansBold = (what: string): string => required(BOLD, what);
/** The regular face when installed, else undefined (charts then fall back to an estimate). */
export const dejaVuSansIfPresent = (): string | undefined => find(REGULAR);
/** The bold face when installed (chart titles drawn bold in PNGs), else undefined. */
export const dejaVuSansBoldIfPresent = (): string | undefined => find(BOLD);
