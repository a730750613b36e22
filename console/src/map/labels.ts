/**
 * Place names on the map as HTML labels: MapLibre text layers need glyph
 * files from a server, and these are drawn by the browser in the console's
 * own fonts instead (Chinese included). Shown from street level only, where
 * they do not crowd.
 */
import { Marker, type Map as MapLibre } from 'maplibre-gl';
import type { Places } from '../api/types.ts';

const LABELLED = new Set(['urban_village', 'parcel_station', 'industrial']);
export const LABEL_MIN_ZOOM = 13.5;

export function addPlaceLabels(map: MapLibre, places: Places): () => void {
  const markers: Marker[] = [];
  for (const f of places.features) {
    const { name, aoi_type } = f.properties;
    if (!name || !LABELLED.has(aoi_type ?? '')) continue;
    const el = document.createElement('div');
    el.className = `place-label place-${aoi_type}`;
    el.textContent = name;
    // Decoration: the places are listed nowhere else, and a label is not a control.
    el.setAttribute('aria-hidden', 'true');
    markers.push(new Marker({ element: el, anchor: 'center' }).setLngLat(f.geometry.coordinates).addTo(map));
  }
  const container = map.getContainer();
  const toggle = () => container.classList.toggle('labels-hidden', map.getZoom() < LABEL_MIN_ZOOM);
  toggle();
  map.on('zoomend', toggle);
  return () => {
    map.off('zoomend', toggle);
    for (const m of markers) m.remove();
  };
}
