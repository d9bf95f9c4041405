// Faults: bad input. (a) Through the API: malformed types, data failing the
// schema, prototype-pollution keys, huge nesting, payloads above the
// server's max_payload: each is a typed error naming the problem, and
// nothing crashes or pollutes Object.prototype. Property-based with
// fast-check: type names and JSON data. (b) Injected raw on the bus's
// subjects with a plain NATS client: every bad message is counted invalid,
// reported to onError as { kind: "invalid" }, never handed to a handler,
// and the next valid event still arrives. Real nats-server on loopback.
import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import {
  headers as natsHeaders,
  type MsgHdrs,
  type NatsConnection,
  wsconnect,
} from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import {
  createLocalEventBus,
  defineEvents,
  type ErrorContext,
  type ErrorHandler,
  type EventCatalog,
  EventTypeError,
  ValidationError,
} from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import { PublishRejectedError } from "../../src/nats/mod.ts";
import { startNatsServer } from "../nats_server.ts";
import { withTimeout } from "../_timeouts.ts";

const T = { sanitizeOps: false, sanitizeResources: false };

/**
 * A nats bus on `server` with a memory stream of its own (`stream`, on
 * subjects `<prefix>.>`), reporting to `onError` (by default nowhere).
 */
function openNats<C extends EventCatalog>(
  catalog: C,
  server: { wsUrl: string },
  stream: string,
  prefix: string,
  options: {
    onError?: ErrorHandler;
    ephemeralEncoding?: "structured" | "binary";
  } = {},
) {
  return createEventBus(catalog, {
    transport: "nats",
    onError: options.onError ?? (() => {}),
    nats: {
      servers: server.wsUrl,
      stream,
      subjectPrefix: prefix,
      storage: "memory",
      ...(options.ephemeralEncoding
        ? { ephemeralEncoding: options.ephemeralEncoding }
        : {}),
    },
  });
}
const te = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Object.prototype's own keys, to compare before and after. */
const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
const PROTO_KEYS = protoKeys();
function assertNotPolluted(where: string) {
  assert.deepEqual(protoKeys(), PROTO_KEYS, `${where}: Object.prototype`);
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, `${where}: ({}).polluted`);
  assert.equal(probe.isAdmin, undefined, `${where}: ({}).isAdmin`);
}

/**
 * How `call` failed: a synchronous throw and a rejection are told apart,
 * because `publish` promises to reject, never to throw.
 */
async function outcome(
  call: () => Promise<unknown>,
): Promise<
  { kind: "resolved"; value: unknown } | {
    kind: "rejected" | "threw";
    error: Error;
  }
> {
  let p: Promise<unknown>;
  try {
    p = call();
  } catch (error) {
    return { kind: "threw", error: error as Error };
  }
  try {
    return { kind: "resolved", value: await p };
  } catch (error) {
    return { kind: "rejected", error: error as Error };
  }
}

/** The error of `call`, thrown or rejected (fails if it resolves). */
async function failure(call: () => Promise<unknown>, what: string) {
  const o = await outcome(call);
  if (o.kind === "resolved") {
    assert.fail(`${what}: resolved, expected an error`);
  }
  return o.error;
}

// ---------------------------------------------------------------------------
// (a) Through the API
// ---------------------------------------------------------------------------

const BAD_TYPES: [string, RegExp][] = [
  ["", /empty/],
  ["order.*", /token 2 \("\*"\)/],
  ["order.>", /token 2 \(">"\)/],
  [">", /token 1/],
  ["*", /token 1/],
  ["order created", /token 1 \("order created"\)/],
  [" order.created", /token 1/],
  ["order.created ", /token 2/],
  ["order..created", /token 2 is empty/],
  [".order", /token 1 is empty/],
  ["order.", /token 2 is empty/],
  ["order\tcreated", /token 1/],
  ["order\ncreated", /token 1/],
  ["order.créé", /token 2/],
  ["order.\u0000", /token 2/],
  ["order.\ud800", /token 2/],
  ["order/created", /token 1/],
  ["x".repeat(10_240), /10240 characters, at most 256/],
  [Array(17).fill("a").join("."), /17 tokens, at most 16/],
  [`${"a.".repeat(200)}a`, /401 characters/],
];

const BAD_PATTERNS: [string, RegExp][] = [
  ["", /empty/],
  ["order..created", /token 2 is empty/],
  ["order.>.created", /">" may only be the last token/],
  ["order.**", /token 2/],
  ["order.created>", /token 2/],
  ["order created", /token 1/],
  ["x".repeat(10_240), /10240 characters/],
  ["nope.*", /matches no type/],
  ["order.created.more", /matches no type/],
];

/** The EventTypeError's message shows the offending input (cut at 300). */
function assertNamesInput(error: Error, input: string, reason: RegExp) {
  assert.ok(error instanceof EventTypeError, `${input}: ${error}`);
  assert.equal(error.name, "EventTypeError");
  const shown = input.length > 300 ? input.slice(0, 300) : input;
  assert.ok(error.message.includes(shown), error.message.slice(0, 200));
  assert.ok(error.message.length < 1000, "the message stays short");
  assert.match(error.message, reason, JSON.stringify(input.slice(0, 40)));
}

