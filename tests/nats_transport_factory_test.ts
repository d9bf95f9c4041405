// nats.js keeps one transport factory per process, set by the last connect.
// A process that also opens a TCP connection with @nats-io/transport-node
// (an admin tool, a health probe) after the bus connected used to leave the
// bus unable to reconnect: every later dial of its ws:// URLs went through
// the TCP transport and timed out, forever (found by the soak test). The
// bus now restores the WebSocket transport before each of its dials.
import assert from "node:assert/strict";
import { z } from "zod";
import { connect } from "@nats-io/transport-node";
import { defineEvents } from "../mod.ts";
import { createEventBus } from "../src/config_file/mod.ts";
import type { ConnectionStatus } from "../src/nats/mod.ts";
import { startNatsServer } from "./nats_server.ts";
import { withTimeout } from "./_timeouts.ts";

const events = defineEvents({ "order.created": z.object({ n: z.number() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name:
    "nats reconnect: a TCP connection opened later in the same process (@nats-io/transport-node) does not stop the bus from reconnecting",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer();
    const statuses: ConnectionStatus[] = [];
    const bus = await createEventBus(events, {
      transport: "nats",
      nats: {
        servers: server.wsUrl,
        stream: "FACTORY",
        subjectPrefix: "factory",
        storage: "file",
        connectTimeout: 1000,
        reconnectTimeWait: 100,
        reconnectJitter: 0,
        publishTimeout: 20_000,
      },
    }, { onStatus: (s) => statuses.push(s) });
    // The other library's connection, opened after the bus's.
    const tcp = await connect({
      servers: server.natsUrl,
      reconnectTimeWait: 100,
    });
    try {
      const seen: string[] = [];
      await bus.subscribe("order.created", (e) => void seen.push(e.id)).ready;
      const before = await bus.publish("order.created", { n: 1 });

      await server.restart();
      const until = Date.now() + 15_000;
      while (
        !statuses.some((s) => s.type === "reconnected") && Date.now() < until
      ) await sleep(50);
      const types = statuses.map((s) => s.type).join(",");
      assert.ok(
        statuses.some((s) => s.type === "reconnected"),
        `the bus did not reconnect within 15 s of the restart: ${types}`,
      );
      const after = await withTimeout(
        bus.publish("order.created", { n: 2 }),
        20_000,
        "publish after the restart",
      );
      // Both events reach the subscriber. (The TCP client is not asked to
      // reconnect: with one factory per process, nats.js cannot serve two
      // transports' reconnects; README says to use wsconnect next to the
      // bus.)
      const deadline = Date.now() + 10_000;
      while (seen.length < 2 && Date.now() < deadline) await sleep(20);
      assert.deepEqual(seen, [before.id, after.id]);
    } finally {
      await tcp.close();
      await bus.close();
    }
  },
});
