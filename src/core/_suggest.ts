// "Did you mean": the name closest to a mistyped one, for error messages.
// Event types and patterns here; configuration keys and sections
// (src/config/keys.ts) use `closest`. One edit distance for both.

import { EventTypeError } from "./errors.ts";

/** The Levenshtein distance between `a` and `b` (edits to turn one into the other). */
export function editDistance(a: string, b: string): number {
  let prev = [...Array(b.length + 1).keys()];
  for (const c of a) {
    const row = [prev[0] + 1];
    for (let j = 0; j < b.length; j++) {
      row.push(Math.min(prev[j + 1] + 1, row[j] + 1, prev[j] + +(c !== b[j])));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word` ignoring case, if within a few edits
 * (2, or a quarter of its length); for "did you mean" on names.
 */
export function closest(
  word: string,
  candidates: readonly string[],
): string | undefined {
  let best: string | undefined;
  let least = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < least) {
      best = c;
      least = d;
    }
  }
  return best;
}

/**
 * The error for a type the catalog lacks (publish, parse) or, with
 * `pattern`, for a well-formed pattern that selects none of its types. It
 * suggests the catalog type closest to the input, at most 3 edits away,
 * comparing tokens in place: `*` matches any one token, `>` the rest, and a
 * token cut short ("index" for "indexing") counts as one edit.
 */
export function noSuchType(
  input: string,
  types: readonly string[],
  pattern?: boolean,
): EventTypeError {
  const p = input.split(".");
  let least = 4; // at most 3 edits away
  let best = "";
  for (const type of types) {
    const t = type.split(".");
    let d = 0;
    for (let i = 0; (p[i] || t[i]) && p[i] !== ">"; i++) {
      const a = p[i] || "", b = t[i] || "";
      d += a === "*" && b
        ? 0
        : a && b.startsWith(a)
        ? +(a !== b)
        : editDistance(a, b);
    }
    if (d < least) {
      best = type;
      least = d;
    }
  }
  return new EventTypeError(
    input,
    `it ${pattern ? "matches no type of" : "is not in"} the event catalog${
      best && `; did you mean "${best}"?`
    }`,
    pattern ? "Unmatched event pattern" : "Unknown event type",
  );
}