const apiEvents = defineEvents({
  "order.created": z.strictObject({ id: z.number().int().min(1) }),
  "note.added": z.object({ text: z.string().max(100) }),
  "bag.put": z.record(z.string(), z.unknown()),
  "any.value": z.unknown(),
  "metric.tick": { schema: z.unknown(), ephemeral: true },
});

Deno.test({
  name:
    "bad input (API): malformed types and patterns get an EventTypeError naming them in defineEvents, publish, subscribe, events and once",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const local = createLocalEventBus(apiEvents);
    const nats = await openNats(apiEvents, server, "BAD_TYPES", "bad.types");
    let count = 0;
    try {
      for (const [type, reason] of BAD_TYPES) {
        const e = await failure(
          () => Promise.resolve(defineEvents({ [type]: z.unknown() })),
          `defineEvents(${JSON.stringify(type.slice(0, 20))})`,
        );
        assertNamesInput(e, type, reason);
        count++;
        for (const bus of [local, nats]) {
          // Not in the catalog (it cannot be): an EventTypeError naming it.
          const p = await failure(
            // deno-lint-ignore no-explicit-any
            () => bus.publish(type as any, { id: 1 }),
            `${bus.transport} publish`,
          );
          assertNamesInput(p, type, /not in the event catalog/);
          count++;
        }
      }
      for (const [pattern, reason] of BAD_PATTERNS) {
        for (const bus of [local, nats]) {
          for (
            const [what, call] of [
              ["subscribe", () => bus.subscribe(pattern, () => {})],
              ["events", () => bus.events(pattern)],
              ["once", () => bus.once(pattern, { timeout: 100 })],
            ] as [string, () => unknown][]
          ) {
            const e = await failure(
              () => Promise.resolve().then(call),
              `${bus.transport} ${what}(${
                JSON.stringify(pattern.slice(0, 20))
              })`,
            );
            assertNamesInput(e, pattern, reason);
            count++;
          }
        }
      }
      // Not strings at all.
      for (const bad of [undefined, null, 42, {}, ["a"]]) {
        for (const bus of [local, nats]) {
          const e = await failure(
            () =>
              Promise.resolve().then(() =>
                bus.subscribe(bad as unknown as string, () => {})
              ),
            `subscribe(${String(bad)})`,
          );
          assert.ok(e instanceof EventTypeError, String(e));
          count++;
        }
      }
      // The buses still work, and counted the refused publishes.
      const next = nats.once("order.created", { timeout: 5000 });
      const sent = await nats.publish("order.created", { id: 1 });
      assert.equal((await next).id, sent.id);
      assert.equal(nats.stats().invalid, BAD_TYPES.length);
      assert.equal(local.stats().invalid, BAD_TYPES.length);
      assertNotPolluted("types");
      console.log(
        `bad input: ${count} malformed types/patterns refused with EventTypeError`,
      );
    } finally {
      await local.close();
      await nats.close();
    }
  },
});

Deno.test({
  name:
    "bad input (API): data failing the schema and prototype-pollution keys get a ValidationError naming the path; nothing is polluted",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const received: { type: string; data: unknown }[] = [];
    const local = createLocalEventBus(apiEvents);
    const nats = await openNats(apiEvents, server, "BAD_DATA", "bad.data");
    try {
      for (const bus of [local, nats]) {
        await bus.subscribe(">", (e) => {
          received.push({ type: e.type, data: e.data });
        }).ready;
      }
      const cases: [string, unknown, RegExp][] = [
        ["order.created", undefined, /data: .*object/i],
        ["order.created", null, /data: .*object/i],
        ["order.created", "1", /data: .*object/i],
        ["order.created", { id: "1" }, /data\.id/],
        ["order.created", { id: 1.5 }, /data\.id/],
        ["order.created", { id: 0 }, /data\.id/],
        ["order.created", { id: Number.NaN }, /data\.id/],
        ["order.created", {}, /data\.id/],
        ["order.created", { id: 1, extra: true }, /extra/],
        ["note.added", { text: "x".repeat(101) }, /data\.text/],
        ["note.added", { text: 1 }, /data\.text/],
        // Keys that would pollute prototypes if merged naively.
        [
          "order.created",
          JSON.parse('{"id":1,"__proto__":{"polluted":true}}'),
          /__proto__/,
        ],
        [
          "order.created",
          JSON.parse('{"id":1,"constructor":{"prototype":{"polluted":1}}}'),
          /constructor/,
        ],
        [
          "order.created",
          JSON.parse('{"id":1,"prototype":{"isAdmin":true}}'),
          /prototype/,
        ],
      ];
      for (const bus of [local, nats]) {
        for (const [type, data, path] of cases) {
          const e = await failure(
            // deno-lint-ignore no-explicit-any
            () => bus.publish(type as any, data as any),
            `${bus.transport} publish(${type}, ${JSON.stringify(data)})`,
          );
          assert.ok(e instanceof ValidationError, `${bus.transport}: ${e}`);
          assert.equal(e.name, "ValidationError");
          assert.equal((e as ValidationError).type, type);
          assert.ok((e as ValidationError).issues.length > 0);
          assert.match(e.message, path, `${bus.transport}: ${e.message}`);
          assert.match(e.message, new RegExp(`"${type.replace(".", "\\.")}"`));
        }
        assert.equal(bus.stats().invalid, cases.length, bus.transport);
        assert.equal(bus.stats().published, 0, bus.transport);
      }
      assertNotPolluted("after refused data");

      // A schema that accepts any keys: the dangerous keys arrive as plain
      // data (or are dropped), never as prototypes, on both transports.
      const hostile = JSON.parse(
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"safe":1}',
      );
      for (const bus of [local, nats]) {
        const next = bus.once("bag.put", { timeout: 5000 });
        await bus.publish("bag.put", hostile);
        const got = (await next).data as Record<string, unknown>;
        assert.equal(Object.getPrototypeOf(got), Object.prototype);
        assert.equal(got.safe, 1);
        assert.equal(got.polluted, undefined);
      }
      assertNotPolluted("after hostile keys were delivered");
    } finally {
      await local.close();
      await nats.close();
    }
  },
});

