/**
 * Balassa's revealed comparative advantage.
 *
 * Definition (Balassa 1965, "Trade liberalisation and revealed comparative advantage"; domain
 * brief): RCA = (x_ij / X_i) / (x_wj / X_w), where x_ij is country i's export of product j,
 * X_i its total export, x_wj the world's export of j and X_w the world's total export.
 * RCA > 1 reveals a comparative advantage, RCA < 1 none.
 *
 * Published example (quoted in the domain brief from the seed sources):
 * (0.00146 / 0.00296) / (13.92 / 17.59) = 0.62.
 */
export function balassaRca(exportOfProduct: number, totalExport: number, worldExportOfProduct: number, worldTotalExport: number): number {
  const parts = [exportOfProduct, totalExport, worldExportOfProduct, worldTotalExport];
  if (parts.some((p) => !Number.isFinite(p) || p < 0)) throw new RangeError('balassaRca: values must be finite and non-negative');
  if (totalExport === 0 || worldExportOfProduct === 0 || worldTotalExport === 0) throw new RangeError('balassaRca: denominators must be positive');
  return exportOfProduct / totalExport / (worldExportOfProduct / worldTotalExport);
}
