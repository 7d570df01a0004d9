import * as echarts from 'echarts';

export interface ChartFrame {
  width: number;
  height: number;
  /** Short title, read first by screen readers. */
  title: string;
  /** Text alternative: what the chart shows, in words (and ideally the key numbers). */
  description: string;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Server-side SVG through ECharts' SSR renderer: no client script, works in print and
 * without JavaScript. Title and description become <title>/<desc> with role="img".
 */
export function renderSvgChart(option: echarts.EChartsOption, frame: ChartFrame): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: frame.width, height: frame.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
    const svg = chart.renderToSVGString();
    const id = 'c' + Math.random().toString(36).slice(2, 10);
    return svg.replace(
      /^<svg([^>]*)>/,
      `<svg$1 role="img" aria-labelledby="${id}-t ${id}-d"><title id="${id}-t">${escapeXml(frame.title)}</title><desc id="${id}-d">${escapeXml(frame.description)}</desc>`,
    );
  } finally {
    chart.dispose();
  }
}
