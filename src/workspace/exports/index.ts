/**
 * The export formats of a case file: the PDF for people, GeoJSON and KML for
 * a GIS, CSV of the accounts for a spreadsheet, FollowTheMoney entities for
 * Aleph. Each renderer takes a `CaseFile` already cut to what the requester
 * may see.
 */
import type { CaseFile } from '../types.ts';
import { casePdf } from './pdf.ts';
import { caseGeoJson, caseKml } from './geo.ts';
import { accountsCsv } from './csv.ts';
import { caseFtm } from './ftm.ts';

export { casePdf } from './pdf.ts';
export { caseGeoJson, caseKml, type Feature, type FeatureCollection } from './geo.ts';
export { accountsCsv, ACCOUNTS_CSV_HEADER } from './csv.ts';
export { caseFtm, ftmJsonLines, type FtmEntity } from './ftm.ts';
export { findCjkFont, CJK_FONT_ENV, type CjkFont } from './fonts.ts';

export interface ExportFormatSpec {
  contentType: string;
  /** File name extension, without the dot. */
  extension: string;
  label: string;
  render: (file: CaseFile) => Promise<Buffer | string>;
}

export const EXPORT_FORMATS = {
  pdf: { contentType: 'application/pdf', extension: 'pdf', label: 'Case file (PDF)', render: (f) => casePdf(f) },
  geojson: {
    contentType: 'application/geo+json',
    extension: 'geojson',
    label: 'Site map data (GeoJSON)',
    render: async (f) => JSON.stringify(caseGeoJson(f)),
  },
  kml: {
    contentType: 'application/vnd.google-earth.kml+xml',
    extension: 'kml',
    label: 'Site map for Google Earth (KML)',
    render: async (f) => caseKml(f),
  },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv', label: 'Linked accounts (CSV)', render: async (f) => accountsCsv(f) },
  ftm: {
    contentType: 'application/json',
    extension: 'json',
    label: 'FollowTheMoney entities for Aleph (JSON)',
    render: async (f) => JSON.stringify(caseFtm(f), null, 1),
  },
} as const satisfies Record<string, ExportFormatSpec>;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

export const isExportFormat = (s: string): s is ExportFormat => Object.hasOwn(EXPORT_FORMATS, s);
