// The console's maps, on Leaflet (web/vendor/leaflet/, BSD-2, embedded: nothing from a CDN):
// pan and zoom, the grids drawn from their GeoJSON (WGS-84) with their names as labels where they
// fit, township borders and names, markers (the target, check-ins), and a click that gives the
// point (pinning). A base layer of streets is drawn only when the deployment configures a tile
// source (GRIDASSIST_TILE_URL; the page carries it in <meta name="gridassist-tiles">, and its
// CSP admits that origin only); by default there is none, as court intranets reach no tile server.
//
// One entry point, gridMap(collection, options) → an element to mount; it draws itself once it is
// on screen and has a size. options:
//   focus(feature) → bool: fit the view to these features (default: all)
//   classOf(feature) → extra CSS classes of a grid (shading, 'highlight', 'faded')
//   titleOf(feature) → text shown when the pointer is over a grid
//   labelOf(feature) → short text added to the grid's label (e.g. a count), or null
//   onGrid(feature): click on a grid
//   markers: [{lat, lon, cls, title}] — cls 'target' (the task's target), 'check-in',
//            'check-in flagged', 'pick' (a point being pinned)
//   onPick({lat, lon}): a click anywhere gives the WGS-84 point (for pinning a target)
//   ariaLabel: the map's accessible name
// With onGrid, the grid clicked is marked 'selected'. The element returned also has: showGrid(id)
// (fly to a grid and outline it), setMarkers(list), and leaflet (the L.Map, once drawn).

import * as L from '../vendor/leaflet/leaflet-src.esm.js';
import { h } from '../shared/dom.js';
import { t } from './i18n.js';

/** The tile source configured for this deployment, or null: {url, attribution, subdomains, overlay}. */
export function tileSource() {
  const meta = document.querySelector('meta[name="gridassist-tiles"]');
  if (!meta || !meta.content) return null;
  try {
    const source = JSON.parse(meta.content);
    return source && typeof source.url === 'string' && source.url ? source : null;
  } catch {
    return null;
  }
}

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function outerRings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates[0] || []];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.map((p) => p[0] || []);
  return [];
}

function allRings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

/** The centre of a feature's largest outer ring (the mean of its vertices: grids are compact). */
function centreOf(feature) {
  const rings = outerRings(feature.geometry);
  const ring = rings.sort((a, b) => b.length - a.length)[0] || [];
  const pts = ring.length > 1 ? ring.slice(0, -1) : ring;
  if (!pts.length) return null;
  const lon = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const lat = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  return L.latLng(lat, lon);
}

function boundsOf(features) {
  const b = L.latLngBounds([]);
  for (const f of features) for (const ring of outerRings(f.geometry)) for (const [lon, lat] of ring) b.extend([lat, lon]);
  return b;
}

/**
 * Township borders: the edges of a township's grids that no other grid of that township shares
 * (grids of one township share their inner edges vertex for vertex, as imported grids do).
 * Returns [{townshipId, lines: [[[lat, lon], [lat, lon]], …]}].
 */
function townshipBorders(features) {
  const key = ([lon, lat]) => `${lon.toFixed(7)},${lat.toFixed(7)}`;
  const byTownship = new Map();
  for (const f of features) {
    const id = f.properties?.township_id;
    if (!byTownship.has(id)) byTownship.set(id, new Map());
    const edges = byTownship.get(id);
    for (const ring of allRings(f.geometry)) {
      for (let i = 0; i + 1 < ring.length; i += 1) {
        const a = ring[i];
        const b = ring[i + 1];
        const k = [key(a), key(b)].sort().join('|');
        const seen = edges.get(k);
        if (seen) seen.count += 1;
        else edges.set(k, { a, b, count: 1 });
      }
    }
  }
  return [...byTownship].map(([townshipId, edges]) => ({
    townshipId,
    lines: [...edges.values()].filter((e) => e.count === 1).map((e) => [[e.a[1], e.a[0]], [e.b[1], e.b[0]]]),
  }));
}

