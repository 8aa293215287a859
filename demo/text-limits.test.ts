import { describe, expect, it } from 'vitest';
import {
  countCharacters,
  firstCharacters,
  limitedText,
  TEXT_LIMITS,
  textProblem,
  UNITS_PER_CHARACTER,
} from './text-limits.ts';

const thumb = '👍🏽'; // 4 code units
const family = '👨‍👩‍👧‍👦'; // 11 code units
const accented = 'e\u0301'; // 2 code units
const flag = '🇫🇷'; // 4 code units

describe('text limits count what a person sees', () => {
  it('counts an emoji, a flag and a letter with its accent as one character each', () => {
    expect(countCharacters(`${thumb}${family}${accented}${flag}a`)).toBe(5);
    expect(countCharacters('')).toBe(0);
  });

  it('cuts between characters, never inside one', () => {
    expect(firstCharacters(`ab${family}c`, 3)).toBe(`ab${family}`);
    expect(firstCharacters(accented.repeat(3), 2)).toBe(accented.repeat(2));
    expect(firstCharacters('abc', 5)).toBe('abc');
    expect(firstCharacters('abc', 0)).toBe('');
  });

  it('lets exactly the limit through in characters, whatever their code units', () => {
    for (const c of [thumb, family, accented, flag, 'x']) {
      expect(textProblem(c.repeat(500), 500)).toBeNull();
      expect(textProblem(c.repeat(501), 500)).toEqual({ kind: 'long', characters: 501 });
    }
  });

  it('refuses a pile of combining marks past the code-unit ceiling as heavy', () => {
    const zalgo = `e${'\u0301'.repeat(200 * UNITS_PER_CHARACTER)}`;
    expect(countCharacters(zalgo)).toBe(1);
    expect(textProblem(zalgo, 200)).toEqual({ kind: 'heavy' });
  });

  it('the schema field agrees with textProblem', () => {
    const title = limitedText(TEXT_LIMITS.todoTitle);
    for (const text of [family.repeat(500), accented.repeat(500), 'x', family.repeat(501), '']) {
      const fits = text.length > 0 && textProblem(text, TEXT_LIMITS.todoTitle) === null;
      expect(title.safeParse(text).success, `${text.length} units`).toBe(fits);
    }
    expect(title.safeParse(family.repeat(501)).error?.issues[0]?.message).toMatch(/^Too big/);
  });
});
