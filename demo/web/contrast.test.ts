import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** WCAG 2 contrast ratio of two `#rrggbb` colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('the status line', () => {
  it('has a contrast of at least 4.5:1 in every state (WCAG AA at 13 px)', async () => {
    const css = await readFile(new URL('./styles.css', import.meta.url), 'utf8');
    const vars = Object.fromEntries(
      [...css.matchAll(/(--[\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]),
    );
    const colour = (value: string) => vars[value.replace(/^var\((--[\w-]+)\)$/, '$1')] ?? value;
    const rules = [...css.matchAll(/\.pill(\[data-state="(\w+)"\])?\s*\{([^}]*)\}/g)];
    const base = rules.find((r) => !r[1])![3]!;
    const prop = (body: string, name: string) =>
      body.match(new RegExp(`(?:^|\\s)${name}:\\s*([^;]+);`))?.[1]?.trim();
    const states = rules.filter((r) => r[2]).map((r) => r[2]!);
    expect(states).toEqual(expect.arrayContaining(['synced', 'pending', 'retrying', 'offline']));
    for (const [state, body] of [
      ['busy', base],
      ...rules.filter((r) => r[2]).map((r) => [r[2]!, r[3]!]),
    ]) {
      const fg = colour(prop(body!, 'color') ?? prop(base, 'color')!);
      const bg = colour(prop(body!, 'background') ?? prop(base, 'background')!);
      expect(contrast(fg, bg), `${state}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});
