// Inbound validation of the nats transport: whatever another tool puts on
// the bus's subjects, only valid events of the catalog reach a handler.
// Real nats-server (JetStream + WebSocket, loopback); messages are injected
// with a raw client.
import assert from "node:assert/strict";
import { z } from "zod";
import { headers as natsHeaders, wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { defineEvents, type NatsConfigInput } from "../mod.ts";
import { openCatalogBus, type Reported } from "./fixtures/nats_delivery.ts";
import { type NatsServer, startNatsServer } from "./nats_server.ts";
import { withTimeout } from "./_timeouts.ts";

const events = defineEvents({
  "order.created": z.strictObject({ id: z.number().int() }),
  "order.shipped": z.strictObject({ id: z.number().int() }),
});

const te = new TextEncoder();
let counter = 0;

/**
 * A bus on `stream` / `prefix` (memory storage, `nats` overrides) whose
 * onError reports are in `errors`, and a raw connection to inject messages
 * with.
 */
async function openInbound(
  server: NatsServer,
  stream: string,
  prefix: string,
  nats: NatsConfigInput,
) {
  const errors: Reported = [];
  const bus = await openCatalogBus(
    events,
    server,
    { stream, prefix },
    nats,
    errors,
  );
  const nc = await wsconnect({ servers: server.wsUrl });
  return { bus, errors, nc };
}

/** binary-mode headers for `type`; `omit` drops one, `extra` overrides. */
function binaryHeaders(
  type: string,
  extra: Record<string, string> = {},
  omit?: string,
) {
  const h = natsHeaders();
  const all: Record<string, string> = {
    "ce-specversion": "1.0",
    "ce-id": `raw-${++counter}`,
    "ce-source": "/another-tool",
    "ce-type": type,
    "content-type": "application/json",
    ...extra,
  };
  for (const [k, v] of Object.entries(all)) if (k !== omit) h.set(k, v);
  return h;
}

interface Bad {
  name: string;
  type: string;
  payload: Uint8Array;
  headers: ReturnType<typeof natsHeaders>;
  reason: RegExp;
}

function badMessages(): Bad[] {
  const ok = te.encode('{"id":1}');
  const nested = "[".repeat(100) + "]".repeat(100);
  return [
    {
      name: "non-JSON payload",
      type: "order.created",
      payload: te.encode("{id: 1"),
      headers: binaryHeaders("order.created"),
      reason: /not valid JSON/,
    },
    {
      name: "invalid UTF-8",
      type: "order.created",
      payload: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      headers: binaryHeaders("order.created"),
      reason: /not valid UTF-8/,
    },
    {
      name: "data failing the schema",
      type: "order.created",
      payload: te.encode('{"id":"one"}'),
      headers: binaryHeaders("order.created"),
      reason: /data\.id/,
    },
    {
      name: "unknown type",
      type: "nope.x",
      payload: ok,
      headers: binaryHeaders("nope.x"),
      reason: /unknown event type "nope\.x"/,
    },
    {
      name: "ce-type not matching the subject",
      type: "order.created",
      payload: ok,
      headers: binaryHeaders("order.shipped"),
      reason: /type "order\.shipped" does not match subject/,
    },
    {
      name: "missing ce-id",
      type: "order.created",
      payload: ok,
      headers: binaryHeaders("order.created", {}, "ce-id"),
      reason: /missing header ce-id/,
    },
    {
      name: "payload above maxEventBytes",
      type: "order.created",
      payload: te.encode(`{"id":1,"pad":"${"x".repeat(3000)}"}`),
      headers: binaryHeaders("order.created"),
      reason: /bytes exceeds 2048/,
    },
    {
      name: "deeply nested JSON",
      type: "order.created",
      payload: te.encode(`{"id":1,"deep":${nested}}`),
      headers: binaryHeaders("order.created"),
      reason: /nesting deeper than/,
    },
    {
      name: "__proto__ key",
      type: "order.created",
      payload: te.encode('{"id":1,"__proto__":{"polluted":true}}'),
      headers: binaryHeaders("order.created"),
      reason: /__proto__/,
    },
  ];
}

Deno.test({
  name:
    "subscribe() (nats): invalid inbound messages never reach a handler; structured events from other tools do",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer();
    const prefix = "inb.fanout";
    const { bus, errors, nc } = await openInbound(
      server,
      "INB_FANOUT",
      prefix,
      {
        maxEventBytes: 2048,
      },
    );
    try {
      const js = jetstream(nc);
      const received: { id: string; data: unknown }[] = [];
      let notify = () => {};
      const sub = bus.subscribe(">", (event) => {
        received.push({ id: event.id, data: event.data });
        notify();
      });
      await sub.ready;
      const arrival = (id: string) =>
        withTimeout(
          new Promise<void>((resolve) => {
            notify = () => received.some((r) => r.id === id) && resolve();
            notify();
          }),
          5000,
          `event ${id} not delivered`,
        );

      for (const bad of badMessages()) {
        const before = bus.stats().invalid;
        const errorsBefore = errors.length;
        const subject = `${prefix}.${bad.type}`;
        await js.publish(subject, bad.payload, { headers: bad.headers });
        const valid = await bus.publish("order.created", { id: 7 });
        await arrival(valid.id);
        assert.equal(bus.stats().invalid, before + 1, bad.name);
        const fresh = errors.slice(errorsBefore);
        assert.equal(fresh.length, 1, `${bad.name}: one onError call`);
        const { error, context: ctx } = fresh[0];
        assert.equal(ctx.kind, "invalid", bad.name);
        assert.equal(ctx.subject, subject, bad.name);
        assert.match((error as Error).message, bad.reason, bad.name);
        assert.deepEqual(received.at(-1), { id: valid.id, data: { id: 7 } });
      }
      // Only the valid events were delivered; nothing was polluted.
      assert.equal(received.length, badMessages().length);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);

      // A structured-mode event published by another tool is delivered.
      const structured = {
        specversion: "1.0",
        id: "structured-1",
        source: "/another-tool",
        type: "order.shipped",
        time: new Date().toISOString(),
        datacontenttype: "application/json",
        data: { id: 42 },
      };
      const h = natsHeaders();
      h.set("content-type", "application/cloudevents+json");
      await js.publish(
        `${prefix}.order.shipped`,
        te.encode(JSON.stringify(structured)),
        { headers: h },
      );
      await arrival("structured-1");
      assert.deepEqual(received.at(-1), {
        id: "structured-1",
        data: { id: 42 },
      });
      assert.equal(bus.stats().invalid, badMessages().length);
      assert.equal(bus.health().status, "connected");
    } finally {
      await nc.close();
      await bus.close();
    }
  },
});

