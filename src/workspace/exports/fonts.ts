/**
 * Finds a font that covers Chinese for the PDF case file: shop names,
 * addresses and listing titles are Chinese, and the 14 standard PDF fonts
 * have no CJK glyphs. `DRAGNET_CJK_FONT` names one (`path`, or
 * `path#PostScriptName` to pick a face out of a .ttc collection); else the
 * places Debian's font packages install to are tried in order.
 */
import { existsSync } from 'node:fs';

/** One font face: a file and, for a collection (.ttc), the PostScript name of the face inside it. */
export interface FontFace {
  path: string;
  postscriptName?: string;
}

/** The faces the PDF uses; `bold` is the regular face where no bold one was found. */
export interface CjkFont {
  regular: FontFace;
  bold: FontFace;
}

interface Candidate {
  regular: FontFace;
  bold?: FontFace;
}

const NOTO = '/usr/share/fonts/opentype/noto';

/** Debian's CJK fonts, best first (fonts-noto-cjk, fonts-wqy-microhei, fonts-droid-fallback). */
export const KNOWN_CJK_FONTS: readonly Candidate[] = [
  {
    regular: { path: `${NOTO}/NotoSansCJK-Regular.ttc`, postscriptName: 'NotoSansCJKsc-Regular' },
    bold: { path: `${NOTO}/NotoSansCJK-Bold.ttc`, postscriptName: 'NotoSansCJKsc-Bold' },
  },
  {
    regular: { path: `${NOTO}/NotoSansCJKsc-Regular.otf` },
    bold: { path: `${NOTO}/NotoSansCJKsc-Bold.otf` },
  },
  { regular: { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', postscriptName: 'WenQuanYiMicroHei' } },
  { regular: { path: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf' } },
];

export const CJK_FONT_ENV = 'DRAGNET_CJK_FONT';

/** `path` or `path#PostScriptName` as a face. */
export function parseFontSpec(spec: string): FontFace {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0) return { path: spec };
  const postscriptName = spec.slice(hash + 1).trim();
  return postscriptName ? { path: spec.slice(0, hash), postscriptName } : { path: spec.slice(0, hash) };
}

/**
 * The CJK font to embed. Throws, naming every path tried and what to
 * install, when there is none: a case file whose Chinese came out as empty
 * boxes would be worse than no case file.
 */
export function findCjkFont(
  env: Record<string, string | undefined> = process.env,
  exists: (path: string) => boolean = existsSync,
): CjkFont {
  const spec = env[CJK_FONT_ENV]?.trim();
  if (spec) {
    const face = parseFontSpec(spec);
    if (!exists(face.path)) {
      throw new Error(`${CJK_FONT_ENV} names ${face.path}, which does not exist: point it at a font file that covers Chinese (.ttf, .otf, or .ttc#PostScriptName).`);
    }
    if (/\.ttc$/i.test(face.path) && !face.postscriptName) {
      throw new Error(`${CJK_FONT_ENV} names the font collection ${face.path}: add the face to use, as ${face.path}#PostScriptName (for Noto: #NotoSansCJKsc-Regular).`);
    }
    return { regular: face, bold: face };
  }
  for (const c of KNOWN_CJK_FONTS) {
    if (!exists(c.regular.path)) continue;
    const bold = c.bold && exists(c.bold.path) ? c.bold : c.regular;
    return { regular: c.regular, bold };
  }
  const tried = KNOWN_CJK_FONTS.map((c) => c.regular.path).join(', ');
  throw new Error(
    `No font with Chinese glyphs found for the PDF (tried ${tried}). ` +
      `Install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk), or set ${CJK_FONT_ENV} to a font file (path, or path#PostScriptName for a .ttc).`,
  );
}
