/**
 * The console's build: Vite with Preact, from console/ into dist/console,
 * served by `dragnet serve` at /. Everything the browser loads is in the
 * build (scripts, styles, MapLibre's worker, the Noto Sans SC font files);
 * nothing is fetched from another host at run time.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { notoSansSc } from './build/fonts.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  plugins: [preact(), notoSansSc({ weights: [400, 700] })],
  build: {
    outDir: here('../dist/console'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // MapLibre, ECharts and Cytoscape are big by nature; each loads only with the page that needs it.
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        // The three big libraries in chunks of their own names, loaded with the pages that draw with them.
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)/ },
            { name: 'cytoscape', test: /node_modules[\\/]cytoscape/ },
          ],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/config.json': 'http://127.0.0.1:8080' } },
});
