import * as z from 'zod';

/**
 * The demo's text limits, in characters as a person sees them (grapheme clusters: "👍🏽", "é"
 * written as e + U+0301 and "🇫🇷" are one each). The schema (so the worker and the server) and
 * the page count the same way, so a text the page accepts is never refused later.
 */
export const TEXT_LIMITS = { boardName: 200, todoTitle: 500, userName: 64 } as const;

/**
 * UTF-16 code units one character may take on average before a text is refused as too heavy
 * to store. A visible character is 1–2 units, an emoji with skin tone 4, a family emoji 11; only
 * a pile of combining marks on each letter ("Zalgo" text) gets past 16. The ceiling keeps one
 * record well under the server's 1 MiB request limit whatever a character holds.
 */
export const UNITS_PER_CHARACTER = 16;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * How many characters a person sees in `text` (grapheme clusters).
 *
 * @example countCharacters('👍🏽 ok') // 4 (its `.length` is 7)
 */
export function countCharacters(text: string): number {
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

/**
 * The first `max` characters of `text`, never splitting one (an emoji, a letter and its
 * accents).
 *
 * @example firstCharacters('ab👍🏽c', 3) // 'ab👍🏽'
 */
export function firstCharacters(text: string, max: number): string {
  let end = 0;
  let n = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (n === max) break;
    end += segment.length;
    n++;
  }
  return text.slice(0, end);
}

/** Why a text does not fit a limit: too many characters, or characters too heavy to store. */
export type TextProblem = { kind: 'long'; characters: number } | { kind: 'heavy' };

/**
 * What keeps `text` from fitting `max` characters, or null when it fits. The code-unit ceiling
 * is checked first: it is cheap and bounds the segmenter's work on a huge paste.
 *
 * @example textProblem('x'.repeat(201), 200) // { kind: 'long', characters: 201 }
 */
export function textProblem(text: string, max: number): TextProblem | null {
  if (text.length <= max) return null;
  if (text.length > max * UNITS_PER_CHARACTER) return { kind: 'heavy' };
  const characters = countCharacters(text);
  return characters > max ? { kind: 'long', characters } : null;
}

/**
 * A zod string of 1 to `max` characters as `textProblem` counts them: what the schema's
 * name and title fields are. Its messages ("Too big: …") are what `friendlyError` recognises.
 *
 * @example z.object({ title: limitedText(TEXT_LIMITS.todoTitle) })
 */
export function limitedText(max: number) {
  return z
    .string()
    .min(1)
    .max(max * UNITS_PER_CHARACTER, {
      error: `Too big: expected string to be at most ${max} characters of at most ${UNITS_PER_CHARACTER} code units each`,
    })
    .refine((text) => textProblem(text, max) === null, {
      error: `Too big: expected string to have <=${max} characters`,
    });
}
