/**
 * Self-hosts Noto Sans SC from @fontsource/noto-sans-sc: copies the woff2
 * files of the chosen weights into the build under /fonts and writes one
 * stylesheet for them (the browser fetches only the subsets a page's
 * characters fall in). Fontsource's own CSS also lists woff fallbacks, which
 * every browser the console supports skips; leaving them out halves the build.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const FAMILY_DIR = dirname(createRequire(import.meta.url).resolve('@fontsource/noto-sans-sc/package.json'));
export const FONT_CSS = '/fonts/noto-sans-sc.css';

interface Fonts {
  css: string;
  files: string[];
}

function collect(weights: number[]): Fonts {
  const files = new Set<string>();
  const css = weights
    .map((w) => readFileSync(join(FAMILY_DIR, `${w}.css`), 'utf8'))
    .join('\n')
    .replace(/src:\s*url\(\.\/files\/([^)]+\.woff2)\) format\('woff2'\)[^;]*;/g, (_m, file: string) => {
      files.add(file);
      return `src: url(/fonts/${file}) format('woff2');`;
    });
  if (files.size === 0) throw new Error(`no woff2 files found in ${FAMILY_DIR}: has @fontsource/noto-sans-sc changed its CSS?`);
  return { css, files: [...files] };
}

export function notoSansSc(options: { weights: number[] }): Plugin {
  let fonts: Fonts | undefined;
  const get = () => (fonts ??= collect(options.weights));
  return {
    name: 'dragnet-noto-sans-sc',
    generateBundle() {
      const { css, files } = get();
      this.emitFile({ type: 'asset', fileName: FONT_CSS.slice(1), source: css });
      for (const f of files) this.emitFile({ type: 'asset', fileName: `fonts/${f}`, source: readFileSync(join(FAMILY_DIR, 'files', f)) });
    },
    configureServer(server) {
      server.middlewares.use('/fonts', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        const { css, files } = get();
        if (name === 'noto-sans-sc.css') return void res.setHeader('content-type', 'text/css').end(css);
        if (!files.includes(name)) return next();
        res.setHeader('content-type', 'font/woff2');
        res.end(readFileSync(join(FAMILY_DIR, 'files', name)));
      });
    },
    transformIndexHtml: {
      order: 'post',
      handler: () => [{ tag: 'link', attrs: { rel: 'stylesheet', href: FONT_CSS }, injectTo: 'head' }],
    },
  };
}
