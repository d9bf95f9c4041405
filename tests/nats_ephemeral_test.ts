// The wire format of ephemeral events: bare structured JSON by default
// (no headers, for throughput), binary mode on request; both are received.
import assert from "node:assert/strict";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { startNatsServer } from "./nats_server.ts";
import { names, openBus, waitUntil } from "./fixtures/nats_delivery.ts";

const T = { sanitizeOps: false, sanitizeResources: false };

for (const encoding of ["structured", "binary"] as const) {
  Deno.test({
    name:
      `publish() sends ephemeral events as ${encoding} (ephemeralEncoding: "${encoding}") and subscribers receive them`,
    ...T,
    fn: async () => {
      await using server = await startNatsServer();
      const tag = `eph${encoding}`;
      const publisher = await openBus(server, tag, {
        ephemeralEncoding: encoding,
      });
      const reader = await openBus(server, tag);
      try {
        const raw: Msg[] = [];
        const nc = publisher.connection as unknown as NatsConnection;
        nc.subscribe(`${names(tag).prefix}_ephemeral.>`, {
          callback: (_error, msg) => {
            raw.push(msg);
          },
        });
        await nc.flush();
        const got: number[] = [];
        await reader.subscribe("metrics.tick", (e) => {
          got.push(e.data.n);
        }).ready;
        const sent = await publisher.publish("metrics.tick", { n: 7 });
        await waitUntil(() => got.length === 1 && raw.length === 1, "delivery");
        assert.deepEqual(got, [7]);
        const msg = raw[0];
        if (encoding === "structured") {
          assert.equal(msg.headers, undefined, "no headers at all");
          const body = JSON.parse(msg.string());
          assert.equal(body.specversion, "1.0");
          assert.equal(body.id, sent.id);
          assert.deepEqual(body.data, { n: 7 });
        } else {
          assert.equal(msg.headers?.get("ce-type"), "metrics.tick");
          assert.equal(msg.headers?.get("ce-id"), sent.id);
          assert.deepEqual(JSON.parse(msg.string()), { n: 7 });
        }
      } finally {
        await publisher.close();
        await reader.close();
      }
    },
  });
}