Deno.test({
  name:
    "bad input (API): an event above the server's max_payload gets a PublishRejectedError naming max_payload (persistent and ephemeral, binary and structured)",
  ...T,
  fn: async () => {
    await using server = await startNatsServer({ maxPayload: 4096 });
    const open = (encoding: "structured" | "binary") =>
      openNats(apiEvents, server, "BAD_SIZE", "bad.size", {
        ephemeralEncoding: encoding,
      });
    const buses = [await open("structured"), await open("binary")];
    const messages = new Set<string>();
    const problems: string[] = [];
    try {
      for (const bus of buses) {
        for (
          const [type, data] of [
            ["any.value", "x".repeat(5000)],
            ["bag.put", { big: "é".repeat(3000) }],
            ["metric.tick", "x".repeat(5000)],
            // The payload alone fits; with the ce-* headers it does not.
            ["any.value", "x".repeat(4000)],
            ["metric.tick", "x".repeat(4000)],
          ] as const
        ) {
          const what = `${
            bus === buses[0] ? "structured" : "binary"
          } bus: publish(${type}, ${
            JSON.stringify(data).length
          } bytes of data)`;
          const e = await failure(() => bus.publish(type, data), what);
          if (
            !(e instanceof PublishRejectedError) ||
            !/max_payload/.test(e.message) || !e.message.includes(type)
          ) {
            problems.push(`${what}: ${e?.name}: ${e?.message}`);
          } else messages.add(e.message.replace(/\d+ bytes/, "N bytes"));
        }
        assert.equal(bus.stats().published, 0);
        // Below the limit is fine.
        const next = bus.once("any.value", { timeout: 5000 });
        await bus.publish("any.value", "x".repeat(3500));
        assert.equal(((await next).data as string).length, 3500);
        assert.equal(bus.health().status, "connected");
      }
      console.log(
        `bad input: max_payload 4096 refusals: ${[...messages].join(" | ")}`,
      );
      assert.deepEqual(
        problems,
        [],
        `not a PublishRejectedError naming max_payload and the type:\n${
          problems.join("\n")
        }`,
      );
    } finally {
      for (const bus of buses) await bus.close();
    }
  },
});

Deno.test({
  name:
    "bad input (API, nats): publish() rejects, never throws synchronously (above max_payload, unserializable data, lone surrogates)",
  ...T,
  fn: async () => {
    await using server = await startNatsServer({ maxPayload: 4096 });
    const nats = await openNats(apiEvents, server, "BAD_SYNC", "bad.sync");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    try {
      const threw: string[] = [];
      for (
        const [what, call] of [
          [
            "above max_payload",
            () => nats.publish("any.value", "x".repeat(5000)),
          ],
          [
            "ephemeral above max_payload",
            () => nats.publish("metric.tick", "x".repeat(5000)),
          ],
          ["a BigInt", () => nats.publish("any.value", 10n)],
          ["a cyclic object", () => nats.publish("any.value", cyclic)],
          [
            "a lone surrogate in subject",
            () => nats.publish("any.value", 1, { subject: "\ud800" }),
          ],
        ] as const
      ) {
        const o = await outcome(call);
        assert.notEqual(o.kind, "resolved", what);
        if (o.kind === "threw") {
          threw.push(
            `${what} (${(o.error as Error).name}: ${
              (o.error as Error).message.slice(0, 80)
            })`,
          );
        }
      }
      // `publish(...).catch(log)` must be safe: a synchronous throw escapes
      // it and crashes a fire-and-forget caller.
      assert.deepEqual(
        threw,
        [],
        `publish() threw synchronously for: ${threw.join("; ")}`,
      );
    } finally {
      await nats.close();
    }
  },
});

Deno.test({
  name:
    "bad input (API, nats): publish() refuses data nested deeper than receivers accept (64 levels) instead of storing a poison event",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const reports: [unknown, ErrorContext][] = [];
    const nats = await openNats(apiEvents, server, "BAD_DEPTH", "bad.depth", {
      onError: (e, ctx) => reports.push([e, ctx]),
    });
    try {
      const handled: unknown[] = [];
      await nats.subscribe("any.value", (e) => {
        handled.push(e.data);
      }).ready;
      let deep: unknown = 1;
      for (let i = 0; i < 100; i++) deep = [deep];
      const o = await outcome(() => nats.publish("any.value", deep));
      // What happens to it, for the report.
      await sleep(300);
      const invalid = reports.filter(([, c]) => c.kind === "invalid");
      assert.notEqual(
        o.kind,
        "resolved",
        `publish() of 100-level data resolved (stored in the stream); the bus's own subscriber then refused it: handled ${handled.length}, invalid ${nats.stats().invalid} (${
          String(invalid[0]?.[0] ?? "").slice(0, 120)
        })`,
      );
      if (o.kind !== "resolved") {
        assert.ok(
          o.error instanceof ValidationError ||
            o.error instanceof PublishRejectedError,
          String(o.error),
        );
        assert.match(o.error.message, /nest|deep|depth/i);
      }
    } finally {
      await nats.close();
    }
  },
});

