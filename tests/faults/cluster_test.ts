// Faults: a 3-node nats-server cluster (loopback) and an R3 stream. While
// events flow (a publisher with up to 32 publishes in flight, a fan-out
// subscriber and a group of two members, each bus on its own connection
// given all three ws:// URLs), the node the publisher is connected to is
// SIGKILLed, then the stream leader (a different node: leadership is moved
// away from the publisher's node first when they coincide); each comes
// back. Every publish carries a ledger id (tests/faults/_accounting.ts), so
// a rejected publish that was stored anyway is identified too. At the end:
// every acknowledged event reached the fan-out subscriber (never twice) and
// the group (duplicates bounded), and the stream read back over TCP holds
// every acknowledged id exactly once.
import assert from "node:assert/strict";
import { z } from "zod";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { defineEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import type { ConnectionStatus, NatsEventBus } from "../../src/nats/mod.ts";
import { type ClusterNode, startNatsCluster } from "./_cluster.ts";
import { withTimeout } from "../_timeouts.ts";
import { Accounting } from "./_accounting.ts";
import { readStoredIds } from "./_stream.ts";

const events = defineEvents({
  "order.created": z.object({ n: z.number().int() }),
});
type Bus = NatsEventBus<typeof events>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or `ms` passed; returns whether it is done. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
  return done();
}

const IN_FLIGHT = 32;
/** Messages a group member fetches at once (src/nats/consumers.ts). */
const PREFETCH = 16;
/** Acknowledgements to wait for between two steps of the fault schedule. */
const STEP = 300;
/** Upper bound on publishes, to keep the run bounded. */
const MAX_PUBLISHES = 60_000;
/** Pause of each publishing worker between publishes (~1,000/s in all). */
const PACE_MS = 30;

