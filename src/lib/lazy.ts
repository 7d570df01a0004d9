/**
 * A library loaded the first time it is used rather than when the server starts. ECharts,
 * pdfkit, ExcelJS and mathjs take seconds to load together and most requests (a respondent's
 * pages, sign-in, the API) never need them: loaded at start they made a restart 6x slower than
 * the bare stack's (issue 18). `warmLibraries` (src/server.ts) loads them in the background once
 * the server listens, so the first chart or export does not wait for them either.
 */
export function lazy<T>(load: () => T): () => T {
  let value: T | undefined;
  let loaded = false;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value as T;
  };
}
