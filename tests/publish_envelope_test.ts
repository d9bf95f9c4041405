import assert from "node:assert/strict";
import { RFC3339, TRACEPARENT } from "./_cloudevents.ts";
import { z } from "zod";
import {
  type CloudEvent,
  createLocalEventBus,
  decodeCloudEvent,
  defineEvents,
  encodeCloudEvent,
  parseCloudEvent,
  ValidationError,
} from "../mod.ts";

const events = defineEvents({
  "context.updated": z.object({ path: z.string() }),
  "tick.counted": z.object({ n: z.number() }),
});

function newBus(source?: string) {
  return createLocalEventBus(events, source === undefined ? {} : { source });
}

Deno.test("LocalEventBus.publish() produces a valid CloudEvents envelope", async () => {
  await using bus = newBus("/tests/instance-1");
  const received: CloudEvent[] = [];
  bus.subscribe("context.*", (event) => {
    received.push(event);
  });
  const before = Date.now();
  const event = await bus.publish("context.updated", { path: "/a" });
  assert.equal(event.specversion, "1.0");
  assert.equal(event.type, "context.updated");
  assert.equal(event.source, "/tests/instance-1");
  assert.equal(event.datacontenttype, "application/json");
  assert.deepEqual(event.data, { path: "/a" });
  assert.equal(typeof event.id, "string");
  assert.ok(event.id.length > 0);
  assert.match(event.time, RFC3339);
  const ms = Date.parse(event.time);
  assert.ok(ms >= before - 1 && ms <= Date.now() + 1, event.time);
  assert.equal(event.subject, undefined);
  assert.equal(event.traceparent, undefined);
  // What subscribers get is the same envelope, and it survives the JSON codec.
  assert.equal(received.length, 1);
  assert.deepEqual(received[0], event);
  assert.deepEqual(parseCloudEvent(JSON.parse(JSON.stringify(event))), event);
  assert.deepEqual(decodeCloudEvent(encodeCloudEvent(event)), event);
});

Deno.test("LocalEventBus.publish() uses a default source that is a URI-reference", async () => {
  await using bus = newBus();
  const event = await bus.publish("context.updated", { path: "/a" });
  assert.equal(event.source, bus.source);
  assert.match(event.source, /^\/mcb\/event-bus\/\S+$/);
  await using other = newBus();
  assert.notEqual(other.source, bus.source);
});

Deno.test("LocalEventBus.publish() gives unique ids across 10k publishes", async () => {
  await using bus = newBus("/tests/ids");
  await using other = newBus("/tests/ids");
  const ids = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const event = await bus.publish("tick.counted", { n: i });
    assert.equal(event.data.n, i);
    ids.add(event.id);
  }
  assert.equal(ids.size, 10_000);
  // A second bus with the same source does not reuse ids either.
  for (let i = 0; i < 100; i++) {
    ids.add((await other.publish("tick.counted", { n: i })).id);
  }
  assert.equal(ids.size, 10_100);
});

Deno.test("LocalEventBus.publish() applies id, subject, time, traceparent options", async () => {
  await using bus = newBus("/tests/options");
  const withDate = await bus.publish("context.updated", { path: "/b" }, {
    id: "custom-id-1",
    subject: "src/b.ts",
    time: new Date("2024-05-01T10:00:00.000Z"),
    traceparent: TRACEPARENT,
    tracestate: "vendor=1",
    dataschema: "https://example.com/s.json",
    source: "/tests/override",
  });
  assert.equal(withDate.id, "custom-id-1");
  assert.equal(withDate.subject, "src/b.ts");
  assert.equal(withDate.time, "2024-05-01T10:00:00.000Z");
  assert.equal(withDate.traceparent, TRACEPARENT);
  assert.equal(withDate.tracestate, "vendor=1");
  assert.equal(withDate.dataschema, "https://example.com/s.json");
  assert.equal(withDate.source, "/tests/override");
  assert.deepEqual(parseCloudEvent(withDate), withDate);

  const withString = await bus.publish("context.updated", { path: "/c" }, {
    time: "2024-05-01T12:00:00+02:00",
  });
  assert.equal(withString.time, "2024-05-01T12:00:00+02:00");
  assert.equal(withString.source, "/tests/options");
  assert.notEqual(withString.id, "custom-id-1");
});

const badOptions: [string, Record<string, unknown>][] = [
  ["id", { id: "" }],
  ["id", { id: 5 }],
  ["time", { time: "yesterday" }],
  ["time", { time: "2024-05-01" }],
  ["time", { time: new Date(Number.NaN) }],
  ["time", { time: 1714564800000 }],
  ["traceparent", { traceparent: "00-abc-def-01" }],
  ["traceparent", { traceparent: TRACEPARENT.toUpperCase() }],
  ["source", { source: "has space" }],
  ["dataschema", { dataschema: "not a uri" }],
  ["subject", { subject: 42 }],
];
for (const [field, options] of badOptions) {
  Deno.test(`LocalEventBus.publish() rejects bad ${field} option ${Deno.inspect(options)}`, async () => {
    await using bus = newBus("/tests/bad-options");
    let delivered = 0;
    bus.subscribe("context.updated", () => {
      delivered++;
    });
    await assert.rejects(
      () => bus.publish("context.updated", { path: "/x" }, options),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError, String(error));
        assert.equal(error.type, "context.updated");
        assert.deepEqual(error.issues.map((i) => i.path), [field]);
        assert.match(error.issues[0].message, /^expected /);
        assert.ok(error.message.includes(`${field}: `), error.message);
        return true;
      },
    );
    assert.equal(delivered, 0);
    assert.equal(bus.stats().invalid, 1);
    assert.equal(bus.stats().published, 0);
  });
}

Deno.test("LocalEventBus.publish() rejects invalid data before building the envelope", async () => {
  await using bus = newBus("/tests/bad-data");
  await assert.rejects(
    // @ts-expect-error path must be a string
    () => bus.publish("context.updated", { path: 1 }),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.issues, [
        { path: "data.path", message: "expected string, received number" },
      ]);
      return true;
    },
  );
});