Deno.test({
  name:
    "bad input (API): 100,000 levels of nesting against a recursive schema get a ValidationError, not a RangeError",
  ...T,
  fn: async () => {
    type Tree = { children?: Tree[] };
    const tree: z.ZodType<Tree> = z.lazy(() =>
      z.object({ children: z.optional(z.array(tree)) })
    );
    const events = defineEvents({ "tree.built": tree });
    const local = createLocalEventBus(events, { onError: () => {} });
    let deep: Tree = {};
    for (let i = 0; i < 100_000; i++) deep = { children: [deep] };
    try {
      const e = await failure(
        () => local.publish("tree.built", deep),
        "publish of 100k-level data",
      );
      assert.ok(
        e instanceof ValidationError,
        `expected a ValidationError naming the nesting, got ${e?.name}: ${e?.message}`,
      );
      assert.match(e.message, /nest|deep|depth/i);
      // The bus goes on.
      const next = local.once("tree.built", { timeout: 1000 });
      await local.publish("tree.built", { children: [{}] });
      await next;
    } finally {
      await local.close();
    }
  },
});

// ---------------------------------------------------------------------------
// (a) Properties
// ---------------------------------------------------------------------------

/** The documented grammar of an event type. */
const TYPE_GRAMMAR = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const grammatical = (s: string) =>
  TYPE_GRAMMAR.test(s) && s.length <= 256 && s.split(".").length <= 16;

/** Strings near the grammar (tokens of mostly valid characters) and anything. */
const typeLike = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ maxLength: 40 }),
  fc.array(
    fc.string({
      unit: fc.constantFrom(
        ..."aZ09_-",
        ..."aZ09_-",
        " ",
        "*",
        ">",
        ".",
        "é",
        "\u0000",
        "\ud83d",
      ),
      maxLength: 12,
    }),
    { minLength: 1, maxLength: 20 },
  ).map((tokens) => tokens.join(".")),
  fc.integer({ min: 250, max: 262 }).map((n) => "a".repeat(n)),
  fc.integer({ min: 14, max: 18 }).map((k) => Array(k).fill("ab").join(".")),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "prototype.__proto__",
  ),
);

Deno.test({
  name:
    "bad input (property): defineEvents({[s]: schema}) accepts exactly the documented grammar; anything else is an EventTypeError",
  ...T,
  fn: async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(typeLike, async (s) => {
        let catalog;
        try {
          catalog = defineEvents({ [s]: z.object({ n: z.number() }) });
        } catch (error) {
          assert.ok(error instanceof EventTypeError, `${error}`);
          assert.equal((error as Error).name, "EventTypeError");
          assert.ok(!grammatical(s), `refused a grammatical type: ${s}`);
          refused++;
          return;
        }
        assert.ok(grammatical(s), `accepted a type outside the grammar`);
        assert.deepEqual(catalog.types, [s]);
        assert.equal(catalog.has(s), true);
        // The type is usable end to end, even names like "constructor".
        const bus = createLocalEventBus(catalog);
        const next = bus.once(s, { timeout: 1000 });
        await bus.publish(s, { n: 1 });
        assert.deepEqual((await next).data, { n: 1 });
        await bus.close();
        accepted++;
      }),
      {
        numRuns: 300,
        interruptAfterTimeLimit: 30_000,
        markInterruptAsFailure: true,
      },
    );
    assertNotPolluted("type property");
    console.log(
      `bad input: defineEvents property: ${accepted} accepted, ${refused} refused with EventTypeError`,
    );
    assert.ok(accepted > 10 && refused > 10, "both outcomes were exercised");
  },
});

const dataSchema = z.object({
  id: z.number().int(),
  name: z.optional(z.string().max(20)),
  tags: z.optional(z.array(z.string())),
});

/** JSON values, half of them shaped like the schema (valid or nearly). */
const jsonData = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({
    id: fc.integer(),
    name: fc.string({ maxLength: 22 }),
    tags: fc.array(fc.string(), { maxLength: 3 }),
    other: fc.jsonValue({ maxDepth: 1 }),
  }, { requiredKeys: ["id"] }),
  fc.record({
    id: fc.oneof(
      fc.integer(),
      fc.double({ noDefaultInfinity: true, noNaN: true }),
      fc.string(),
    ),
    name: fc.string({ maxLength: 25 }),
    tags: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
    __proto__: fc.jsonValue({ maxDepth: 2 }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  }, { requiredKeys: [] }),
);

