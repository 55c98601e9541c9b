/** Turning a task's words into the phrases the simulator writes with. */

const STOPWORDS = new Set(
  `a an and are as at be by can do does for from has have how i if in into is it its make me my of on
  or our please should so some that the their them then there these this those to us use using want we
  what when where which while will with would you your write create build add implement need needs`.split(
    /\s+/,
  ),
);

/** Removes `[sim:…]` directives, so they steer the simulator without showing up in its prose. */
export function stripDirectives(text: string): string {
  return text.replace(/\[sim:[^\]]*\]/g, " ");
}

/** Distinct meaningful words of `text`, lower case, in order of first appearance. */
export function keywords(text: string, max = 8): string[] {
  const out: string[] = [];
  for (const raw of stripDirectives(text)
    .toLowerCase()
    .match(/[a-z][a-z0-9]*/g) ?? []) {
    if (raw.length < 3 || STOPWORDS.has(raw) || out.includes(raw)) continue;
    out.push(raw);
    if (out.length >= max) break;
  }
  return out;
}

/** The first line of `text` without directives, collapsed and cut to `maxWords` words (with "…"). */
export function subject(text: string, maxWords = 10): string {
  const words = stripDirectives(text).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "the task";
  const cut = words
    .slice(0, maxWords)
    .join(" ")
    .replace(/[.:;,!?]+$/, "");
  return words.length > maxWords ? `${cut}…` : cut;
}

/** Wraps `text` into lines of at most `width` characters, breaking between words only. */
export function wrap(text: string, width = 80): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** "a, b and c". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
