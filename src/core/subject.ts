/**
 * Event type names and NATS-style subscription patterns.
 *
 * A type is 1..16 dot-separated tokens of `[A-Za-z0-9_-]`, at most 256
 * characters. A pattern is a type in which a token may be `*` (exactly one
 * token) and the last token may be `>` (one or more tokens).
 *
 * @module
 */

import { EventTypeError } from "./errors.ts";

/** Most tokens an event type may have. */
export const MAX_TYPE_TOKENS = 16;
/** Most characters an event type may have. */
export const MAX_TYPE_LENGTH = 256;

const TOKEN = /^[A-Za-z0-9_-]+$/;

function checkTokens(input: string, allowWildcards: boolean): void {
  const fail = (reason: string): never => {
    throw new EventTypeError(
      String(input),
      reason,
      allowWildcards ? "Invalid event pattern" : "Invalid event type",
    );
  };
  if (typeof input !== "string") {
    fail(`expected a string, got ${typeof input}`);
  }
  if (input.length === 0) fail("it is empty");
  if (input.length > MAX_TYPE_LENGTH) {
    fail(
      `it has ${input.length} characters, at most ${MAX_TYPE_LENGTH} are allowed`,
    );
  }
  const tokens = input.split(".");
  if (tokens.length > MAX_TYPE_TOKENS) {
    fail(
      `it has ${tokens.length} tokens, at most ${MAX_TYPE_TOKENS} are allowed`,
    );
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === "") fail(`token ${i + 1} is empty`);
    if (allowWildcards && token === "*") continue;
    if (allowWildcards && token === ">") {
      if (i === tokens.length - 1) continue;
      fail(`">" may only be the last token`);
    }
    if (!TOKEN.test(token)) {
      fail(
        `token ${
          i + 1
        } ("${token}") may contain only A-Z, a-z, 0-9, "_" and "-"` +
          (allowWildcards ? `, or be "*" or a final ">"` : ""),
      );
    }
  }
}

/**
 * Throws an {@linkcode EventTypeError} unless `type` is a valid event type.
 *
 * @param type The candidate event type.
 * @throws {EventTypeError} naming the type and the rule it breaks.
 *
 * @example
 * ```ts
 * import { assertEventType } from "@mcb/event-bus";
 * assertEventType("context.updated"); // ok
 * try { assertEventType("context.*"); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function assertEventType(type: string): void {
  checkTokens(type, false);
}

/**
 * Throws an {@linkcode EventTypeError} unless `pattern` is a valid pattern.
 *
 * @param pattern The candidate pattern (`a.b`, `a.*`, `a.>`, `>`).
 * @throws {EventTypeError} naming the pattern and the rule it breaks.
 */
export function assertPattern(pattern: string): void {
  checkTokens(pattern, true);
}

/** Whether `pattern` contains a `*` or `>` wildcard token. */
export function isWildcard(pattern: string): boolean {
  // In a valid pattern "*" and ">" can only appear as whole tokens.
  return pattern.includes("*") || pattern.includes(">");
}

/**
 * Whether the event type `type` matches `pattern`. Both must be valid.
 *
 * @param pattern A pattern such as `context.*` or `index.>`.
 * @param type A concrete event type.
 * @returns `true` when the pattern selects the type.
 *
 * @example
 * ```ts
 * import { matchesPattern } from "@mcb/event-bus";
 * console.log(matchesPattern("index.>", "index.progress")); // true
 * console.log(matchesPattern("index.*", "index.a.b")); // false
 * ```
 */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === type) return true;
  if (!isWildcard(pattern)) return false;
  const p = pattern.split(".");
  const t = type.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return t.length > i;
    if (i >= t.length) return false;
    if (p[i] !== "*" && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

/** Splits a dotted type or pattern into its tokens, at the type level. */
export type PatternTokens<S extends string> = S extends `${infer H}.${infer T}`
  ? [H, ...PatternTokens<T>]
  : [S];

/** Whether pattern tokens `P` select type tokens `T`, at the type level. */
export type TokensMatch<P extends string[], T extends string[]> = P extends
  [">"] ? T extends [string, ...string[]] ? true : false
  : P extends [infer PH extends string, ...infer PT extends string[]]
    ? T extends [infer TH extends string, ...infer TT extends string[]]
      ? PH extends "*" ? TokensMatch<PT, TT>
      : PH extends TH ? TokensMatch<PT, TT>
      : false
    : false
  : T extends [] ? true
  : false;

/**
 * The members of the union `Types` that the pattern `P` selects, computed by
 * the type checker (for a union of patterns, what any of them selects). A
 * pattern only known as `string` selects every type.
 *
 * @example
 * ```ts
 * import type { MatchingTypes } from "@mcb/event-bus";
 * type T = MatchingTypes<"a.x" | "a.y" | "b.x", "a.*">; // "a.x" | "a.y"
 * const t: T = "a.y";
 * ```
 */
export type MatchingTypes<Types extends string, P extends string> =
  string extends P ? Types
    : P extends unknown
      ? Types extends unknown
        ? TokensMatch<PatternTokens<P>, PatternTokens<Types>> extends true
          ? Types
        : never
      : never
    : never;

/**
 * `P` when it selects at least one of `Types`, or when either is only known
 * as `string` (then the bus checks it when called); otherwise a message
 * type no pattern is assignable to, so such a pattern fails to compile with
 * an error that names it.
 *
 * @example
 * ```ts
 * import type { KnownPattern } from "@mcb/event-bus";
 * type Ok = KnownPattern<"a.x" | "b.x", "a.*">; // "a.*"
 * type Bad = KnownPattern<"a.x" | "b.x", "c.>">;
 * // "Pattern `c.>` matches no event type of the catalog"
 * const ok: Ok = "a.*";
 * ```
 */
export type KnownPattern<Types extends string, P extends string> =
  string extends P | Types ? P
    : P extends unknown
      ? [MatchingTypes<Types, P>] extends [never]
        ? `Pattern \`${P}\` matches no event type of the catalog`
      : P
    : never;