Deno.test({
  name:
    "bad input (property): publish(type, json) resolves iff the zod schema accepts the data, else rejects with a ValidationError (local and nats)",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const events = defineEvents({ "item.saved": dataSchema });
    const local = createLocalEventBus(events);
    const nats = await openNats(events, server, "BAD_PROP", "bad.prop");
    const tally = { local: [0, 0], nats: [0, 0] };
    try {
      for (const [bus, runs] of [[local, 200], [nats, 100]] as const) {
        await fc.assert(
          fc.asyncProperty(jsonData, async (value) => {
            const expected = dataSchema.safeParse(value);
            const o = await outcome(() =>
              bus.publish("item.saved", value as z.input<typeof dataSchema>)
            );
            const t = tally[bus.transport as "local" | "nats"];
            if (expected.success) {
              assert.equal(
                o.kind,
                "resolved",
                `${o.kind !== "resolved" && o.error}`,
              );
              const event = (o as { value: { data: unknown } }).value;
              assert.deepEqual(event.data, expected.data);
              t[0]++;
            } else {
              assert.equal(o.kind, "rejected");
              const error = (o as { error: Error }).error;
              assert.ok(error instanceof ValidationError, String(error));
              assert.ok(error.issues.length > 0);
              for (const issue of error.issues) {
                assert.match(issue.path, /^data/);
              }
              t[1]++;
            }
          }),
          {
            numRuns: runs,
            interruptAfterTimeLimit: 40_000,
            markInterruptAsFailure: true,
          },
        );
      }
      assertNotPolluted("data property");
      console.log(
        `bad input: publish property: local ${tally.local[0]} resolved / ${
          tally.local[1]
        } ValidationError; nats ${tally.nats[0]} resolved / ${
          tally.nats[1]
        } ValidationError`,
      );
      for (const [ok, refused] of Object.values(tally)) {
        assert.ok(ok > 5 && refused > 5, "both outcomes were exercised");
      }
    } finally {
      await local.close();
      await nats.close();
    }
  },
});

// ---------------------------------------------------------------------------
// (b) Injected raw on the subjects
// ---------------------------------------------------------------------------

const rawEvents = defineEvents({
  "order.created": z.strictObject({ id: z.number().int() }),
  "order.shipped": z.strictObject({ id: z.number().int() }),
  "metric.tick": { schema: z.strictObject({ v: z.number() }), ephemeral: true },
});

const PREFIX = "raw.in";
const EPHEMERAL = "raw.eph";
const MAX_EVENT_BYTES = 262_144;
let counter = 0;

/** Binary-mode headers for `type`; `extra` overrides, `omit` drops. */
function ceHeaders(
  type: string,
  extra: Record<string, string | string[]> = {},
  omit: string[] = [],
): MsgHdrs {
  const h = natsHeaders();
  const all: Record<string, string | string[]> = {
    "ce-specversion": "1.0",
    "ce-id": `raw-${++counter}`,
    "ce-source": "/raw-tool",
    "ce-type": type,
    "content-type": "application/json",
    ...extra,
  };
  for (const [k, v] of Object.entries(all)) {
    if (omit.includes(k)) continue;
    for (const value of Array.isArray(v) ? v : [v]) h.append(k, value);
  }
  return h;
}

interface Bad {
  name: string;
  subject: string;
  payload: Uint8Array;
  headers?: MsgHdrs;
  reason: RegExp;
}

function contentType(value: string): MsgHdrs {
  const h = natsHeaders();
  h.set("content-type", value);
  return h;
}

/**
 * Bad messages for event type `t` (on `<prefix>.<t>`), whose schema is
 * `{ <key>: number }` (strict); `other` is another type of the catalog.
 */
