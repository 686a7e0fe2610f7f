// Maps drawn from the grids' GeoJSON as SVG: no tile server, no network beyond the API.
// Positions are WGS-84 [lon, lat]; an equirectangular projection scaled by cos(latitude) is
// exact enough for a county a few tens of kilometres across.

import { s } from '../shared/dom.js';

const WIDTH = 1000;
const PAD = 12;

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

function bounds(features) {
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    for (const polygon of rings(f.geometry)) {
      for (const [lon, lat] of polygon[0] || []) {
        minLon = Math.min(minLon, lon);
        maxLon = Math.max(maxLon, lon);
        minLat = Math.min(minLat, lat);
        maxLat = Math.max(maxLat, lat);
      }
    }
  }
  return { minLon, minLat, maxLon, maxLat };
}

/** Projection for a bounding box: project([lon, lat]) → [x, y] and back. */
function projection(b) {
  const k = Math.cos((((b.minLat + b.maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((b.maxLon - b.minLon) * k, 1e-9);
  const scale = (WIDTH - 2 * PAD) / spanX;
  const height = Math.max((b.maxLat - b.minLat) * scale + 2 * PAD, 80);
  return {
    height,
    project: ([lon, lat]) => [PAD + (lon - b.minLon) * k * scale, PAD + (b.maxLat - lat) * scale],
    unproject: ([x, y]) => ({ lon: b.minLon + (x - PAD) / (k * scale), lat: b.maxLat - (y - PAD) / scale }),
  };
}

function pathOf(geometry, project) {
  const parts = [];
  for (const polygon of rings(geometry)) {
    for (const ring of polygon) {
      parts.push(
        `${ring
          .map((p, i) => {
            const [x, y] = project(p);
            return `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
          })
          .join('')}Z`,
      );
    }
  }
  return parts.join('');
}

function centre(geometry, project) {
  const outer = rings(geometry)[0]?.[0] || [];
  if (!outer.length) return [0, 0];
  const pts = outer.slice(0, -1).map(project);
  return [pts.reduce((a, p) => a + p[0], 0) / pts.length, pts.reduce((a, p) => a + p[1], 0) / pts.length];
}

/**
 * An SVG map of a GeoJSON FeatureCollection of grids.
 * options:
 *   focus(feature) → bool: zoom to these features (default: all)
 *   classOf(feature) → extra CSS classes of a grid (shading)
 *   titleOf(feature) → tooltip text
 *   labelOf(feature) → short text drawn in the grid (e.g. a count), or null
 *   onGrid(feature): click on a grid
 *   markers: [{lat, lon, cls, title}]
 *   onPick({lat, lon}): click anywhere gives the WGS-84 point (for pinning a target)
 */
export function gridMap(collection, options = {}) {
  const features = collection.features || [];
  const focused = options.focus ? features.filter(options.focus) : features;
  const b = bounds(focused.length ? focused : features);
  if (!Number.isFinite(b.minLon)) {
    return s('svg', { class: 'map', viewBox: `0 0 ${WIDTH} 80`, role: 'img' });
  }
  const { height, project, unproject } = projection(b);
  const svg = s('svg', {
    class: ['map', options.onPick && 'pickable'],
    viewBox: `0 0 ${WIDTH} ${height.toFixed(0)}`,
    role: 'img',
    'aria-label': options.ariaLabel || 'map',
  });
  const gridLayer = s('g', { class: 'grids' });
  const labelLayer = s('g', { class: 'labels' });
  for (const f of features) {
    const classes = ['grid', ...(options.classOf ? [options.classOf(f)].flat() : [])];
    const path = s(
      'path',
      { d: pathOf(f.geometry, project), class: classes, 'data-grid-id': f.properties?.id },
      s('title', {}, options.titleOf ? options.titleOf(f) : f.properties?.name || ''),
    );
    if (options.onGrid) {
      path.addEventListener('click', (event) => {
        event.stopPropagation();
        options.onGrid(f);
      });
    }
    gridLayer.append(path);
    const text = options.labelOf ? options.labelOf(f) : null;
    if (text !== null && text !== undefined && text !== '') {
      const [x, y] = centre(f.geometry, project);
      labelLayer.append(s('text', { x: x.toFixed(1), y: (y + 5).toFixed(1), class: 'grid-label' }, text));
    }
  }
  svg.append(gridLayer, labelLayer);
  const markerLayer = s('g', { class: 'markers' });
  for (const m of options.markers || []) {
    if (!Number.isFinite(m.lat) || !Number.isFinite(m.lon)) continue;
    const [x, y] = project([m.lon, m.lat]);
    markerLayer.append(
      s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 7, class: ['marker', m.cls] }, s('title', {}, m.title || '')),
    );
  }
  svg.append(markerLayer);
  if (options.onPick) {
    svg.addEventListener('click', (event) => {
      const pt = svg.createSVGPoint();
      pt.x = event.clientX;
      pt.y = event.clientY;
      const local = pt.matrixTransform(svg.getScreenCTM().inverse());
      options.onPick(unproject([local.x, local.y]));
    });
  }
  return svg;
}
