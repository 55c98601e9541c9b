/**
 * Tokens as the simulator counts and streams them: a word with the whitespace that follows it.
 * Concatenating the tokens of a text gives the text back, byte for byte.
 */

const TOKEN = /\s+|\S+\s*/gy;

/** Splits `text` into tokens; leading whitespace, if any, is a token of its own. */
export function tokenize(text: string): string[] {
  // Sticky matching walks the text without gaps, so every character lands in exactly one token.
  return text.match(TOKEN) ?? [];
}

const WORD = /\S+/g;
const LEADING_SPACE = /^\s/;

/**
 * `tokenize(text).length` without building the tokens: a unary answer only needs the count, and
 * the array of small strings was the sim's largest garbage per call.
 */
export function countTokens(text: string): number {
  // `test` on a global regex walks lastIndex without allocating a match.
  WORD.lastIndex = 0;
  let n = LEADING_SPACE.test(text) ? 1 : 0;
  while (WORD.test(text)) n++;
  return n;
}

/** Words in every string inside `value` (objects and arrays are walked): the sim's input token count. */
export function countWords(value: unknown): number {
  if (typeof value === "string") return value.match(/\S+/g)?.length ?? 0;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countWords(v), 0);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).reduce<number>((n, v) => n + countWords(v), 0);
  }
  return 0;
}