Deno.test({
  name:
    "faults (nats cluster, R3): killing the client's node and then the stream leader loses no acknowledged event",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const started = Date.now();
    await using cluster = await startNatsCluster();
    const nats = {
      servers: cluster.wsUrls,
      stream: "FAULT_CLUSTER",
      subjectPrefix: "fault.cluster",
      storage: "file" as const,
      replicas: 3,
      // Rides out elections (a few seconds each) and reconnects.
      publishTimeout: 30_000,
      connectTimeout: 5000,
      reconnectTimeWait: 200,
      reconnectJitter: 100,
      // A group delivery whose pull or ack was lost in an election comes
      // back after ackWait: 10 s instead of 30 bounds the test's wait.
      ackWait: 10_000,
    };
    const reports: string[] = [];
    const statuses: string[] = [];
    const open = (who: string) =>
      createEventBus(events, {
        transport: "nats",
        source: `/fault/cluster/${who}`,
        onError: (e, ctx) =>
          reports.push(`${who} ${ctx.kind}: ${(e as Error)?.message ?? e}`),
        nats: { ...nats, name: who },
      }, {
        onStatus: (s: ConnectionStatus) =>
          statuses.push(
            `${who} ${s.type}${"server" in s ? ` ${s.server}` : ""}`,
          ),
      }) as Promise<Bus>;

    const publisher = await open("publisher");
    const fanoutBus = await open("fanout");
    const members = [await open("member-1"), await open("member-2")];
    const buses = [publisher, fanoutBus, ...members];
    const nodeOf = (bus: Bus) =>
      cluster.nodeOf(bus.connection.getServer())?.name ?? "?";
    const jsm = await jetstreamManager(publisher.connection as NatsConnection);
    const acc = new Accounting("cluster");
    const fanout = acc.fanout("fanout");
    const perMember = [0, 0];
    let stop = false;
    let slowest = 0;
    const timeline: string[] = [];
    const note = (what: string) => {
      const line = `${((Date.now() - started) / 1000).toFixed(1)}s ${what}`;
      timeline.push(line);
      console.error(`cluster: ${line}`);
    };

    try {
      const subs = [
        fanoutBus.subscribe("order.created", (e) => fanout(e.id)),
        ...members.map((bus, i) => {
          const handled = acc.group("fault-workers", `member-${i + 1}`);
          return bus.subscribe("order.created", async (e) => {
            handled(e.id);
            perMember[i]++;
            await sleep(0);
          }, { group: "fault-workers" });
        }),
      ];
      await withTimeout(
        Promise.all(subs.map((s) => s.ready)),
        10_000,
        "subscriptions ready",
      );
      note(
        `connected: ${buses.map((b) => nodeOf(b)).join(", ")} ` +
          `(publisher, fanout, member-1, member-2)`,
      );

      const worker = async () => {
        while (!stop && acc.published < MAX_PUBLISHES) {
          const n = acc.published;
          const t = Date.now();
          const outcome = await acc.publish((id) =>
            publisher.publish("order.created", { n }, { id })
          );
          if (
            outcome === "rejected" && acc.published - acc.acked.length === 1
          ) {
            note(`first rejection: ${JSON.stringify(acc.rejections())}`);
          }
          slowest = Math.max(slowest, Date.now() - t);
          await sleep(PACE_MS);
        }
      };
      const publishing = Promise.all([...Array(IN_FLIGHT)].map(worker));
      // Progress after each fault: STEP more publishes settled, or fail.
      const step = async (what: string, ms: number) => {
        const target = acc.settled + STEP;
        if (await until(() => acc.settled >= target, ms)) return;
        assert.ok(acc.published < MAX_PUBLISHES, "the publish cap was reached");
        for (const r of reports.slice(-8)) console.error(`  report ${r}`);
        for (const st of statuses.slice(-12)) console.error(`  status ${st}`);
        assert.fail(
          `${what}: fewer than ${STEP} publishes settled within ${ms} ms ` +
            `(settled ${acc.settled} of ${acc.published}, rejections ${
              JSON.stringify(acc.rejections())
            })`,
        );
      };

      const leaderOf = async (): Promise<ClusterNode> => {
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          try {
            const info = await jsm.streams.info(nats.stream);
            const name = info.cluster?.leader;
            const current = (info.cluster?.replicas ?? [])
              .filter((r) => r.current && !r.offline).length;
            if (name && current === 2) return cluster.node(name);
          } catch { /* an election in progress */ }
          await sleep(100);
        }
        throw new Error("no stream leader with two current replicas");
      };

      const killed: string[] = [];
      const faults = (async () => {
        await step("warm-up", 10_000);
        // 1. The node the publisher is connected to, which must not be the
        // stream leader (the second fault kills the leader): move the
        // leadership away first when they coincide.
        const first = cluster.nodeOf(publisher.connection.getServer());
        assert.ok(
          first,
          `publisher's node: ${publisher.connection.getServer()}`,
        );
        let before = (await leaderOf()).name;
        for (let i = 0; before === first.name && i < 5; i++) {
          note(`stream leader is the publisher's node ${before}: step down`);
          await (publisher.connection as NatsConnection).request(
            `$JS.API.STREAM.LEADER.STEPDOWN.${nats.stream}`,
            "",
            { timeout: 5000 },
          ).catch(() => {});
          await sleep(500);
          before = (await leaderOf()).name;
        }
        assert.notEqual(before, first.name, "leader moved off the first node");
        note(`kill ${first.name} (publisher's node; stream leader ${before})`);
        killed.push(first.name);
        await first.server.kill();
        await step(`after killing ${first.name}`, 20_000);
        note(`publisher now on ${nodeOf(publisher)}; restart ${first.name}`);
        assert.notEqual(nodeOf(publisher), first.name, "publisher moved");
        await first.server.start();
        await cluster.waitHealthy();
        // 2. The stream leader, once the restarted node is current again.
        const leader = await leaderOf();
        note(`${first.name} back; kill stream leader ${leader.name}`);
        killed.push(leader.name);
        await leader.server.kill();
        await step(`after killing leader ${leader.name}`, 30_000);
        const elected = (await jsm.streams.info(nats.stream)).cluster?.leader;
        assert.ok(
          elected !== undefined && elected !== leader.name,
          `a new leader was elected (leader: ${elected})`,
        );
        note(`new leader ${elected}; restart ${leader.name}`);
        await leader.server.start();
        await cluster.waitHealthy();
        await step("after both restarts", 10_000);
        note(`all back (leader ${(await leaderOf()).name}); stop publishing`);
        stop = true;
      })().finally(() => stop = true);
      await withTimeout(
        Promise.all([publishing, faults]),
        120_000,
        "publishing through the faults",
      );

      const waited = await acc.settle(30_000, 1000);
      const stored = await readStoredIds(
        cluster.nodes.map((n) => n.server.natsUrl),
        nats.stream,
        `${nats.subjectPrefix}.order.>`,
      );
      acc.print(
        ` (member-1 ${perMember[0]}, member-2 ${perMember[1]})`,
      );
      const streamLine = acc.assertStream(stored);
      console.log(
        `cluster: killed ${killed.join(" then ")}; rejections ${
          JSON.stringify(acc.rejections())
        }; slowest publish ${slowest} ms; caught up ${waited} ms after the last publish; ` +
          `${reports.length} onError reports; ${
            ((Date.now() - started) / 1000).toFixed(1)
          } s`,
      );
      for (const line of timeline) console.log(`cluster:   ${line}`);
      for (const r of reports.slice(0, 12)) {
        console.log(`cluster:   report ${r.slice(0, 200)}`);
      }

      assert.equal(killed.length, 2, "both faults happened");
      assert.notEqual(killed[0], killed[1], "two different nodes were killed");
      assert.ok(
        acc.acked.length > 3 * STEP,
        `acknowledged ${acc.acked.length}`,
      );
      // Duplicates come only from group deliveries in flight when a node
      // died: at most PREFETCH per member per fault. Publishes ride out the
      // faults (publishTimeout 30 s): none may reject.
      acc.assertDelivery({
        groupDuplicatesAtMost: 2 * members.length * PREFETCH,
        rejectionsAtMost: 0,
      });
      assert.ok(streamLine.includes("missing 0"));
      assert.ok(perMember[0] > 0 && perMember[1] > 0, "both members worked");
      for (const bus of buses) assert.equal(bus.health().status, "connected");
    } finally {
      stop = true;
      await Promise.allSettled(
        buses.map((b) => withTimeout(b.close(), 15_000, "close")),
      );
    }
  },
});
