/**
 * The map's style, built in code: no style, sprite or glyph URL, so nothing
 * leaves the server. The base map is the dataset's own places (areas of
 * land use as soft discs, parcel stations as dots) over a plain background,
 * under an operator's raster tiles only when /config.json names a tile URL.
 * Place names are HTML labels (map/labels.ts), since text layers would need glyphs.
 */
import type { ExpressionSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { Feature, FeatureCollection } from 'geojson';
import type { Map as MapLibre } from 'maplibre-gl';
import type { Places } from '../api/types.ts';
import { circleRing, metresPerPixelZ0 } from './geo.ts';

/** Land-use colours, quiet enough for leads and density to stand out on them. */
export const AOI_COLOURS: Record<string, string> = {
  urban_village: '#e8d9b5',
  residential: '#dfe3ec',
  industrial: '#d9d0dc',
  commercial: '#f0dccf',
  parcel_station: '#3b5b92',
  other: '#d6e6d0',
};

/** A typical radius per kind of place: the places API gives their centres only. */
const AOI_RADIUS_M: Record<string, number> = { urban_village: 280, residential: 200, industrial: 500, commercial: 160, other: 250 };

export function baseStyle(tiles: string | null): StyleSpecification {
  return {
    version: 8,
    sources: tiles ? { tiles: { type: 'raster', tiles: [tiles], tileSize: 256, attribution: 'Tiles: operator-configured server' } } : {},
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f4f3ee' } },
      ...(tiles ? [{ id: 'tiles', type: 'raster' as const, source: 'tiles', paint: { 'raster-opacity': 0.85 } }] : []),
    ],
  };
}

/** The places as GeoJSON the base-map layers draw: areas as discs, stations as points. */
export function placeFeatures(places: Places): { areas: FeatureCollection; stations: FeatureCollection } {
  const areas: Feature[] = [];
  const stations: Feature[] = [];
  for (const f of places.features) {
    const type = f.properties.aoi_type ?? 'other';
    const [lng, lat] = f.geometry.coordinates;
    if (type === 'parcel_station') stations.push({ type: 'Feature', geometry: f.geometry, properties: { ...f.properties, aoi_type: type } });
    else areas.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [circleRing(lng, lat, AOI_RADIUS_M[type] ?? 200, 32)] }, properties: { ...f.properties, aoi_type: type } });
  }
  return { areas: { type: 'FeatureCollection', features: areas }, stations: { type: 'FeatureCollection', features: stations } };
}

const byType = (prop: 'fill' | 'line'): ExpressionSpecification => [
  'match', ['get', 'aoi_type'],
  ...Object.entries(AOI_COLOURS).flatMap(([k, v]) => [k, prop === 'fill' ? v : shade(v)]),
  prop === 'fill' ? AOI_COLOURS.other : shade(AOI_COLOURS.other),
] as unknown as ExpressionSpecification;

const shade = (hex: string) => {
  const n = parseInt(hex.slice(1), 16);
  const f = (c: number) => Math.round(c * 0.82).toString(16).padStart(2, '0');
  return `#${f(n >> 16)}${f((n >> 8) & 255)}${f(n & 255)}`;
};

/** Adds the base map's place layers (below everything added later). */
export function addPlaceLayers(map: MapLibre, places: Places): void {
  const { areas, stations } = placeFeatures(places);
  map.addSource('places-areas', { type: 'geojson', data: areas });
  map.addSource('places-stations', { type: 'geojson', data: stations });
  map.addLayer({ id: 'places-fill', type: 'fill', source: 'places-areas', paint: { 'fill-color': byType('fill'), 'fill-opacity': 0.7 } });
  map.addLayer({ id: 'places-line', type: 'line', source: 'places-areas', paint: { 'line-color': byType('line'), 'line-width': 0.5, 'line-opacity': 0.6 } });
  map.addLayer({
    id: 'places-stations', type: 'circle', source: 'places-stations',
    paint: { 'circle-color': AOI_COLOURS.parcel_station, 'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2, 16, 6], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
  });
}

/** Score colours: amber at 0.5 through red to deep crimson at 1. */
export const SCORE_COLOUR: ExpressionSpecification = ['interpolate', ['linear'], ['get', 'score'], 0, '#f6d55c', 0.5, '#f6a04d', 0.75, '#e4572e', 0.9, '#b8001f', 1, '#7a0019'];
export const STATUS_STROKE: ExpressionSpecification = ['match', ['get', 'status'], 'active', '#1b1b1b', 'dormant', '#7a7a7a', 'moved', '#2b59c3', '#1b1b1b'];

/**
 * A circle layer's radius that is the feature's `radius_m` in metres at every zoom (exponential in
 * zoom, exactly as the map scales), never smaller than `minPx` so a 25 m site stays visible from afar.
 * Features carry `mpp0`, metres per pixel at zoom 0 at their latitude.
 */
export function metreRadius(minPx: number): ExpressionSpecification {
  const stops: (number | ExpressionSpecification)[] = [];
  for (let z = 8; z <= 22; z += 2) stops.push(z, ['max', minPx, ['/', ['*', ['get', 'radius_m'], 2 ** z], ['get', 'mpp0']]]);
  return ['interpolate', ['exponential', 2], ['zoom'], ...stops] as unknown as ExpressionSpecification;
}

export { metresPerPixelZ0 };
