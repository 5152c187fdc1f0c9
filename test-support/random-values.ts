// For the .env format tests: seeded random values over the characters that break .env files.

/** mulberry32: a seeded PRNG, so a failure reproduces. */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(next: () => number, xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;

export const NASTY = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\v',
  '\f',
  '#',
  "'",
  '"',
  '\\',
  '\\\\',
  '$',
  '${A}',
  '${PATH}',
  '{',
  '}',
  '=',
  '="',
  'a',
  'Z',
  '0',
  '_',
  'é',
  '😀',
  '\u00a0',
  '\u2028',
  '\u0085',
  '\uFEFF',
  'export ',
  '\\n',
  '\\"',
  '(',
  ')',
];

export const randomValue = (next: () => number, max = 16) =>
  Array.from({ length: Math.floor(next() * max) }, () => pick(next, NASTY)).join('');
