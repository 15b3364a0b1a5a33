// The map shared by the console and the terminal. Leaflet (global L) comes from Debian's
// libjs-leaflet, served by keitsu at /vendor/leaflet/. Nothing is loaded from the internet:
// the "base map" is the station areas (GET /api/v1/stations) plus a coordinate grid and a
// scale. Raster tiles are optional: a URL template from ?tiles=… (remembered) or
// localStorage "keitsu.tiles", e.g. http://tiles.local/{z}/{x}/{y}.png.
import { el } from './util.js';
import { t } from './i18n.js';

const TILE_KEY = 'keitsu.tiles';

function tileTemplate() {
  try {
    const q = new URLSearchParams(location.search).get('tiles');
    if (q !== null) {
      if (q === '') localStorage.removeItem(TILE_KEY);
      else localStorage.setItem(TILE_KEY, q);
    }
    return localStorage.getItem(TILE_KEY) || '';
  } catch (_) {
    return '';
  }
}

// A graticule whose spacing follows the zoom, redrawn on every move.
const Grid = L.LayerGroup.extend({
  onAdd(map) {
    L.LayerGroup.prototype.onAdd.call(this, map);
    this._map = map;
    map.on('moveend zoomend', this._draw, this);
    this._draw();
  },
  onRemove(map) {
    map.off('moveend zoomend', this._draw, this);
    L.LayerGroup.prototype.onRemove.call(this, map);
  },
  _draw() {
    this.clearLayers();
    const map = this._map;
    if (!map) return;
    const b = map.getBounds();
    const span = Math.max(b.getNorth() - b.getSouth(), 1e-6);
    const steps = [10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
    let step = steps[0];
    for (const s of steps) { if (span / s <= 12) step = s; else break; }
    const dec = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
    const style = { color: '#5b6b7f', weight: 1, opacity: 0.45, interactive: false, dashArray: '2 4' };
    const s0 = Math.floor(b.getSouth() / step) * step, n0 = b.getNorth();
    const w0 = Math.floor(b.getWest() / step) * step, e0 = b.getEast();
    for (let lat = s0; lat <= n0 + step; lat += step) {
      this.addLayer(L.polyline([[lat, b.getWest() - step], [lat, e0 + step]], style));
      this.addLayer(L.marker([lat, b.getWest()], { interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'grid-label', html: el('span', { text: `${lat.toFixed(dec)}°N` }), iconSize: null }) }));
    }
    for (let lon = w0; lon <= e0 + step; lon += step) {
      this.addLayer(L.polyline([[b.getSouth() - step, lon], [n0 + step, lon]], style));
      this.addLayer(L.marker([b.getSouth(), lon], { interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'grid-label grid-label-lon', html: el('span', { text: `${lon.toFixed(dec)}°E` }), iconSize: null }) }));
    }
  },
});

export function createMap(container, opts = {}) {
  const map = L.map(container, {
    center: opts.center || [35.6895, 139.6917],
    zoom: opts.zoom || 12,
    zoomControl: true,
    attributionControl: false,
    preferCanvas: false,
  });
  const tpl = tileTemplate();
  if (tpl) L.tileLayer(tpl, { maxZoom: 19 }).addTo(map);
  const stations = L.layerGroup().addTo(map);
  const grid = new Grid().addTo(map);
  L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
  L.control.layers(null, { [t('map.grid')]: grid }, { position: 'topright' }).addTo(map);
  return { map, stations };
}

// Draws station areas (GeoJSON) with their names; returns the bounds of all areas or null.
export function drawStations(ctx, list) {
  ctx.stations.clearLayers();
  let bounds = null;
  for (const s of list || []) {
    if (!s || !s.area) continue;
    try {
      const layer = L.geoJSON({ type: 'Feature', geometry: s.area, properties: {} }, {
        style: { color: '#1f4e8c', weight: 2, fillColor: '#dfe8f3', fillOpacity: 0.35, interactive: false },
        interactive: false,
      });
      layer.addTo(ctx.stations);
      const lb = layer.getBounds();
      if (lb.isValid()) {
        bounds = bounds ? bounds.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
        L.marker(lb.getCenter(), { interactive: false, keyboard: false,
          icon: L.divIcon({ className: 'station-label', html: el('span', { text: s.name || s.id }), iconSize: null }) }).addTo(ctx.stations);
      }
    } catch (e) {
      console.warn('station area', s.id, e);
    }
  }
  return bounds;
}

export function validLatLon(lat, lon) {
  return typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon)
    && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}
