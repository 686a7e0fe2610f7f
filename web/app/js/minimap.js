// A small map of a task, drawn as SVG from what the phone holds: the outline of the task's grid
// (from GET /grids, kept on the phone), the target and, when known, where I am. No map tiles:
// court networks are often intranets, and the outline plus the navigation hand-off is what a
// worker needs to find the place.

import { s } from '../shared/dom.js';

const WIDTH = 340;
const HEIGHT = 200;
const PAD = 14;

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

/** The map as an SVG element, or null when there is nothing to place. */
export function miniMap({ grid, target, here, labels }) {
  const points = [];
  const outline = rings(grid?.geometry);
  for (const ring of outline) for (const [lon, lat] of ring) points.push({ lat, lon });
  if (target?.lat != null) points.push(target);
  // Only show my position when it is near enough to be useful on the same small map.
  const near = here && target?.lat != null && Math.abs(here.lat - target.lat) < 0.05 && Math.abs(here.lon - target.lon) < 0.05;
  if (near) points.push(here);
  if (!points.length) return null;

  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const midLat = ((minLat + maxLat) / 2) * (Math.PI / 180);
  const spanX = Math.max((maxLon - minLon) * Math.cos(midLat), 0.002);
  const spanY = Math.max(maxLat - minLat, 0.002);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const cx = (minLon + maxLon) / 2;
  const cy = (minLat + maxLat) / 2;
  const x = (lon) => WIDTH / 2 + (lon - cx) * Math.cos(midLat) * scale;
  const y = (lat) => HEIGHT / 2 - (lat - cy) * scale;

  return s(
    'svg',
    { class: 'minimap', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': labels.map },
    s('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: 'map-bg' }),
    outline.map((ring) =>
      s('polygon', { class: 'map-grid', points: ring.map(([lon, lat]) => `${x(lon).toFixed(1)},${y(lat).toFixed(1)}`).join(' ') }),
    ),
    near ? s('circle', { class: 'map-me', cx: x(here.lon), cy: y(here.lat), r: 7 }, s('title', {}, labels.me)) : null,
    target?.lat != null
      ? s('g', { class: 'map-target' }, s('circle', { cx: x(target.lon), cy: y(target.lat), r: 9 }), s('title', {}, labels.target))
      : null,
  );
}
