import assert from "node:assert/strict";
import { z } from "zod";
import * as zm from "zod/mini";
import type * as z4core from "zod/v4/core";
import { defineEvents, EventTypeError, ValidationError } from "../mod.ts";
import { catalogJSONSchema } from "../src/protocol/mod.ts";

/** Runs `fn`, asserts it throws an instance of `cls`, returns the error. */
function thrown<E extends Error>(
  fn: () => unknown,
  cls: new (...args: never[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    assert.ok(
      error instanceof cls,
      `expected ${cls.name}, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`expected ${cls.name} to be thrown`);
}

const catalog = defineEvents({
  "context.updated": z.object({ path: z.string() }),
  "context.deleted": {
    schema: z.object({ path: z.string() }),
    description: "A context was deleted.",
  },
  "metrics.snapshot": {
    schema: z.record(z.string(), z.number()),
    ephemeral: true,
  },
  "index.progress.file": zm.object({ n: zm.number() }),
});

Deno.test("defineEvents() accepts schemas and { schema, ephemeral, description }", () => {
  assert.deepEqual(catalog.types, [
    "context.updated",
    "context.deleted",
    "metrics.snapshot",
    "index.progress.file",
  ]);
  assert.ok(Object.isFrozen(catalog.types));
  assert.equal(catalog.describe("context.deleted"), "A context was deleted.");
  assert.equal(catalog.describe("context.updated"), undefined);
  assert.equal(catalog.isEphemeral("metrics.snapshot"), true);
  assert.equal(catalog.isEphemeral("context.deleted"), false);
  assert.equal(catalog.isEphemeral("context.updated"), false);
  assert.equal(catalog.isEphemeral("nope.nope"), false);
});

Deno.test("defineEvents() rejects a value that is not a zod schema", () => {
  const error = thrown(
    () => defineEvents({ "a.b": { schema: "string" } as never }),
    TypeError,
  );
  assert.match(error.message, /"a\.b"/);
  thrown(() => defineEvents({ "a.b": 42 as never }), TypeError);
  thrown(() => defineEvents(null as never), TypeError);
  thrown(() => defineEvents("a.b" as never), TypeError);
});

const badTypes: [string, string, RegExp][] = [
  ["an empty token", "a..b", /token 2 is empty/],
  ["a leading dot", ".a", /token 1 is empty/],
  ["a trailing dot", "a.", /token 2 is empty/],
  ["a space", "a b", /may contain only/],
  ["a * token", "a.*", /may contain only/],
  ["a > token", "a.>", /may contain only/],
  ["a lone >", ">", /may contain only/],
  ["an empty name", "", /empty/],
  ["17 tokens", Array(17).fill("t").join("."), /17 tokens, at most 16/],
  ["257 characters", "a".repeat(257), /257 characters, at most 256/],
];
for (const [what, type, reason] of badTypes) {
  Deno.test(`defineEvents() rejects a type with ${what}`, () => {
    const error = thrown(
      () => defineEvents({ "ok.type": z.string(), [type]: z.string() }),
      EventTypeError,
    );
    assert.equal(error.name, "EventTypeError");
    assert.ok(error.message.includes(`"${type}"`), error.message);
    assert.equal(error.input, type);
    assert.match(error.message, reason);
  });
}

Deno.test("defineEvents() accepts 16 tokens and 256 characters", () => {
  const sixteen = Array(16).fill("t").join(".");
  const long = "a".repeat(256);
  const c = defineEvents({ [sixteen]: z.string(), [long]: z.string() });
  assert.deepEqual(c.types, [sixteen, long]);
});

Deno.test("EventCatalog.has() tells catalog types apart", () => {
  assert.equal(catalog.has("context.updated"), true);
  assert.equal(catalog.has("context"), false);
  assert.equal(catalog.has("toString"), false);
  assert.equal(catalog.has("__proto__"), false);
});

Deno.test("EventCatalog.typesMatching() applies exact, * and > semantics", () => {
  const c = defineEvents({
    "a": z.string(),
    "a.b": z.string(),
    "a.c": z.string(),
    "a.b.c": z.string(),
    "x.b": z.string(),
  });
  assert.deepEqual(c.typesMatching("a.b"), ["a.b"]);
  assert.deepEqual(c.typesMatching("a"), ["a"]);
  assert.deepEqual(c.typesMatching("a.*"), ["a.b", "a.c"]);
  assert.deepEqual(c.typesMatching("*.b"), ["a.b", "x.b"]);
  assert.deepEqual(c.typesMatching("a.*.c"), ["a.b.c"]);
  assert.deepEqual(c.typesMatching("a.>"), ["a.b", "a.c", "a.b.c"]);
  assert.deepEqual(c.typesMatching(">"), ["a", "a.b", "a.c", "a.b.c", "x.b"]);
  assert.deepEqual(c.typesMatching("*"), ["a"]);
  assert.deepEqual(c.typesMatching("nope.*"), []);
});

Deno.test("EventCatalog.typesMatching() throws EventTypeError on malformed patterns", () => {
  for (const pattern of ["a.>.b", "a..b", "a b", "", ".a", "a.**"]) {
    const error = thrown(() => catalog.typesMatching(pattern), EventTypeError);
    assert.ok(error.message.includes(`"${pattern}"`), error.message);
  }
});

Deno.test("EventCatalog.parse() returns zod output with defaults applied", () => {
  const c = defineEvents({
    "a.b": z.object({
      path: z.string(),
      tags: z.array(z.string()).default([]),
      size: z.string().transform((s) => s.length),
    }),
    "m.b": zm.object({
      path: zm.string(),
      tags: zm._default(zm.array(zm.string()), ["x"]),
    }),
  });
  assert.deepEqual(c.parse("a.b", { path: "/p", size: "abc", extra: 1 }), {
    path: "/p",
    tags: [],
    size: 3,
  });
  assert.deepEqual(c.parse("m.b", { path: "/p" }), { path: "/p", tags: ["x"] });
});

const schemas = defineEvents({
  "classic.event": z.object({
    path: z.string(),
    count: z.number().min(0),
    items: z.array(z.string()),
    mode: z.enum(["r", "w"]),
    label: z.string(),
  }),
  "mini.event": zm.object({
    path: zm.string(),
    count: zm.number().check(zm.minimum(0)),
    items: zm.array(zm.string()),
    mode: zm.enum(["r", "w"]),
    label: zm.string(),
  }),
});

function checkInformativeErrors(
  type: "classic.event" | "mini.event",
  c: typeof schemas,
): void {
  const error = thrown(
    () => c.parse(type, { path: 1, count: -1, items: ["ok", 2] }),
    ValidationError,
  );
  assert.equal(error.name, "ValidationError");
  assert.equal(error.type, type);
  assert.deepEqual(error.issues.map((i) => i.path), [
    "data.path",
    "data.count",
    "data.items[1]",
    "data.mode",
    "data.label",
  ]);
  const byPath = Object.fromEntries(
    error.issues.map((i) => [i.path, i.message]),
  );
  assert.equal(byPath["data.path"], "expected string, received number");
  assert.equal(byPath["data.count"], "expected a number >= 0, received -1");
  assert.equal(byPath["data.items[1]"], "expected string, received number");
  assert.equal(byPath["data.mode"], 'expected one of "r", "w"');
  assert.equal(byPath["data.label"], "expected string, but it is missing");
  for (const issue of error.issues) {
    assert.notEqual(issue.message, "Invalid input");
    assert.ok(error.message.includes(`${issue.path}: ${issue.message}`));
  }
  assert.ok(error.message.includes(`"${type}"`));

  const notObject = thrown(() => c.parse(type, "text"), ValidationError);
  assert.deepEqual(notObject.issues, [
    { path: "data", message: "expected object, received string" },
  ]);
  const badEnum = thrown(
    () =>
      c.parse(type, { path: "/", count: 0, items: [], mode: "z", label: "" }),
    ValidationError,
  );
  assert.deepEqual(badEnum.issues, [
    { path: "data.mode", message: 'expected one of "r", "w"' },
  ]);
}

Deno.test("EventCatalog.parse() lists every failing path (zod classic)", () => {
  checkInformativeErrors("classic.event", schemas);
});

Deno.test("EventCatalog.parse() lists every failing path (zod/mini)", () => {
  checkInformativeErrors("mini.event", schemas);
});

Deno.test("EventCatalog.parse() explains format and length failures (zod/mini)", () => {
  const c = defineEvents({
    "m.x": zm.object({
      mail: zm.string().check(zm.email()),
      name: zm.string().check(zm.minLength(2)),
      n: zm.int(),
    }),
  });
  const error = thrown(
    () => c.parse("m.x", { mail: "nope", name: "a", n: 1.5 }),
    ValidationError,
  );
  assert.deepEqual(error.issues, [
    { path: "data.mail", message: "expected a string in email format" },
    { path: "data.name", message: "expected at least 2 characters" },
    { path: "data.n", message: "expected an integer, received 1.5" },
  ]);
});

Deno.test("EventCatalog.parse() throws EventTypeError for an unknown type", () => {
  // @ts-expect-error "nope.nope" is not a type of the catalog
  const error = thrown(() => catalog.parse("nope.nope", {}), EventTypeError);
  assert.match(error.message, /"nope\.nope"/);
  assert.match(error.message, /not in the event catalog/);
  // @ts-expect-error inherited Object members are not event types
  thrown(() => catalog.parse("toString", {}), EventTypeError);
});

Deno.test("catalogJSONSchema() returns a JSON Schema per type", () => {
  const json = catalogJSONSchema(schemas);
  assert.deepEqual(Object.keys(json), ["classic.event", "mini.event"]);
  for (const type of ["classic.event", "mini.event"] as const) {
    const schema = json[type];
    assert.equal(schema.type, "object");
    assert.deepEqual(schema.required, [
      "path",
      "count",
      "items",
      "mode",
      "label",
    ]);
    const properties = schema.properties as Record<string, { type?: string }>;
    assert.equal(properties.path.type, "string");
    assert.equal(properties.count.type, "number");
    assert.equal(properties.items.type, "array");
  }
  const record = catalogJSONSchema(catalog)["metrics.snapshot"];
  assert.equal(record.type, "object");
  // The result is plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
});

Deno.test("defineEvents() takes any zod 4 schema typed as zod/v4/core's $ZodType", () => {
  // A library handing over schemas typed only as $ZodType (the type zod
  // tells library authors to accept) still gets a typed catalog.
  const core: z4core.$ZodType<{ id: number }> = zm.object({ id: zm.int() });
  const mixed = defineEvents({
    "core.event": core,
    "classic.event": z.string(),
  });
  const data: { id: number } = mixed.parse("core.event", { id: 1 });
  assert.deepEqual(data, { id: 1 });
  assert.throws(() => mixed.parse("core.event", { id: "x" }), ValidationError);
});
