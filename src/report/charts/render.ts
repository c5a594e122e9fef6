/**
 * Rendering a chart spec outside the browser: vega-lite → vega → SVG with vega's headless View
 * (no canvas, no DOM), and SVG → PNG with resvg. resvg draws no text unless it is given fonts, so
 * DejaVu Sans from the dejavu-fonts-ttf package is passed explicitly (system fonts are not loaded:
 * the PNG looks the same on every machine).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);

/** The vega spec a vega-lite chart compiles to (without `$schema`: the report must name no URL). */
export function toVega(spec: TopLevelSpec, warnings?: string[]): vega.Spec {
  const logger = quietLogger(warnings);
  const v = compile(spec, { logger }).spec as vega.Spec & { $schema?: string };
  delete v.$schema;
  return v;
}

/** vega-lite's compile warnings collected (tests assert there are none) instead of printed. */
function quietLogger(sink: string[] = []): NonNullable<Parameters<typeof compile>[1]>['logger'] {
  let lvl = 0;
  const logger = {
    level(l?: number): any {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    warn(...args: readonly unknown[]): any {
      sink.push(args.map(String).join(' '));
      return logger;
    },
    info: (): any => logger,
    debug: (): any => logger,
    error(...args: readonly unknown[]): any {
      throw new Error(args.map(String).join(' '));
    },
  };
  return logger;
}

export async function renderSvg(spec: TopLevelSpec, warnings?: string[]): Promise<string> {
  const view = new vega.View(vega.parse(toVega(spec, warnings)), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let fontFiles: string[] | undefined;

/** DejaVu Sans (regular and bold) from the npm package, resolved once. */
export function chartFonts(): string[] {
  if (!fontFiles) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

/** PNG of an SVG at `scale` (1.5 = sharp on slides). */
export function svgToPng(svg: string, scale = 1.5): Buffer {
  return resvg(svg, scale, true).render().asPng();
}

/** RGBA pixels of an SVG (tests look for drawn text); `fonts: false` renders as resvg does without fonts. */
export function rasterize(svg: string, scale = 1, fonts = true): { width: number; height: number; pixels: Buffer } {
  const img = resvg(svg, scale, fonts).render();
  return { width: img.width, height: img.height, pixels: img.pixels };
}

function resvg(svg: string, scale: number, fonts: boolean): Resvg {
  return new Resvg(svg, {
    font: fonts
      ? { loadSystemFonts: false, fontFiles: chartFonts(), defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }
      : { loadSystemFonts: false },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
}