/** A township's name: from the grids' properties, else the common start of its grids' names. */
function townshipName(features) {
  const named = features.find((f) => f.properties?.township_name);
  if (named) return named.properties.township_name;
  const names = features.map((f) => f.properties?.name || '');
  let prefix = names[0] || '';
  for (const n of names) while (prefix && !n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const m = prefix.match(/^(.*?(镇|乡|街道|办事处))/);
  return m ? m[1] : prefix;
}

/** The label of a grid: its name without the township's ("黄桥镇第28网格" → "第28网格"). */
function shortName(f, township) {
  const name = f.properties?.name || f.properties?.code || '';
  return township && name.startsWith(township) && name.length > township.length ? name.slice(township.length) : name;
}

function divLabel(latlng, cls, ...content) {
  const el = h('span', { class: cls }, ...content);
  return L.marker(latlng, {
    icon: L.divIcon({ className: `map-label-anchor`, html: el, iconSize: null }),
    interactive: false,
    keyboard: false,
  });
}

/** The label's width in pixels at 12 px, roughly: CJK characters 12 px, others about 7. */
function textWidth(text) {
  let w = 0;
  for (const c of String(text)) w += c.charCodeAt(0) > 0x2e80 ? 12 : 7;
  return w;
}

/** Markers in their own pane, above the grids' labels; the target drawn last, on top. */
function markerLayer(markers) {
  const group = L.layerGroup();
  const ordered = [...(markers || [])].sort((a, b) => Number(a.cls === 'target') - Number(b.cls === 'target'));
  for (const m of ordered) {
    if (!Number.isFinite(m.lat) || !Number.isFinite(m.lon)) continue;
    const radius = m.cls === 'target' ? 8 : 6;
    const marker = L.circleMarker([m.lat, m.lon], {
      radius,
      pane: 'points',
      className: ['marker', ...String(m.cls || '').split(' ')].filter(Boolean).join(' '),
      bubblingMouseEvents: true,
      stroke: true,
      weight: 2,
      fillOpacity: 1,
    });
    if (m.title) marker.bindTooltip(escapeHtml(m.title), { direction: 'top', offset: [0, -radius] });
    group.addLayer(marker);
  }
  return group;
}

export function gridMap(collection, options = {}) {
  const features = (collection?.features || []).filter((f) => outerRings(f.geometry).length);
  const box = h('div', {
    class: ['map', options.onPick && 'pickable'],
    role: 'region',
    'aria-label': options.ariaLabel || t('maps.map'),
  });
  const state = { map: null, grids: new Map(), markers: null, pendingMarkers: options.markers || [] };

  const draw = () => {
    const map = L.map(box, {
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      wheelPxPerZoomLevel: 120,
      attributionControl: false,
      trackResize: false,
      zoomControl: false,
      preferCanvas: false,
    });
    state.map = map;
    box.leaflet = map;
    map.createPane('points').style.zIndex = 650;
    L.control.zoom({ zoomInTitle: t('maps.zoom_in'), zoomOutTitle: t('maps.zoom_out') }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    const tiles = tileSource();
    if (tiles) {
      const opts = { maxZoom: 18, subdomains: tiles.subdomains || 'abc' };
      L.tileLayer(tiles.url, opts).addTo(map);
      if (tiles.overlay) L.tileLayer(tiles.overlay, opts).addTo(map);
      box.classList.add('has-tiles');
      L.control
        .attribution({ prefix: 'Leaflet' })
        .addAttribution(escapeHtml(tiles.attribution || ''))
        .addTo(map);
    }

    // Grids.
    const byTownship = new Map();
    for (const f of features) {
      const id = f.properties?.township_id;
      if (!byTownship.has(id)) byTownship.set(id, []);
      byTownship.get(id).push(f);
    }
    const townshipNames = new Map([...byTownship].map(([id, fs]) => [id, townshipName(fs)]));
    const gridLabels = [];
    for (const f of features) {
      const extra = options.classOf ? [options.classOf(f)].flat().filter(Boolean) : [];
      const layer = L.geoJSON(f, {
        style: () => ({ className: ['grid', ...extra].join(' '), weight: 1, fillOpacity: 1 }),
      }).getLayers()[0];
      if (!layer) continue;
      layer.feature = f;
      const title = options.titleOf ? options.titleOf(f) : `${f.properties?.name || ''}（${f.properties?.code || ''}）`;
      if (title) layer.bindTooltip(escapeHtml(title), { sticky: true, direction: 'top', className: 'grid-tip' });
      layer.on('add', () => {
        const el = layer.getElement();
        if (el) el.dataset.gridId = f.properties?.id;
      });
      if (options.onGrid) {
        layer.on('click', (event) => {
          L.DomEvent.stopPropagation(event);
          for (const other of state.grids.values()) other.getElement()?.classList.remove('selected');
          layer.getElement()?.classList.add('selected');
          options.onGrid(f);
        });
      }
      layer.addTo(map);
      state.grids.set(f.properties?.id, layer);
      const centre = centreOf(f);
      if (!centre) continue;
      const name = shortName(f, townshipNames.get(f.properties?.township_id));
      const count = options.labelOf ? options.labelOf(f) : null;
      const hasCount = count !== null && count !== undefined && count !== '';
      const label = divLabel(
        centre,
        ['grid-label', hasCount && 'with-count'].filter(Boolean).join(' '),
        h('span', { class: 'grid-name' }, name),
        hasCount ? h('span', { class: 'grid-count' }, String(count)) : null,
      );
      // Where the name does not fit, a count still does.
      const countOnly = hasCount ? divLabel(centre, 'grid-label count-only', h('span', { class: 'grid-count' }, String(count))) : null;
      gridLabels.push({ label, countOnly, feature: f, bounds: layer.getBounds(), width: Math.max(textWidth(name), hasCount ? 24 : 0) + 10, count: hasCount });
    }

    // Township borders and names, above the grids.
    const borders = L.layerGroup().addTo(map);
    for (const { lines } of townshipBorders(features)) {
      borders.addLayer(L.polyline(lines, { className: 'township-border', interactive: false, weight: 2.5 }));
    }
    // A township's name sits in its middle while its grids are too small for theirs, and just
    // inside its northern border once they carry their own names.
    const townshipLabels = [...byTownship].map(([id, fs]) => {
      const b = boundsOf(fs);
      const name = townshipNames.get(id) || '';
      return {
        id,
        label: divLabel(b.getCenter(), 'township-label', name),
        edge: divLabel(L.latLng(b.getNorth(), b.getCenter().lng), 'township-label edge', name),
        features: fs,
      };
    });

    const labelGroup = L.layerGroup().addTo(map);
    const townshipGroup = L.layerGroup().addTo(map);
    // Labels where they fit: a grid's name when the grid is wide and tall enough on screen; a
    // township's name when most of its grids are too small to carry theirs.
    const placeLabels = () => {
      labelGroup.clearLayers();
      townshipGroup.clearLayers();
      const fits = new Map();
      const view = map.getBounds().pad(0.2);
      for (const g of gridLabels) {
        const nw = map.latLngToContainerPoint(g.bounds.getNorthWest());
        const se = map.latLngToContainerPoint(g.bounds.getSouthEast());
        const w = Math.abs(se.x - nw.x);
        const hgt = Math.abs(se.y - nw.y);
        const fit = w >= g.width && hgt >= (g.count ? 34 : 18);
        const tid = g.feature.properties?.township_id;
        if (!fits.has(tid)) fits.set(tid, { yes: 0, all: 0 });
        fits.get(tid).all += 1;
        if (fit) fits.get(tid).yes += 1;
        if (!view.intersects(g.bounds)) continue;
        if (fit) labelGroup.addLayer(g.label);
        else if (g.countOnly && w >= 16 && hgt >= 16) labelGroup.addLayer(g.countOnly);
      }
      for (const tl of townshipLabels) {
        const f = fits.get(tl.id);
        townshipGroup.addLayer(!f || f.yes < f.all / 2 ? tl.label : tl.edge);
      }
      box.dataset.zoom = map.getZoom();
    };
    map.on('zoomend moveend', placeLabels);

    state.markers = markerLayer(state.pendingMarkers).addTo(map);

    if (options.onPick) {
      map.on('click', (event) => options.onPick({ lat: event.latlng.lat, lon: event.latlng.lng }));
    }

    const focused = options.focus ? features.filter(options.focus) : features;
    const bounds = boundsOf(focused.length ? focused : features);
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
      map.setMinZoom(Math.max(map.getZoom() - 4, 1));
    } else {
      map.setView([32.17, 120.0], 10);
    }
    placeLabels();
    box.dataset.ready = 'true';
  };

  box.showGrid = (id) => {
    const layer = state.grids.get(id);
    if (!layer || !state.map) return false;
    for (const other of state.grids.values()) other.getElement()?.classList.remove('searched');
    layer.getElement()?.classList.add('searched');
    // The grid with its neighbours around it, not the grid alone filling the map.
    const zoom = Math.min(state.map.getBoundsZoom(layer.getBounds().pad(1)), state.map.getZoom() + 2);
    state.map.flyTo(layer.getBounds().getCenter(), Math.max(zoom, state.map.getZoom()), { duration: 0.5 });
    return true;
  };
  box.setMarkers = (markers) => {
    state.pendingMarkers = markers || [];
    if (!state.map) return;
    state.markers.remove();
    state.markers = markerLayer(state.pendingMarkers).addTo(state.map);
  };

  // Leaflet measures its container: draw once the element is on screen with a size, and follow
  // later changes of size (a phone turned, the columns reflowed).
  const observer = new ResizeObserver(() => {
    if (!box.isConnected && state.map) {
      // Left the page: stop watching (the map holds no listener outside its element, as
      // trackResize is off, so it goes with the element; map.remove() during an animation throws).
      observer.disconnect();
      return;
    }
    if (!box.isConnected || !box.clientWidth || !box.clientHeight) return;
    if (!state.map) draw();
    else state.map.invalidateSize();
  });
  observer.observe(box);
  return box;
}
