/**
 * A MapLibre map on the console's offline base map: the dataset's places
 * (for the roles that may read them) over a plain background, or the
 * operator's tiles when configured. MapLibre's worker is loaded from the
 * build (same origin), as the Content-Security-Policy requires.
 */
import { Map as MapLibre, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef } from 'preact/hooks';
import { mapConfig, places as loadPlaces } from '../cache.ts';
import { useI18n } from '../i18n/index.ts';
import type { Bounds } from '../map/geo.ts';
import { addPlaceLabels } from '../map/labels.ts';
import { addPlaceLayers, baseStyle } from '../map/style.ts';

setWorkerUrl(workerUrl);

declare global {
  interface Window {
    /** The console's live maps by name, for the browser tests (projecting a lead to a pixel, timing frames). */
    dragnetMaps?: Record<string, MapLibre>;
  }
}

interface Props {
  /** What the map shows, for screen readers. */
  label: string;
  /** Registered under this name in window.dragnetMaps. */
  name: string;
  /** Draw the dataset's places (every role with a map may read /api/map/places). */
  withPlaces: boolean;
  bounds: Bounds | null;
  maxZoom?: number;
  class?: string;
  /** Called once the map and its base layers are ready; may return a cleanup. */
  onReady: (map: MapLibre) => void | (() => void);
}

export function MapView({ label, name, withPlaces, bounds, maxZoom = 16, class: cls, onReady }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const { t } = useI18n();
  useEffect(() => {
    let map: MapLibre | null = null;
    let cleanups: (() => void)[] = [];
    let gone = false;
    const el = ref.current!;
    el.dataset.state = 'loading';
    void (async () => {
      const [config, places] = await Promise.all([mapConfig(), withPlaces ? loadPlaces() : Promise.resolve(null)]);
      if (gone) return;
      map = new MapLibre({
        container: el,
        style: baseStyle(config.tiles),
        bounds: bounds ?? undefined,
        fitBoundsOptions: { padding: 32, maxZoom },
        center: bounds ? undefined : [0, 0],
        zoom: bounds ? undefined : 1,
        attributionControl: config.tiles ? { compact: true } : false,
        dragRotate: false,
        pitchWithRotate: false,
        touchPitch: false,
        maxPitch: 0,
        locale: {
          'NavigationControl.ZoomIn': t('map.zoom_in'),
          'NavigationControl.ZoomOut': t('map.zoom_out'),
          'Map.Title': label,
        },
      });
      const m = map;
      m.addControl(new NavigationControl({ showCompass: false }), 'top-right');
      m.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
      (window.dragnetMaps ??= {})[name] = m;
      m.once('load', () => {
        if (gone) return;
        if (places) {
          addPlaceLayers(m, places);
          cleanups.push(addPlaceLabels(m, places));
        }
        const done = onReady(m);
        if (done) cleanups.push(done);
        m.once('idle', () => (el.dataset.state = 'ready'));
      });
    })();
    return () => {
      gone = true;
      for (const c of cleanups) c();
      cleanups = [];
      if (window.dragnetMaps?.[name] === map) delete window.dragnetMaps[name];
      map?.remove();
    };
    // The map is made once; its content changes through the map object, not by remaking it.
  }, []);
  return <div ref={ref} class={`map ${cls ?? ''}`} role="region" aria-label={label} />;
}
