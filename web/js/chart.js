// A small SVG line chart (scores over time). Colours come from the stylesheet (.series-N).

import { h, s } from '../shared/dom.js';

const W = 640;
const H = 260;
const M = { top: 16, right: 16, bottom: 32, left: 48 };

function niceMax(value) {
  if (value <= 0) return 10;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

/**
 * labels: x-axis labels; series: [{name, values: [number|null]}]; format(v) for the y axis.
 * Returns a figure with the chart and its legend.
 */
export function lineChart({ labels, series, format = String, ariaLabel = 'chart' }) {
  const values = series.flatMap((x) => x.values).filter((v) => v !== null && Number.isFinite(v));
  const min = Math.min(0, ...values);
  const max = niceMax(Math.max(0, ...values));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i) => M.left + (labels.length > 1 ? (i * plotW) / (labels.length - 1) : plotW / 2);
  const y = (v) => M.top + plotH - ((v - min) / (max - min || 1)) * plotH;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': ariaLabel });
  for (let k = 0; k <= 4; k++) {
    const v = min + ((max - min) * k) / 4;
    svg.append(
      s('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: 'gridline' }),
      s('text', { x: M.left - 6, y: y(v) + 4, class: 'axis-label y' }, format(v)),
    );
  }
  labels.forEach((text, i) => svg.append(s('text', { x: x(i), y: H - 10, class: 'axis-label x' }, text)));
  series.forEach((line, n) => {
    const pts = line.values.map((v, i) => (v === null ? null : [x(i), y(v)])).filter(Boolean);
    if (pts.length > 1) {
      svg.append(s('polyline', { points: pts.map((p) => p.join(',')).join(' '), class: ['series', `series-${n % 6}`] }));
    }
    line.values.forEach((v, i) => {
      if (v === null) return;
      svg.append(
        s('circle', { cx: x(i), cy: y(v), r: 3.5, class: ['dot', `series-${n % 6}`] }, s('title', {}, `${line.name} ${labels[i]}: ${format(v)}`)),
      );
    });
  });
  const legend = h(
    'ul',
    { class: 'legend' },
    series.map((line, n) => h('li', {}, h('span', { class: ['swatch', `series-${n % 6}`] }), line.name)),
  );
  return h('figure', { class: 'chart-box' }, svg, legend);
}
