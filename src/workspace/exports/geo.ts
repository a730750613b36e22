/**
 * The case's site as map data for a partner's GIS: GeoJSON (RFC 7946, so
 * [lng, lat] in WGS84 and no `crs` member) and KML 2.2 for Google Earth.
 * Both carry the same features: the site with the lead's properties, its
 * radius as a polygon, the courier handover points, and the site's earlier
 * positions across runs with the track through them.
 */
import type { CaseFile } from '../types.ts';
import { circleRing } from './projection.ts';

export type Position = [number, number];

export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] };

export type FeatureKind = 'site' | 'radius' | 'handover_point' | 'history_position' | 'site_track';

export interface Feature {
  type: 'Feature';
  id: string;
  geometry: Geometry;
  properties: { kind: FeatureKind; name: string; case_id: number; [key: string]: unknown };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}

/** Vertices of the radius polygon (the ring has one more, closing it). */
const CIRCLE_VERTICES = 64;

/** 7 decimals of a degree are about a centimetre: more is noise. */
const round7 = (v: number): number => Math.round(v * 1e7) / 1e7;
const pos = (lat: number, lng: number): Position => [round7(lng), round7(lat)];

/** The case's features, site first. */
export function caseGeoJson(file: CaseFile): FeatureCollection {
  const { lead, case: c } = file;
  const base = { case_id: c.case_id };
  const features: Feature[] = [];

  features.push({
    type: 'Feature',
    id: 'site',
    geometry: { type: 'Point', coordinates: pos(lead.lat, lead.lng) },
    properties: { kind: 'site', name: `Lead ${lead.lead_id}`, ...base, state: c.state, case_title: c.title, ...lead },
  });

  features.push({
    type: 'Feature',
    id: 'radius',
    geometry: {
      type: 'Polygon',
      coordinates: [circleRing(lead.lat, lead.lng, lead.radius_m, CIRCLE_VERTICES).map(([lng, lat]) => pos(lat, lng))],
    },
    properties: { kind: 'radius', name: `Radius ${lead.radius_m} m of lead ${lead.lead_id}`, ...base, lead_id: lead.lead_id, radius_m: lead.radius_m },
  });

  file.detail.handover_points.forEach((h, i) => {
    features.push({
      type: 'Feature',
      id: `handover-${i + 1}`,
      geometry: { type: 'Point', coordinates: pos(h.lat, h.lng) },
      properties: { kind: 'handover_point', name: `Handover point ${i + 1}: ${h.parcels} parcels`, ...base, lead_id: lead.lead_id, rank: i + 1, parcels: h.parcels },
    });
  });

  file.site_history.forEach((s, i) => {
    features.push({
      type: 'Feature',
      id: `history-${i + 1}`,
      geometry: { type: 'Point', coordinates: pos(s.lat, s.lng) },
      properties: { kind: 'history_position', name: `${s.run_label}: lead ${s.lead_id}`, ...base, order: i + 1, ...s },
    });
  });

  if (file.site_history.length >= 2) {
    features.push({
      type: 'Feature',
      id: 'history-track',
      geometry: { type: 'LineString', coordinates: file.site_history.map((s) => pos(s.lat, s.lng)) },
      properties: {
        kind: 'site_track',
        name: `Site across ${file.site_history.length} runs`,
        ...base,
        lead_ids: file.site_history.map((s) => s.lead_id),
        run_ids: file.site_history.map((s) => s.run_id),
      },
    });
  }

  return { type: 'FeatureCollection', features };
}

// ---- KML ----

/** Escapes text for XML content and attributes, dropping the control characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const FOLDERS: { name: string; kinds: FeatureKind[] }[] = [
  { name: 'Site', kinds: ['site', 'radius'] },
  { name: 'Handover points', kinds: ['handover_point'] },
  { name: 'Site history', kinds: ['history_position', 'site_track'] },
];

/** KML colours are aabbggrr. */
const STYLES = `
    <Style id="site"><IconStyle><color>ff1c1cd6</color><scale>1.2</scale></IconStyle></Style>
    <Style id="radius"><LineStyle><color>ff1c1cd6</color><width>2</width></LineStyle><PolyStyle><color>331c1cd6</color></PolyStyle></Style>
    <Style id="handover_point"><IconStyle><color>ffd08a1f</color><scale>0.8</scale></IconStyle></Style>
    <Style id="history_position"><IconStyle><color>ff888888</color><scale>0.8</scale></IconStyle></Style>
    <Style id="site_track"><LineStyle><color>ff888888</color><width>2</width></LineStyle></Style>`;

function kmlValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(kmlValue).join('; ');
  return String(v);
}

const kmlCoords = (ps: Position[]): string => ps.map(([lng, lat]) => `${lng},${lat}`).join(' ');

function kmlGeometry(g: Geometry): string {
  switch (g.type) {
    case 'Point':
      return `<Point><coordinates>${kmlCoords([g.coordinates])}</coordinates></Point>`;
    case 'LineString':
      return `<LineString><tessellate>1</tessellate><coordinates>${kmlCoords(g.coordinates)}</coordinates></LineString>`;
    case 'Polygon':
      return `<Polygon><outerBoundaryIs><LinearRing><coordinates>${kmlCoords(g.coordinates[0])}</coordinates></LinearRing></outerBoundaryIs></Polygon>`;
  }
}

function placemark(f: Feature): string {
  const { name, kind, ...rest } = f.properties;
  const data = Object.entries({ kind, ...rest })
    .map(([k, v]) => `<Data name="${xmlEscape(k)}"><value>${xmlEscape(kmlValue(v))}</value></Data>`)
    .join('');
  const description = kind === 'site' ? `<description>${xmlEscape(kmlValue(f.properties.evidence))}</description>` : '';
  return (
    `      <Placemark id="${xmlEscape(f.id)}"><name>${xmlEscape(name)}</name>${description}` +
    `<styleUrl>#${kind}</styleUrl><ExtendedData>${data}</ExtendedData>${kmlGeometry(f.geometry)}</Placemark>`
  );
}

/** The same features as `caseGeoJson`, as a KML 2.2 document in three folders. */
export function caseKml(file: CaseFile): string {
  const { features } = caseGeoJson(file);
  const folders = FOLDERS.map(({ name, kinds }) => {
    const marks = features.filter((f) => kinds.includes(f.properties.kind));
    if (marks.length === 0) return '';
    return `    <Folder><name>${xmlEscape(name)}</name>\n${marks.map(placemark).join('\n')}\n    </Folder>\n`;
  }).join('');
  const title = `Case ${file.case.case_id}: lead ${file.lead.lead_id}`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<kml xmlns="http://www.opengis.net/kml/2.2">\n  <Document>\n` +
    `    <name>${xmlEscape(title)}</name>\n` +
    `    <description>${xmlEscape(`${file.case.title} (${file.case.state}), generated ${file.generated_at}`)}</description>` +
    `${STYLES}\n${folders}  </Document>\n</kml>\n`
  );
}
