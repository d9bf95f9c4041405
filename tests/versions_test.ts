// Versioned event types (src/core/versions.ts): declaring them, reading
// older and newer versions, and what publish() accepts as a version.
import assert from "node:assert/strict";
import { z } from "zod";
import * as zm from "zod/mini";
import {
  createLocalEventBus,
  defineEvents,
  ValidationError,
  versioned,
} from "../mod.ts";

const v1 = z.object({ name: z.string() });
const v2 = z.object({ name: z.string(), tags: z.array(z.string()) });
const v3 = zm.object({
  name: zm.string(),
  tags: zm.array(zm.string()),
  size: zm._default(zm.int(), 1),
});
const history = [
  {
    version: 1,
    schema: v1,
    upcast: (d: { name: string }) => ({ ...d, tags: [] }),
  },
  {
    version: 2,
    schema: v2,
    upcast: (d: { name: string; tags: string[] }) => d,
  },
];
const events = defineEvents({
  "item.changed": versioned({ version: 3, schema: v3, history }),
  "item.viewed": z.object({ name: z.string() }),
});

function invalid(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail("expected a ValidationError");
}

Deno.test("versioned types: URIs, versions and the dataschema publishers use", () => {
  assert.equal(events.version("item.changed"), 3);
  assert.equal(events.version("item.viewed"), 1);
  assert.deepEqual(
    events.versions("item.changed").map((v) => [v.version, !!v.upcast]),
    [[1, true], [2, true], [3, false]],
  );
  assert.equal(
    events.dataschema("item.changed", 2),
    "urn:mcb:events:item.changed/v2",
  );
  assert.equal(
    events.publishedDataschema("item.changed"),
    "urn:mcb:events:item.changed/v3",
  );
  assert.equal(events.publishedDataschema("item.viewed"), undefined);
  assert.equal(
    events.versionOf("item.changed", "urn:mcb:events:item.changed/v2"),
    2,
  );
  for (
    const other of [
      "urn:mcb:events:item.viewed/v2",
      "urn:mcb:events:item.changed/v0",
      "urn:mcb:events:item.changed/v2x",
      "https://example.com/item.changed/v2",
    ]
  ) {
    assert.equal(events.versionOf("item.changed", other), undefined, other);
  }
  const custom = defineEvents({ "a.b": v1 }, {
    schemaBase: "https://schemas.example.com/events/",
  });
  assert.equal(
    custom.dataschema("a.b"),
    "https://schemas.example.com/events/a.b/v1",
  );
});

Deno.test("read(): every older version upcasts step by step, defaults of the current version applied", () => {
  const read = (data: unknown, version?: number) =>
    events.read(
      "item.changed",
      data,
      version === undefined
        ? undefined
        : events.dataschema("item.changed", version),
    );
  assert.deepEqual(read({ name: "a" }, 1), { name: "a", tags: [], size: 1 });
  assert.deepEqual(read({ name: "a", tags: ["x"] }, 2), {
    name: "a",
    tags: ["x"],
    size: 1,
  });
  assert.deepEqual(read({ name: "a", tags: [], size: 4 }, 3), {
    name: "a",
    tags: [],
    size: 4,
  });
  // No dataschema: written before the type was versioned, i.e. version 1.
  assert.deepEqual(read({ name: "old" }), { name: "old", tags: [], size: 1 });
  // Data invalid for the version it claims names the path and the version.
  const e = invalid(() => read({ name: 5 }, 1));
  assert.equal(e.issues[0].path, "data.name");
  assert.match(e.issues[0].message, /read as version 1/);
});

Deno.test("read(): newer versions follow the policy; unknown older ones are refused", () => {
  const v9 = events.dataschema("item.changed", 9);
  const e = invalid(() =>
    events.read("item.changed", { name: "a", tags: [] }, v9)
  );
  assert.equal(e.issues[0].path, "dataschema");
  assert.match(
    e.message,
    /version 9 is newer than any this consumer knows \(3\)/,
  );
  // An unversioned type is version 1: a version 2 is newer too.
  invalid(() =>
    events.read(
      "item.viewed",
      { name: "a" },
      events.dataschema("item.viewed", 2),
    )
  );
  const lenient = defineEvents({
    "item.changed": versioned({ version: 3, schema: v3, history }),
  }, { newerVersions: "accept-if-valid" });
  assert.deepEqual(
    lenient.read("item.changed", { name: "a", tags: [], extra: 1 }, v9),
    { name: "a", tags: [], size: 1 },
  );
  invalid(() => lenient.read("item.changed", { name: "a" }, v9));
  // History that starts at version 2 cannot read version 1.
  const trimmed = defineEvents({
    "item.changed": versioned({
      version: 3,
      schema: v3,
      history: [history[1]],
    }),
  });
  const old = invalid(() =>
    trimmed.read(
      "item.changed",
      { name: "a" },
      trimmed.dataschema("item.changed", 1),
    )
  );
  assert.match(
    old.message,
    /version 1 is older than any this consumer reads \(oldest: 2\)/,
  );
});

Deno.test("read(): a throwing or wrong upcast is a ValidationError naming the step", () => {
  const broken = defineEvents({
    "a.b": versioned({
      version: 2,
      schema: v2,
      history: [{
        version: 1,
        schema: v1,
        upcast: () => {
          throw new Error("boom");
        },
      }],
    }),
    "c.d": versioned({
      version: 2,
      schema: v2,
      history: [{ version: 1, schema: v1, upcast: (d: object) => d }],
    }),
  });
  const thrown = invalid(() =>
    broken.read("a.b", { name: "x" }, broken.dataschema("a.b", 1))
  );
  assert.match(thrown.message, /upcast from version 1 to 2 failed: boom/);
  // The upcast forgot `tags`: the result fails version 2's schema.
  const wrong = invalid(() =>
    broken.read("c.d", { name: "x" }, broken.dataschema("c.d", 1))
  );
  assert.equal(wrong.issues[0].path, "data.tags");
});

