import assert from "node:assert/strict";
import {
  assertEventType,
  assertPattern,
  EventTypeError,
  isWildcard,
  matchesPattern,
  MAX_TYPE_LENGTH,
  MAX_TYPE_TOKENS,
} from "../mod.ts";
import type { MatchingTypes } from "../mod.ts";

function rejects(fn: () => void, input: string, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EventTypeError, String(error));
    assert.equal(error.name, "EventTypeError");
    assert.ok(error.message.includes(`"${input}"`), error.message);
    assert.match(error.message, reason);
    return true;
  });
}

Deno.test("assertEventType() accepts well-formed types", () => {
  for (
    const type of [
      "a",
      "context.updated",
      "A-b_c.0-9",
      Array(MAX_TYPE_TOKENS).fill("x").join("."),
      "y".repeat(MAX_TYPE_LENGTH),
    ]
  ) {
    assertEventType(type);
  }
  assert.equal(MAX_TYPE_TOKENS, 16);
  assert.equal(MAX_TYPE_LENGTH, 256);
});

Deno.test("assertEventType() rejects malformed types naming them", () => {
  rejects(() => assertEventType("a..b"), "a..b", /token 2 is empty/);
  rejects(() => assertEventType(".a"), ".a", /token 1 is empty/);
  rejects(() => assertEventType("a."), "a.", /token 2 is empty/);
  rejects(() => assertEventType("a b"), "a b", /token 1 \("a b"\)/);
  rejects(() => assertEventType("a.*"), "a.*", /token 2 \("\*"\)/);
  rejects(() => assertEventType("a.>"), "a.>", /token 2 \(">"\)/);
  rejects(() => assertEventType("é"), "é", /may contain only/);
  rejects(() => assertEventType(""), "", /it is empty/);
  const tokens17 = Array(17).fill("x").join(".");
  rejects(() => assertEventType(tokens17), tokens17, /17 tokens/);
  const chars257 = "y".repeat(257);
  rejects(() => assertEventType(chars257), chars257, /257 characters/);
});

Deno.test("assertEventType() rejects a non-string", () => {
  rejects(
    () => assertEventType(42 as never),
    "42",
    /expected a string, got number/,
  );
  rejects(
    () => assertEventType(undefined as never),
    "undefined",
    /expected a string, got undefined/,
  );
});

Deno.test("assertEventType() truncates a very long input in the error", () => {
  const input = "z".repeat(1000);
  assert.throws(() => assertEventType(input), (error: unknown) => {
    assert.ok(error instanceof EventTypeError);
    assert.equal(error.input, `${"z".repeat(300)}...`);
    assert.ok(error.message.length < 400);
    return true;
  });
});

Deno.test("assertPattern() accepts types, * tokens and a final >", () => {
  for (
    const pattern of ["a.b", "a.*", "*.b", "*", ">", "a.>", "a.*.>", "*.*"]
  ) {
    assertPattern(pattern);
  }
});

Deno.test("assertPattern() rejects malformed patterns", () => {
  rejects(
    () => assertPattern("a.>.b"),
    "a.>.b",
    /">" may only be the last token/,
  );
  rejects(() => assertPattern(">.a"), ">.a", /">" may only be the last token/);
  rejects(() => assertPattern("a..b"), "a..b", /token 2 is empty/);
  rejects(() => assertPattern("a b"), "a b", /or be "\*" or a final ">"/);
  rejects(() => assertPattern("a.b*"), "a.b*", /token 2/);
  rejects(() => assertPattern("a.>>"), "a.>>", /token 2/);
  rejects(() => assertPattern(""), "", /empty/);
});

Deno.test("matchesPattern() matches exact types", () => {
  assert.equal(matchesPattern("a.b", "a.b"), true);
  assert.equal(matchesPattern("a.b", "a.c"), false);
  assert.equal(matchesPattern("a.b", "a.b.c"), false);
  assert.equal(matchesPattern("a.b", "a"), false);
});

