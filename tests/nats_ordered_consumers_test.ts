// A fan-out subscription is an ordered consumer on the server. Each reopen
// (after a reconnect or missed heartbeats) creates a new one; the one it
// replaces, and the last one at unsubscribe, must be deleted rather than
// left for nats.js's 5-minute inactivity timeout (the soak test counted 22
// consumers for 3 subscriptions after 8 minutes of faults).
import assert from "node:assert/strict";
import { z } from "zod";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, wsconnect } from "@nats-io/nats-core";
import { defineEvents } from "../mod.ts";
import { createEventBus } from "../src/config_file/mod.ts";
import type { ConnectionStatus } from "../src/nats/mod.ts";
import { startNatsServer } from "./nats_server.ts";

const events = defineEvents({ "order.created": z.object({ n: z.number() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name:
    "nats fan-out: reopening after reconnects and unsubscribing leave no consumer behind on the server",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer();
    const statuses: ConnectionStatus[] = [];
    const bus = await createEventBus(events, {
      transport: "nats",
      nats: {
        servers: server.wsUrl,
        stream: "ORDERED",
        subjectPrefix: "ordered",
        reconnectTimeWait: 50,
        reconnectJitter: 0,
      },
    }, { onStatus: (s) => statuses.push(s) });
    // The test's own view of the server, on its own connection.
    const admin = await wsconnect({ servers: server.wsUrl });
    const jsm = await jetstreamManager(admin);
    const consumers = async () => {
      const names: string[] = [];
      for await (const c of jsm.consumers.list("ORDERED")) names.push(c.name);
      return names;
    };
    const until = async (what: string, ok: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await ok())) {
        if (Date.now() > deadline) {
          throw new Error(`${what}: consumers ${await consumers()}`);
        }
        await sleep(50);
      }
    };
    try {
      const seen: number[] = [];
      const sub = bus.subscribe(
        "order.created",
        (e) => void seen.push(e.data.n),
      );
      await sub.ready;
      assert.equal((await consumers()).length, 1);
      const nc = bus.connection as unknown as NatsConnection;
      for (let i = 1; i <= 3; i++) {
        await bus.publish("order.created", { n: i });
        await nc.reconnect();
        await until(
          `reconnect ${i}`,
          async () =>
            statuses.filter((s) => s.type === "reconnected").length === i,
        );
        // The reopened consumer delivers the next event...
        await bus.publish("order.created", { n: 100 + i });
        await until(
          `event ${100 + i}`,
          () => Promise.resolve(seen.includes(100 + i)),
        );
        // ...and the one it replaced is gone.
        await until(
          `one consumer after reconnect ${i}`,
          async () => (await consumers()).length === 1,
        );
      }
      assert.deepEqual(seen, [1, 101, 2, 102, 3, 103]);
      sub.unsubscribe();
      await until(
        "no consumer after unsubscribe",
        async () => (await consumers()).length === 0,
      );
    } finally {
      await admin.close();
      await bus.close();
    }
  },
});
