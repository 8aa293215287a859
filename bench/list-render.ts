import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { chromiumLaunch } from '../playwright.config.ts';
import { median } from './median.ts';

/** Results of one renderer, in ms: the first draw, then the medians of toggles and adds. */
export interface ListRenderResult {
  firstDrawMs: number;
  toggleMs: number;
  addMs: number;
}

/**
 * Renders `count` todos in Chromium with the demo's keyed list and with a full redraw (the
 * baseline, how the demo drew lists before), then toggles and adds `repeats` times each; every
 * time runs from the change to the frame that shows it.
 */
export async function benchListRender(
  count: number,
  repeats: number,
): Promise<{ keyed: ListRenderResult; redraw: ListRenderResult }> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./list-render/page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    conditions: ['swsync-source'],
    logLevel: 'warning',
  });
  const css = await readFile(new URL('../demo/web/styles.css', import.meta.url), 'utf8');
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}
</style></head>
    <body><div id="root" class="panel"></div></body></html>`;
  const browser = await chromium.launch({ ...chromiumLaunch, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.setContent(html);
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text, type: 'module' });
    await page.waitForFunction(() => 'bench' in window);
    type Bench = {
      setup(kind: string, count: number): Promise<number>;
      toggle(index: number): Promise<number>;
      add(): Promise<number>;
    };
    const run = async (kind: 'keyed' | 'redraw'): Promise<ListRenderResult> => {
      const firstDrawMs = await page.evaluate(
        ([k, n]) => (window as unknown as { bench: Bench }).bench.setup(k, n),
        [kind, count] as const,
      );
      const toggles: number[] = [];
      const adds: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const index = Math.floor(((i + 0.5) / repeats) * count);
        toggles.push(
          await page.evaluate(
            (at) => (window as unknown as { bench: Bench }).bench.toggle(at),
            index,
          ),
        );
        adds.push(await page.evaluate(() => (window as unknown as { bench: Bench }).bench.add()));
      }
      return { firstDrawMs, toggleMs: median(toggles), addMs: median(adds) };
    };
    // A warm-up pass settles the JIT; the baseline (seconds per change) needs none to be slow.
    await run('keyed');
    const redraw = await run('redraw');
    const keyed = await run('keyed');
    return { keyed, redraw };
  } finally {
    await browser.close();
  }
}

/** `npm run bench:list`: prints both renderers and the ratio, at BENCH_TODOS todos (10,000). */
async function main() {
  const count = Number(process.env.BENCH_TODOS ?? 10_000);
  const repeats = Number(process.env.BENCH_REPEATS ?? 10);
  const { keyed, redraw } = await benchListRender(count, repeats);
  const frame = 1000 / 60;
  const line = (name: string, r: ListRenderResult) =>
    `${name}: first draw ${r.firstDrawMs.toFixed(0)} ms; toggle ${r.toggleMs.toFixed(1)} ms ` +
    `(${Math.ceil(r.toggleMs / frame)} frames); add ${r.addMs.toFixed(1)} ms ` +
    `(${Math.ceil(r.addMs / frame)} frames)`;
  console.log(`Todo list, ${count} todos, medians of ${repeats} (Chromium, 1280×800)`);
  console.log(line('keyed list (demo)', keyed));
  console.log(line('full redraw (baseline)', redraw));
  console.log(
    `keyed vs baseline: toggle ${(redraw.toggleMs / keyed.toggleMs).toFixed(1)}x faster, ` +
      `add ${(redraw.addMs / keyed.addMs).toFixed(1)}x faster`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
