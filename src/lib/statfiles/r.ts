import { plainNumber, type StatColumn, type StatDataset, type StatValue } from './dataset';

/**
 * An R script that builds the data frame `responses` from the data it carries, column by
 * column, then labels it: nominal codes become factors with their labels (when every value in
 * the data is a labelled code), ratings stay numeric with their points' labels in
 * attr(, "labels") (the convention of haven and labelled), every column gets attr(, "label"),
 * and user-missing codes (e.g. -99 "cannot judge") become NA after being counted in
 * attr(, "missing_counts"). The file is plain ASCII (other characters as \uXXXX escapes), so it
 * runs under any locale: Rscript file.R or source("file.R").
 */
function rString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += ' ';
    else if (code < 0x7f) out += ch;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

function rValue(v: StatValue, column: StatColumn): string {
  if (v === null || v === undefined) return column.type === 'numeric' ? 'NA' : 'NA_character_';
  if (column.type === 'numeric') return typeof v === 'number' && Number.isFinite(v) ? plainNumber(v) : 'NA';
  return rString(String(v));
}

/** `name` as R needs it after `$`: our names are syntactic, but backquotes keep it safe. */
const ref = (name: string) => `responses$\`${name}\``;

export function writeRScript(data: StatDataset): string {
  const { columns, rows } = data;
  const out: string[] = [];
  out.push(`# ${data.title.replace(/[^\x20-\x7e]/g, '?')}`);
  out.push('# Written by Kedergi: Rscript this-file.R, or source("this-file.R") to get the data frame `responses`.');
  out.push('responses <- data.frame(');
  out.push(
    columns
      .map((c, i) => {
        if (rows.length === 0) return `  \`${c.name}\` = ${c.type === 'numeric' ? 'numeric(0)' : 'character(0)'}`;
        return `  \`${c.name}\` = c(${rows.map((r) => rValue(r[i] ?? null, c)).join(', ')})`;
      })
      .join(',\n'),
  );
  out.push(', stringsAsFactors = FALSE, check.names = FALSE)');
  for (const c of columns) {
    const col = ref(c.name);
    if (c.missing.length && c.type === 'numeric') {
      out.push(`local({ codes <- c(${c.missing.map(plainNumber).join(', ')}); x <- ${col}; counts <- sapply(codes, function(m) sum(x == m, na.rm = TRUE)); names(counts) <- codes; x[x %in% codes] <- NA; attr(x, "missing_counts") <- counts; ${col} <<- x })`);
    }
    const labels = c.valueLabels.filter((l) => !(typeof l.value === 'number' && c.missing.includes(l.value)));
    if (labels.length && c.measure === 'nominal') {
      const levels = labels.map((l) => (c.type === 'numeric' ? plainNumber(Number(l.value)) : rString(String(l.value))));
      const names = labels.map((l) => rString(l.label));
      // Only when every value is a known code: a factor turns unknown codes into NA silently.
      out.push(`if (all(is.na(${col}) | ${col} %in% c(${levels.join(', ')}))) ${col} <- factor(${col}, levels = c(${levels.join(', ')}), labels = make.unique(c(${names.join(', ')})))`);
    } else if (c.valueLabels.length) {
      const pairs = c.valueLabels.map((l) => `${rString(l.label)} = ${c.type === 'numeric' ? plainNumber(Number(l.value)) : rString(String(l.value))}`);
      out.push(`attr(${col}, "labels") <- c(${pairs.join(', ')})`);
    }
    out.push(`attr(${col}, "label") <- ${rString(c.label)}`);
  }
  return out.join('\n') + '\n';
}