function corpus(prefix: string, t: string, key: string, other: string): Bad[] {
  const subject = `${prefix}.${t}`;
  const ok = te.encode(`{"${key}":1}`);
  const h = (
    extra: Record<string, string | string[]> = {},
    omit: string[] = [],
  ) => ceHeaders(t, extra, omit);
  const nested = "[".repeat(100_000) + "]".repeat(100_000);
  const envelope = (data: string, type = t) =>
    `{"specversion":"1.0","id":"s-${++counter}","source":"/raw","type":"${type}","data":${data}}`;
  const structured = contentType("application/cloudevents+json");
  const k = new RegExp(`data\\.${key}`);
  const list: Omit<Bad, "subject">[] = [
    {
      name: "non-JSON",
      payload: te.encode(`{${key}: 1`),
      headers: h(),
      reason: /not valid JSON/,
    },
    {
      name: "truncated JSON",
      payload: te.encode(`{"${key}":`),
      headers: h(),
      reason: /not valid JSON/,
    },
    {
      name: "invalid UTF-8",
      payload: new Uint8Array([
        0x7b,
        0x22,
        0x69,
        0x64,
        0x22,
        0x3a,
        0xc3,
        0x28,
        0x7d,
      ]),
      headers: h(),
      reason: /not valid UTF-8/,
    },
    {
      name: "overlong UTF-8",
      payload: new Uint8Array([0xc0, 0xaf]),
      headers: h(),
      reason: /UTF-8/,
    },
    {
      name: "above maxEventBytes",
      payload: te.encode(`{"${key}":1,"pad":"${"x".repeat(MAX_EVENT_BYTES)}"}`),
      headers: h(),
      reason: new RegExp(`exceeds ${MAX_EVENT_BYTES}`),
    },
    {
      name: "ce-type not matching the subject",
      payload: ok,
      headers: ceHeaders(other),
      reason: /does not match subject/,
    },
    {
      name: "ce-type of an unknown type",
      payload: ok,
      headers: ceHeaders("admin.grant"),
      reason: /does not match subject/,
    },
    {
      name: "missing ce-id",
      payload: ok,
      headers: h({}, ["ce-id"]),
      reason: /missing header ce-id/,
    },
    {
      name: "missing ce-source",
      payload: ok,
      headers: h({}, ["ce-source"]),
      reason: /missing header ce-source/,
    },
    {
      name: "missing ce-type",
      payload: ok,
      headers: h({}, ["ce-type"]),
      reason: /missing header ce-type/,
    },
    {
      name: "missing ce-specversion",
      payload: ok,
      headers: h({}, ["ce-specversion"]),
      reason: /specversion/,
    },
    {
      name: "ce-specversion 0.3",
      payload: ok,
      headers: h({ "ce-specversion": "0.3" }),
      reason: /unsupported specversion "0\.3"/,
    },
    {
      name: "empty ce-id",
      payload: ok,
      headers: h({ "ce-id": "" }),
      reason: /id/,
    },
    {
      name: "ce-source not a URI-reference",
      payload: ok,
      headers: h({ "ce-source": "%20 %20" }),
      reason: /source/,
    },
    {
      name: "ce-time garbage",
      payload: ok,
      headers: h({ "ce-time": "yesterday" }),
      reason: /time/,
    },
    {
      name: "non-percent-encoded garbage (%ZZ)",
      payload: ok,
      headers: h({ "ce-source": "/a%ZZb" }),
      reason: /not valid percent-encoding/,
    },
    {
      name: "truncated percent-encoding",
      payload: ok,
      headers: h({ "ce-id": "x%E2%82" }),
      reason: /not valid percent-encoding/,
    },
    {
      name: "percent-encoded invalid UTF-8",
      payload: ok,
      headers: h({ "ce-id": "%C0%AF" }),
      reason: /not valid percent-encoding/,
    },
    {
      name: "unterminated quoted-string",
      payload: ok,
      headers: h({ "ce-source": '"/a' }),
      reason: /unterminated quoted-string/,
    },
    {
      name: "ce-type twice",
      payload: ok,
      headers: h({ "ce-type": [t, t] }),
      reason: /appears 2 times/,
    },
    {
      name: "percent-encoded type naming another subject",
      payload: ok,
      headers: h({ "ce-type": other.replace(".", "%2E") }),
      reason: /does not match subject/,
    },
    {
      name: "unsupported content-type (batch)",
      payload: te.encode(`[${envelope(`{"${key}":1}`)}]`),
      headers: contentType("application/cloudevents-batch+json"),
      reason: /unsupported content-type/,
    },
    {
      name: "empty payload (no data)",
      payload: new Uint8Array(),
      headers: h(),
      reason: /data/,
    },
    {
      name: "data failing the schema",
      payload: te.encode(`{"${key}":"1"}`),
      headers: h(),
      reason: k,
    },
    {
      name: "duplicate JSON keys",
      payload: te.encode(`{"${key}":1,"${key}":"x"}`),
      headers: h(),
      reason: k,
    },
    {
      name: "number overflowing to Infinity",
      payload: te.encode(`{"${key}":1e400}`),
      headers: h(),
      reason: k,
    },
    {
      name: "__proto__ key",
      payload: te.encode(`{"${key}":1,"__proto__":{"polluted":true}}`),
      headers: h(),
      reason: /__proto__/,
    },
    {
      name: "constructor.prototype key",
      payload: te.encode(
        `{"${key}":1,"constructor":{"prototype":{"polluted":true}}}`,
      ),
      headers: h(),
      reason: /constructor/,
    },
    {
      name: "100k levels of nesting (binary)",
      payload: te.encode(nested),
      headers: h(),
      reason: /nesting deeper than 64/,
    },
    {
      name: "100k levels of nesting (structured, no headers)",
      payload: te.encode(envelope(nested)),
      reason: /nesting deeper than 64/,
    },
    {
      name: "structured, not an object",
      payload: te.encode("42"),
      reason: /not a JSON object/,
    },
    {
      name: "structured, empty",
      payload: new Uint8Array(),
      reason: /payload is empty/,
    },
    {
      name: "structured, specversion 0.3",
      payload: te.encode(envelope(`{"${key}":1}`).replace('"1.0"', '"0.3"')),
      reason: /unsupported specversion/,
    },
    {
      name: "structured, type not matching the subject",
      payload: te.encode(envelope(`{"${key}":1}`, other)),
      reason: /does not match subject/,
    },
    {
      name: "structured, data failing the schema",
      payload: te.encode(envelope(`{"${key}":[]}`)),
      headers: structured,
      reason: k,
    },
  ];
  return [
    ...list.map((b) => ({ ...b, subject })),
    {
      name: "unknown type on its own subject",
      subject: `${prefix}.admin.grant`,
      payload: ok,
      headers: ceHeaders("admin.grant"),
      reason: /unknown event type "admin\.grant"/,
    },
  ];
}

