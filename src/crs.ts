/**
 * Coordinate system conversions between WGS84 and GCJ-02, through the gcoord
 * library (maintained, tested against the published offset algorithm).
 */
import gcoordModule from 'gcoord';

// gcoord ships CommonJS with ESM-style typings; under NodeNext resolution
// TypeScript types the default import as the module namespace, while Node
// hands over module.exports. This restores the runtime shape for the checker.
type Gcoord = (typeof gcoordModule)['default'];
const gcoord = gcoordModule as unknown as Gcoord;

/** GCJ-02 -> WGS84, as [lng, lat]. */
export function gcj02ToWgs84(lng: number, lat: number): [number, number] {
  return gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84) as [number, number];
}

/** WGS84 -> GCJ-02, as [lng, lat]. */
export function wgs84ToGcj02(lng: number, lat: number): [number, number] {
  return gcoord.transform([lng, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
}