Deno.test("versioned(): malformed declarations are refused naming the type", () => {
  const cases: [unknown, RegExp][] = [
    [{ version: 0, schema: v1 }, /version must be an integer >= 1, got 0/],
    [{ version: 2.5, schema: v1 }, /version must be an integer/],
    [
      { version: 3, schema: v3, history: [history[0]] },
      /history\[0\]\.version must be 2 .*got 1/,
    ],
    [
      { version: 3, schema: v3, history: [history[1], history[0]] },
      /history\[0\]\.version must be 1/,
    ],
    [
      { version: 2, schema: v2, history: [{ ...history[0], upcast: "no" }] },
      /history\[0\]\.upcast must be a function \(version 1 -> 2\)/,
    ],
    [
      { version: 2, schema: v2, history: [{ ...history[0], schema: {} }] },
      /history\[0\]\.schema must be a zod 4 schema/,
    ],
    [
      { version: 1, schema: v1, history: [history[0]] },
      /history lists 1 versions before version 1/,
    ],
  ];
  for (const [declaration, message] of cases) {
    assert.throws(
      () => defineEvents({ "x.y": versioned(declaration as never) }),
      (e: Error) =>
        e instanceof TypeError && /"x\.y"/.test(e.message) &&
        message.test(e.message),
      JSON.stringify(declaration, (_, v) => typeof v === "function" ? "fn" : v),
    );
  }
  assert.throws(
    () => defineEvents({ "a.b": v1 }, { schemaBase: "a b" }),
    /schemaBase/,
  );
  assert.throws(
    () => defineEvents({ "a.b": v1 }, { newerVersions: "maybe" as never }),
    /newerVersions must be "reject" or "accept-if-valid", got "maybe"/,
  );
});

Deno.test("publish(): a versioned type's dataschema must name one of its versions", async () => {
  const bus = createLocalEventBus(events);
  const got: unknown[] = [];
  bus.subscribe("item.*", (e) => {
    got.push([e.type, e.data, e.dataschema]);
  });
  await assert.rejects(
    bus.publish("item.changed", { name: "a", tags: [] }, {
      dataschema: "https://example.com/item",
    }),
    (e: Error) =>
      e instanceof ValidationError &&
      e.message.includes("urn:mcb:events:item.changed/v1") &&
      e.message.includes('got "https://example.com/item"'),
  );
  // An unversioned type keeps any dataschema it is given.
  const viewed = await bus.publish("item.viewed", { name: "a" }, {
    dataschema: "https://example.com/item-viewed.json",
  });
  assert.equal(viewed.dataschema, "https://example.com/item-viewed.json");
  // validate: false still upcasts (and so validates) an older version.
  const trusting = createLocalEventBus(events, { validate: false });
  const seen: unknown[] = [];
  trusting.subscribe("item.changed", (e) => {
    seen.push(e.data);
  });
  await trusting.publish("item.changed", { name: "b" } as never, {
    dataschema: events.dataschema("item.changed", 1),
  });
  assert.deepEqual(seen, [{ name: "b", tags: [], size: 1 }]);
  assert.deepEqual(got, [[
    "item.viewed",
    { name: "a" },
    "https://example.com/item-viewed.json",
  ]]);
  await Promise.all([bus.close(), trusting.close()]);
});

Deno.test("local publish: an older version is upcast once per event, whatever the subscribers; the current version never", async () => {
  let upcasts = 0;
  const counted = defineEvents({
    "item.changed": versioned({
      version: 2,
      schema: v2,
      history: [{
        version: 1,
        schema: v1,
        upcast: (d: { name: string }) => {
          upcasts++;
          return { ...d, tags: [] };
        },
      }],
    }),
  });
  const bus = createLocalEventBus(counted, { history: 8 });
  const seen: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    bus.subscribe("item.*", (e) => void seen.push(e.data));
  }
  bus.subscribe("item.changed", (e) => void seen.push(e.data), { group: "g" });
  bus.subscribe("item.changed", (e) => void seen.push(e.data), { group: "g" });
  const published = await bus.publish(
    "item.changed",
    { name: "old" } as never,
    {
      dataschema: counted.dataschema("item.changed", 1),
    },
  );
  assert.equal(upcasts, 1, "one upcast for four deliveries");
  assert.deepEqual(
    published.data,
    { name: "old" },
    "publish returns what was published",
  );
  assert.equal(seen.length, 4);
  for (const data of seen) assert.deepEqual(data, { name: "old", tags: [] });
  await bus.publish("item.changed", { name: "new", tags: ["t"] });
  assert.equal(upcasts, 1, "the current version is not upcast");
  // A replay from the ring delivers the upcast event, not a second upcast.
  const replayed: unknown[] = [];
  await bus.subscribe("item.changed", (e) => void replayed.push(e.data), {
    from: "all",
  }).ready;
  assert.deepEqual(replayed, [{ name: "old", tags: [] }, {
    name: "new",
    tags: ["t"],
  }]);
  assert.equal(upcasts, 1, "replay reuses the upcast event");
  await bus.close();
});