/** A bus's deliveries and reports, with waits for both. */
class Probe {
  ids = new Set<string>();
  data: unknown[] = [];
  events: { id: string; data: unknown }[] = [];
  reports: [Error, ErrorContext][] = [];
  #wake = () => {};
  onEvent = (e: { id: string; data: unknown }) => {
    this.ids.add(e.id);
    this.data.push(e.data);
    this.events.push(e);
    this.#wake();
  };
  onError = (e: unknown, ctx: ErrorContext) => {
    this.reports.push([e as Error, ctx]);
  };
  arrival(id: string, what: string): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        this.#wake = () => this.ids.has(id) && resolve();
        this.#wake();
      }),
      5000,
      `${what}: valid event ${id} did not arrive`,
    );
  }
}

/** Publishes a valid event on the raw connection, in order after the bad one. */
async function validAfter(
  nc: NatsConnection,
  kind: "persistent" | "ephemeral",
): Promise<string> {
  const id = `valid-${++counter}`;
  if (kind === "persistent") {
    await jetstream(nc).publish(
      `${PREFIX}.order.created`,
      te.encode('{"id":7}'),
      {
        headers: ceHeaders("order.created", { "ce-id": id }),
      },
    );
  } else {
    const event = {
      specversion: "1.0",
      id,
      source: "/raw-tool",
      type: "metric.tick",
      data: { v: 1 },
    };
    nc.publish(`${EPHEMERAL}.metric.tick`, te.encode(JSON.stringify(event)));
    await nc.flush();
  }
  return id;
}

Deno.test({
  name:
    "bad input (raw): every malformed, forged, oversized or hostile message is counted invalid, reported, never delivered; the next valid event arrives",
  ...T,
  fn: async () => {
    const started = Date.now();
    await using server = await startNatsServer();
    const fan = new Probe();
    const grp = new Probe();
    const nats = {
      servers: server.wsUrl,
      stream: "RAW_IN",
      subjectPrefix: PREFIX,
      ephemeralPrefix: EPHEMERAL,
      storage: "memory" as const,
      maxEventBytes: MAX_EVENT_BYTES,
    };
    // Capture what the default console onError would have printed too.
    const fanBus = await createEventBus(rawEvents, {
      transport: "nats",
      onError: fan.onError,
      nats,
    });
    const grpBus = await createEventBus(rawEvents, {
      transport: "nats",
      onError: grp.onError,
      nats,
    });
    const nc = await wsconnect({ servers: server.wsUrl });
    try {
      await fanBus.subscribe(">", fan.onEvent).ready;
      await grpBus.subscribe(">", grp.onEvent, { group: "raw-workers" }).ready;
      const js = jetstream(nc);
      let injected = 0;
      const check = async (bad: Bad, kind: "persistent" | "ephemeral") => {
        const subject = bad.subject;
        const before = [fanBus.stats().invalid, grpBus.stats().invalid];
        const reports = [fan.reports.length, grp.reports.length];
        const delivered = [fan.ids.size, grp.ids.size];
        if (kind === "persistent") {
          await js.publish(subject, bad.payload, { headers: bad.headers });
        } else {
          nc.publish(subject, bad.payload, { headers: bad.headers });
        }
        injected++;
        const id = await validAfter(nc, kind);
        await fan.arrival(id, `${bad.name} (fan-out)`);
        await grp.arrival(id, `${bad.name} (group)`);
        for (
          const [i, [bus, probe]] of ([[fanBus, fan], [grpBus, grp]] as const)
            .entries()
        ) {
          const who = `${bad.name} (${i === 0 ? "fan-out" : "group"})`;
          assert.equal(
            bus.stats().invalid,
            before[i] + 1,
            `${who}: invalid +1`,
          );
          const fresh = probe.reports.slice(reports[i]);
          assert.equal(
            fresh.length,
            1,
            `${who}: one report: ${fresh.map(([e]) => e.message)}`,
          );
          const [error, ctx] = fresh[0];
          assert.equal(ctx.kind, "invalid", who);
          assert.equal(ctx.subject, subject, who);
          assert.match(
            error.message,
            bad.reason,
            `${who}: ${error.message.slice(0, 200)}`,
          );
          assert.ok(error.message.length < 2000, `${who}: short report`);
          assert.equal(
            probe.ids.size,
            delivered[i] + 1,
            `${who}: only the valid one`,
          );
        }
      };
      const persistent = corpus(PREFIX, "order.created", "id", "order.shipped");
      for (const bad of persistent) await check(bad, "persistent");
      // Ephemeral subjects (core NATS) go through the same gate.
      const ephemeral = corpus(EPHEMERAL, "metric.tick", "v", "order.created");
      for (const bad of ephemeral) await check(bad, "ephemeral");
      // Hostile keys at the envelope level are extension attributes the bus
      // drops: such an event (valid otherwise) arrives with clean data.
      for (const key of ["__proto__", "constructor", "prototype"]) {
        const id = `hostile-${key}`;
        const hostile =
          `{"specversion":"1.0","id":"${id}","source":"/raw","type":"order.created","${key}":{"polluted":true,"prototype":{"polluted":true}},"data":{"id":7}}`;
        await js.publish(`${PREFIX}.order.created`, te.encode(hostile), {
          headers: contentType("application/cloudevents+json"),
        });
        await fan.arrival(id, `envelope with a ${key} key (fan-out)`);
        await grp.arrival(id, `envelope with a ${key} key (group)`);
      }
      for (const probe of [fan, grp]) {
        for (
          const e of probe.events.filter((e) => e.id.startsWith("hostile-"))
        ) {
          assert.equal(Object.getPrototypeOf(e), Object.prototype);
          assert.equal(Object.hasOwn(e, "__proto__"), false);
          assert.equal((e as Record<string, unknown>).polluted, undefined);
          assert.deepEqual(e.data, { id: 7 });
        }
      }
      // Only the valid events reached a handler; each has the valid data.
      for (const probe of [fan, grp]) {
        for (const d of probe.data) {
          assert.ok(
            JSON.stringify(d) === '{"id":7}' || JSON.stringify(d) === '{"v":1}',
            JSON.stringify(d),
          );
        }
      }
      assertNotPolluted("raw corpus");
      assert.equal(fanBus.health().status, "connected");
      assert.equal(grpBus.health().status, "connected");
      console.log(
        `bad input: raw corpus: ${injected} injected (${persistent.length} persistent, ${ephemeral.length} ephemeral); invalid fan-out ${fanBus.stats().invalid}, group ${grpBus.stats().invalid}; delivered only the ${fan.ids.size} valid probes; ${
          ((Date.now() - started) / 1000).toFixed(1)
        } s`,
      );
    } finally {
      await nc.close();
      await fanBus.close();
      await grpBus.close();
    }
  },
});