Deno.test("matchesPattern() * matches exactly one token", () => {
  assert.equal(matchesPattern("a.*", "a.b"), true);
  assert.equal(matchesPattern("a.*", "a.b.c"), false);
  assert.equal(matchesPattern("a.*", "a"), false);
  assert.equal(matchesPattern("a.*", "b.a"), false);
  assert.equal(matchesPattern("*", "a"), true);
  assert.equal(matchesPattern("*", "a.b"), false);
  assert.equal(matchesPattern("*.b", "a.b"), true);
  assert.equal(matchesPattern("*.b", "a.c"), false);
  assert.equal(matchesPattern("a.*.c", "a.x.c"), true);
  assert.equal(matchesPattern("a.*.c", "a.x.d"), false);
});

Deno.test("matchesPattern() > matches one or more trailing tokens", () => {
  assert.equal(matchesPattern("a.>", "a.b"), true);
  assert.equal(matchesPattern("a.>", "a.b.c"), true);
  assert.equal(matchesPattern("a.>", "a"), false);
  assert.equal(matchesPattern("a.>", "b.c"), false);
  assert.equal(matchesPattern("a.*.>", "a.b"), false);
  assert.equal(matchesPattern("a.*.>", "a.b.c.d"), true);
  for (const type of ["a", "a.b", "x.y.z", Array(16).fill("q").join(".")]) {
    assert.equal(matchesPattern(">", type), true, type);
  }
});

Deno.test("isWildcard() detects * and > tokens", () => {
  assert.equal(isWildcard("a.b"), false);
  assert.equal(isWildcard("a.*"), true);
  assert.equal(isWildcard("a.>"), true);
  assert.equal(isWildcard(">"), true);
});

Deno.test("MatchingTypes<> selects union members at type level", () => {
  type Types = "a.x" | "a.y" | "b.x" | "a.x.deep";
  const star: MatchingTypes<Types, "a.*"> = "a.x";
  const star2: MatchingTypes<Types, "a.*"> = "a.y";
  // @ts-expect-error "b.x" does not match "a.*"
  const notStar: MatchingTypes<Types, "a.*"> = "b.x";
  // @ts-expect-error "a.x.deep" has one token too many for "a.*"
  const tooDeep: MatchingTypes<Types, "a.*"> = "a.x.deep";
  const deep: MatchingTypes<Types, "a.>"> = "a.x.deep";
  // @ts-expect-error "b.x" does not match "a.>"
  const notDeep: MatchingTypes<Types, "a.>"> = "b.x";
  const exact: MatchingTypes<Types, "b.x"> = "b.x";
  // @ts-expect-error an exact pattern selects only itself
  const notExact: MatchingTypes<Types, "b.x"> = "a.x";
  const all: MatchingTypes<Types, ">"> = "a.x.deep";
  const anyPattern: MatchingTypes<Types, string> = "b.x";
  const firstStar: MatchingTypes<Types, "*.x"> = "b.x";

  // Exact equality of computed unions.
  type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends
    (<T>() => T extends B ? 1 : 2) ? true : false;
  const eq1: Equals<MatchingTypes<Types, "a.*">, "a.x" | "a.y"> = true;
  const eq2: Equals<MatchingTypes<Types, "*.x">, "a.x" | "b.x"> = true;
  const eq3: Equals<MatchingTypes<Types, "c.*">, never> = true;
  const eq4: Equals<MatchingTypes<Types, ">">, Types> = true;
  assert.deepEqual(
    [star, star2, notStar, tooDeep, deep, notDeep, exact, notExact],
    ["a.x", "a.y", "b.x", "a.x.deep", "a.x.deep", "b.x", "b.x", "a.x"],
  );
  assert.deepEqual([all, anyPattern, firstStar], ["a.x.deep", "b.x", "b.x"]);
  assert.deepEqual([eq1, eq2, eq3, eq4], [true, true, true, true]);
});
