// "Did you mean": the names closest to a mistyped one, for error messages.
// Event types and patterns here; configuration keys and sections in
// src/config/keys.ts use the same edit distance.

import { EventTypeError } from "./errors.ts";

/** The Levenshtein distance between `a` and `b` (edits to turn one into the other). */
export function editDistance(a: string, b: string): number {
  let prev = [...Array(b.length + 1).keys()];
  for (let i = 0; i < a.length; i++) {
    const row = [i + 1];
    for (let j = 0; j < b.length; j++) {
      row[j + 1] = Math.min(
        prev[j + 1] + 1,
        row[j] + 1,
        prev[j] + (a[i] === b[j] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The error for a type the catalog lacks (publish, parse) or, with
 * `pattern`, for a well-formed pattern that selects none of its types. It
 * suggests the (at most 3) catalog types closest to the input, comparing
 * tokens in place: `*` matches any one token, `>` the rest, and a token cut
 * short ("index" for "indexing") counts as one edit.
 */
export function noSuchType(
  input: string,
  types: readonly string[],
  pattern?: boolean,
): EventTypeError {
  const p = input.split(".");
  let least = Math.max(2, (input.length - p.length) / 3);
  let best: string[] = [];
  for (const type of types) {
    const t = type.split(".");
    let d = 0;
    for (let i = 0; i < p.length || i < t.length; i++) {
      const [a = "", b = ""] = [p[i], t[i]];
      if (a === ">") break;
      d += a === b || a === "*" && b
        ? 0
        : a && b.startsWith(a)
        ? 1
        : editDistance(a, b);
    }
    if (d < least) best = [];
    if (d <= least) {
      best.push(type);
      least = d;
    }
  }
  return new EventTypeError(
    input,
    `it ${pattern ? "matches no type of" : "is not in"} the event catalog${
      best[0] ? `; did you mean "${best.slice(0, 3).join('" or "')}"?` : ""
    }`,
    pattern ? "Unmatched event pattern" : "Unknown event type",
  );
}