/** Header names: the ce-* attributes, content-type and arbitrary tokens. */
const headerName = fc.oneof(
  fc.constantFrom(
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-time",
    "ce-subject",
    "ce-datacontenttype",
    "CE-TYPE",
    "content-type",
    "Content-Type",
  ),
  fc.string({
    unit: fc.constantFrom(..."abcXYZ019-_"),
    minLength: 1,
    maxLength: 12,
  })
    // Nats-* headers steer JetStream (rollups, expectations), not the bus.
    .filter((k) => !/^nats/i.test(k)),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    "1.0",
    "0.3",
    "order.created",
    "order.shipped",
    "application/json",
    "application/cloudevents+json",
    "/src",
    "%",
    "%zz",
    '"',
    "",
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }).filter((v) =>
    !/[\r\n]/.test(v)
  ),
);
const headerMap = fc.option(
  fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
  { nil: undefined },
);
const rawPayload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 5 }).map((v) => te.encode(JSON.stringify(v))),
  fc.string({ unit: "binary", maxLength: 100 }).map((s) => te.encode(s)),
);

/** Whether `payload` could be a valid event at all (then it is not "bad"). */
function couldBeValid(payload: Uint8Array): boolean {
  try {
    const v = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(payload),
    );
    return typeof v === "object" && v !== null &&
      ("specversion" in v || "id" in v);
  } catch {
    return false;
  }
}

/** Runs of the raw property, every one of which must happen. */
const RAW_RUNS = 100;

Deno.test({
  name:
    "bad input (raw, property): arbitrary bytes with arbitrary header maps are counted invalid, never delivered; valid events keep arriving",
  ...T,
  fn: async () => {
    const started = Date.now();
    await using server = await startNatsServer();
    const fan = new Probe();
    const bus = await createEventBus(rawEvents, {
      transport: "nats",
      onError: fan.onError,
      nats: {
        servers: server.wsUrl,
        stream: "RAW_PROP",
        subjectPrefix: PREFIX,
        ephemeralPrefix: EPHEMERAL,
        storage: "memory",
        maxEventBytes: MAX_EVENT_BYTES,
      },
    });
    const nc = await wsconnect({ servers: server.wsUrl });
    let runs = 0;
    try {
      await bus.subscribe(">", fan.onEvent).ready;
      const js = jetstream(nc);
      await fc.assert(
        fc.asyncProperty(
          rawPayload.filter((p) => !couldBeValid(p)),
          headerMap,
          async (payload, pairs) => {
            let headers: MsgHdrs | undefined;
            if (pairs) {
              headers = natsHeaders();
              for (const [k, v] of pairs) headers.append(k, v);
            }
            const delivered = fan.ids.size;
            await js.publish(`${PREFIX}.order.created`, payload, { headers });
            runs++;
            // Every run is followed by a valid event, which must arrive
            // (after the bad one: same subject, stream order).
            const id = await validAfter(nc, "persistent");
            await fan.arrival(id, "after an arbitrary message");
            // Cumulative, from the test's own record: a report of an
            // earlier run arriving late (or one missing) breaks the count
            // of this run instead of passing as its baseline.
            const invalid = fan.reports.filter(([, c]) => c.kind === "invalid");
            assert.equal(invalid.length, runs, "one invalid report per run");
            assert.equal(fan.reports.length, runs, "no other report");
            assert.equal(bus.stats().invalid, runs, "stats().invalid agrees");
            assert.equal(fan.ids.size, delivered + 1, "only the valid one");
          },
        ),
        // No time limit that could end it early: every run must happen.
        { numRuns: RAW_RUNS },
      );
      assertNotPolluted("raw property");
      assert.equal(bus.health().status, "connected");
      console.log(
        `bad input: raw property: ${runs} arbitrary messages, all counted invalid (${bus.stats().invalid}); ${fan.ids.size} valid events delivered; ${
          ((Date.now() - started) / 1000).toFixed(1)
        } s`,
      );
      assert.equal(runs, RAW_RUNS, "every run happened");
    } finally {
      await nc.close();
      await bus.close();
    }
  },
});