Deno.test({
  name:
    "subscribe() (nats, group): an invalid message is dead-lettered once and not redelivered",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer();
    const prefix = "inb.group";
    const stream = "INB_GROUP";
    const { bus, errors, nc } = await openInbound(server, stream, prefix, {
      ackWait: 500,
    });
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const handled: number[] = [];
      let notify = () => {};
      const sub = bus.subscribe("order.created", (event) => {
        handled.push(event.data.id);
        notify();
      }, { group: "workers" });
      await sub.ready;

      const bad = binaryHeaders("order.created", { "x-origin": "raw" });
      await js.publish(`${prefix}.order.created`, te.encode("not json"), {
        headers: bad,
      });
      await bus.publish("order.created", { id: 1 });
      await withTimeout(
        new Promise<void>((resolve) => {
          notify = () => handled.length > 0 && resolve();
          notify();
        }),
        5000,
        "valid event after the invalid one",
      );

      // The dead letter: the original payload, headers, and the reason.
      const dlq = await js.consumers.get(stream, {
        filter_subjects: `${prefix}.dlq.>`,
      });
      const letter = await dlq.next({ expires: 3000 });
      assert.ok(letter, "a message on the dead-letter subject");
      assert.equal(letter.subject, `${prefix}.dlq.order.created`);
      assert.equal(new TextDecoder().decode(letter.data), "not json");
      assert.match(
        letter.headers?.get("mcb-dlq-reason") ?? "",
        /not valid JSON/,
      );
      assert.equal(letter.headers?.get("mcb-dlq-group"), "workers");
      assert.equal(letter.headers?.get("x-origin"), "raw");

      // Longer than ackWait: a non-terminated message would come back.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(handled, [1]);
      assert.equal(bus.stats().invalid, 1);
      const invalid = errors.filter(({ context: c }) => c.kind === "invalid");
      assert.equal(invalid.length, 1);
      assert.equal(invalid[0].context.subject, `${prefix}.order.created`);
      const info = await jsm.consumers.info(stream, "workers");
      assert.equal(info.num_ack_pending, 0);
      assert.equal(info.num_redelivered, 0);
      assert.equal(info.num_pending, 0);
      const more = await dlq.next({ expires: 1000 });
      assert.equal(more, null, "dead-lettered exactly once");
    } finally {
      await nc.close();
      await bus.close();
    }
  },
});
