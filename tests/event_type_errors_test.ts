// EventTypeError's message says what is wrong (a malformed type or pattern,
// a type the catalog lacks, a pattern selecting none of its types) and
// suggests the closest catalog types.
import assert from "node:assert/strict";
import { z } from "zod";
import {
  assertEventType,
  assertPattern,
  createLocalEventBus,
  defineEvents,
  EventTypeError,
  mcbEvents,
} from "../mod.ts";
import { sseResponse } from "../src/sse/mod.ts";
import { editDistance } from "../src/core/_suggest.ts";

/** Runs `fn`, expects an EventTypeError and returns its message. */
async function message(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof EventTypeError, String(error));
    assert.equal(error.name, "EventTypeError");
    assert.ok(error instanceof TypeError);
    return error.message;
  }
  throw new Error("expected an EventTypeError");
}

Deno.test("malformed types and patterns: 'Invalid event type' / 'Invalid event pattern'", async () => {
  assert.equal(
    await message(() => assertEventType("a..b")),
    'Invalid event type "a..b": token 2 is empty',
  );
  assert.equal(
    await message(() => assertPattern("a.>.b")),
    'Invalid event pattern "a.>.b": ">" may only be the last token',
  );
  assert.match(
    await message(() => defineEvents({ "a.*": z.unknown() })),
    /^Invalid event type "a\.\*": token 2/,
  );
  await using bus = createLocalEventBus(mcbEvents);
  assert.match(
    await message(() => bus.subscribe("index..x" as string, () => {})),
    /^Invalid event pattern "index\.\.x": token 2 is empty$/,
  );
});

Deno.test("publishing a type the catalog lacks: 'Unknown event type', did you mean", async () => {
  await using bus = createLocalEventBus(mcbEvents);
  assert.equal(
    // @ts-expect-error not in the catalog
    await message(() => bus.publish("indexing.start", {})),
    'Unknown event type "indexing.start": it is not in the event catalog; did you mean "indexing.started"?',
  );
  assert.equal(
    // @ts-expect-error not in the catalog
    await message(() => bus.publish("config.reload", {})),
    'Unknown event type "config.reload": it is not in the event catalog; did you mean "config.reloaded"?',
  );
  // Nothing close: no suggestion.
  assert.equal(
    // @ts-expect-error not in the catalog
    await message(() => bus.publish("billing.paid", {})),
    'Unknown event type "billing.paid": it is not in the event catalog',
  );
  assert.match(
    await message(() => mcbEvents.parse("sync.complete" as never, {})),
    /^Unknown event type "sync\.complete": .*did you mean "sync\.completed"\?$/,
  );
});

Deno.test("a pattern selecting no type: 'Unmatched event pattern', did you mean (subscribe, events, once, sseResponse)", async () => {
  await using bus = createLocalEventBus(mcbEvents);
  const typo: string = "indexng.>";
  const expected =
    'Unmatched event pattern "indexng.>": it matches no type of the event catalog; did you mean "indexing.started"?';
  assert.equal(await message(() => bus.subscribe(typo, () => {})), expected);
  assert.equal(await message(() => bus.events(typo)), expected);
  assert.equal(await message(() => bus.once(typo)), expected);
  assert.equal(
    await message(() => sseResponse(bus, ">", { types: [typo] })),
    expected,
  );
  const cases: [string, string][] = [
    ["*.complete", '"indexing.completed"'],
    ["search.*.x", '"search.executed"'],
    ["service.state", '"service.state_changed"'],
  ];
  for (const [pattern, hint] of cases) {
    assert.match(
      await message(() => bus.subscribe(pattern, () => {})),
      new RegExp(`^Unmatched event pattern .*; did you mean ${hint}\\?$`),
      pattern,
    );
  }
  assert.equal(
    await message(() => bus.subscribe("zzz.*" as string, () => {})),
    'Unmatched event pattern "zzz.*": it matches no type of the event catalog',
  );
});

Deno.test("the input stays on the error, cut at 300 characters", async () => {
  await using bus = createLocalEventBus(mcbEvents);
  const long = `${"x".repeat(250)}.${"y".repeat(5)}`;
  const error = await bus.publish(long as never, {} as never).catch((e) => e);
  assert.ok(error instanceof EventTypeError);
  assert.equal(error.input, long);
  const huge = "z".repeat(400);
  const cut = await bus.publish(huge as never, {} as never).catch((e) => e);
  assert.equal(cut.input, `${"z".repeat(300)}...`);
  assert.ok(cut.message.length < 450, "no suggestion for a far-off input");
});

Deno.test("editDistance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("nats", "natss"), 1);
  assert.equal(editDistance("event-bus", "event_bus"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("abc", ""), 3);
});
