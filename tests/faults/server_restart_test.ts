// Fault scenario: the nats-server restarts mid-stream, several times (one of
// them a kill -9), with the same file store, while two publisher buses
// publish continuously and a fan-out subscriber and a group of two members
// receive. Every publish resolves (the outages are shorter than the
// publish timeout); every event reaches the fan-out subscriber exactly
// once and one group member (duplicates bounded by what the members held
// at each restart); the stream read back holds each id exactly once.
// Ends with the accounting lines.
import assert from "node:assert/strict";
import { startNatsServer } from "../nats_server.ts";
import { Accounting, sleep } from "./_accounting.ts";
import { readOrderIds } from "./_stream.ts";
import {
  closeAll,
  NO_SANITIZERS,
  openFanoutAndGroup,
  publishLoad,
  reportKinds,
  type WatchedBus,
} from "./_buses.ts";

const TOTAL = 600;
const INFLIGHT = 32;
/** Messages a group member fetches at once (src/nats/consumers.ts). */
const PREFETCH = 16;
/**
 * Restart i (0-based) once `at` publishes were started: SIGTERM or SIGKILL,
 * then down for `down` ms (longer than one 2 s publish attempt for the
 * last), then start on the same store.
 */
const RESTARTS: { at: number; how: "stop" | "kill"; down: number }[] = [
  { at: 120, how: "stop", down: 300 },
  { at: 270, how: "kill", down: 1000 },
  { at: 420, how: "stop", down: 2500 },
];

Deno.test({
  name:
    "faults: server restarts mid-stream (3 restarts, one kill -9, file store): no acknowledged event is lost",
  ...NO_SANITIZERS,
  fn: async () => {
    const started = Date.now();
    await using server = await startNatsServer();
    const tag = "restart";
    const nats = {
      storage: "file" as const,
      publishTimeout: 20_000,
      // Redelivery of what a member held when the connection dropped.
      ackWait: 4000,
      connectTimeout: 2000,
      reconnectTimeWait: 200,
      reconnectJitter: 100,
    };
    const buses: WatchedBus[] = [];
    try {
      const acc = new Accounting("server-restart");
      const [pub1, pub2] = await openFanoutAndGroup(
        buses,
        acc,
        server.wsUrl,
        tag,
        nats,
      );

      const load = publishLoad(acc, [pub1.bus, pub2.bus], {
        total: TOTAL,
        inflight: INFLIGHT,
        interval: 8,
        maxMs: 60_000,
      });
      const outages: string[] = [];
      const restarts = (async () => {
        for (const [i, { at, how, down }] of RESTARTS.entries()) {
          // Restart i once `at` publishes started and every bus came back
          // from restart i - 1.
          const until = Date.now() + 25_000;
          while (
            (load.issued < at ||
              buses.some((b) => b.count("reconnected") < i)) &&
            Date.now() < until
          ) await sleep(5);
          const t0 = Date.now();
          if (how === "kill") await server.kill();
          else await server.stop();
          await sleep(down); // publishes wait and retry meanwhile
          await server.start();
          outages.push(`${how}@${load.issued}:${Date.now() - t0}ms`);
        }
      })();
      await Promise.all([load.done, restarts]);
      const publishedFor = Date.now() - started;

      const waited = await acc.settle(20_000, 1000);
      acc.print();
      console.log(
        `server-restart details: rejections ${
          JSON.stringify(acc.rejections())
        }; slowest publish ${load.slowest} ms; restarts ${
          outages.join(", ")
        }; delivery caught up ${waited} ms after the last publish; reports ${
          JSON.stringify(reportKinds(buses))
        }; ${publishedFor} ms publishing, ${Date.now() - started} ms in all`,
      );

      assert.equal(outages.length, RESTARTS.length, "every restart happened");
      assert.equal(acc.published, TOTAL, "every event was published");
      for (const b of buses) {
        const types = b.statuses.map((s) => s.type).join(",");
        assert.ok(
          b.count("reconnected") >= RESTARTS.length,
          `${b.name}: ${types}`,
        );
        assert.equal(b.bus.health().status, "connected", `${b.name}`);
      }
      assert.ok(acc.acked.length > 0);
      // Fan-out never repeats; a group repeats at most what its members
      // held when the server went away (PREFETCH each, per restart).
      // Publishes retry through every outage (publishTimeout 20 s, the
      // longest outage 2.5 s): none may reject.
      acc.assertDelivery({
        groupDuplicatesAtMost: RESTARTS.length * 2 * PREFETCH,
        rejectionsAtMost: 0,
      });
      acc.assertStream(await readOrderIds(server.natsUrl, tag));
    } finally {
      await closeAll(buses);
    }
  },
});
