// Faults: a 3-node nats-server cluster (loopback) and an R3 stream. While
// events flow (a publisher with up to 32 publishes in flight, a fan-out
// subscriber and a group of two members, each bus on its own connection
// given all three ws:// URLs), the node the publisher is connected to is
// SIGKILLed, then the stream leader; each comes back. At the end every
// acknowledged event must have reached the fan-out subscriber and the group:
// lost === 0 for both.
import assert from "node:assert/strict";
import { z } from "zod";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { defineEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config_file/mod.ts";
import type { ConnectionStatus, NatsEventBus } from "../../src/nats/mod.ts";
import { type ClusterNode, startNatsCluster } from "./_cluster.ts";
import { withTimeout } from "../_timeouts.ts";

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

/** One accounting line: what was published against what a reader got. */
function account(
  published: number,
  acked: Set<string>,
  seen: Map<string, number>,
) {
  const lost = [...acked].filter((id) => !seen.has(id));
  const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  const unacked = [...seen.keys()].filter((id) => !acked.has(id)).length;
  return {
    lost,
    line:
      `published ${published} / acknowledged ${acked.size} / delivered ${seen.size} / duplicates ${duplicates} / lost ${lost.length}` +
      (unacked > 0 ? ` (delivered but not acknowledged: ${unacked})` : ""),
  };
}

const IN_FLIGHT = 32;
/** Acknowledgements to wait for between two steps of the fault schedule. */
const STEP = 300;
/** Upper bound on publishes, to keep the run bounded. */
const MAX_PUBLISHES = 20_000;

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
    const fanout = new Map<string, number>();
    const group = new Map<string, number>();
    const perMember = [0, 0];
    const count = (m: Map<string, number>, id: string) =>
      m.set(id, (m.get(id) ?? 0) + 1);

    const acked = new Set<string>();
    const rejected = new Map<string, number>();
    let published = 0;
    let stop = false;
    let slowest = 0;
    const timeline: string[] = [];
    const note = (what: string) =>
      timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

    try {
      const subs = [
        fanoutBus.subscribe("order.created", (e) => {
          count(fanout, e.id);
        }),
        ...members.map((bus, i) =>
          bus.subscribe("order.created", async (e) => {
            count(group, e.id);
            perMember[i]++;
            await sleep(0);
          }, { group: "fault-workers" })
        ),
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
        while (!stop && published < MAX_PUBLISHES) {
          const n = published++;
          const t = Date.now();
          try {
            const e = await publisher.publish("order.created", { n });
            acked.add(e.id);
          } catch (error) {
            const name = (error as Error)?.name ?? String(error);
            rejected.set(name, (rejected.get(name) ?? 0) + 1);
            if (rejected.size === 1 && (rejected.get(name) ?? 0) === 1) {
              note(`first rejection: ${(error as Error)?.message}`);
            }
          }
          slowest = Math.max(slowest, Date.now() - t);
        }
      };
      const publishing = Promise.all([...Array(IN_FLIGHT)].map(worker));
      const settled = () =>
        acked.size + [...rejected.values()].reduce((a, b) => a + b, 0);
      const step = (ms: number) => {
        const target = settled() + STEP;
        return until(() => settled() >= target, ms);
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

      const faults = (async () => {
        await step(10_000);
        // 1. The node the publisher is connected to.
        const first = cluster.nodeOf(publisher.connection.getServer());
        assert.ok(
          first,
          `publisher's node: ${publisher.connection.getServer()}`,
        );
        const before = (await leaderOf()).name;
        note(`kill ${first.name} (publisher's node; stream leader ${before})`);
        await first.server.kill();
        await step(20_000);
        note(`publisher now on ${nodeOf(publisher)}; restart ${first.name}`);
        await first.server.start();
        await cluster.waitHealthy();
        // 2. The stream leader, once the restarted node is current again.
        const leader = await leaderOf();
        note(`${first.name} back; kill stream leader ${leader.name}`);
        await leader.server.kill();
        await step(20_000);
        note(`new leader elected; restart ${leader.name}`);
        await leader.server.start();
        await cluster.waitHealthy();
        await step(10_000);
        note(`all back (leader ${(await leaderOf()).name}); stop publishing`);
        stop = true;
      })().finally(() => stop = true);
      await withTimeout(
        Promise.all([publishing, faults]),
        120_000,
        "publishing through the faults",
      );

      const WAIT = 30_000;
      const all = (m: Map<string, number>) =>
        [...acked].every((id) => m.has(id));
      const caughtUp: Record<string, number> = {};
      const complete = await until(() => {
        if (caughtUp.fanout === undefined && all(fanout)) {
          caughtUp.fanout = Date.now();
          note("fan-out has every acknowledged event");
        }
        if (caughtUp.group === undefined && all(group)) {
          caughtUp.group = Date.now();
          note("group has every acknowledged event");
        }
        return caughtUp.fanout !== undefined && caughtUp.group !== undefined;
      }, WAIT);
      if (!complete) note(`gave up waiting after ${WAIT} ms`);

      // Retries reuse the event id as Nats-Msg-Id: nothing stored twice.
      const stored = (await jsm.streams.info(nats.stream)).state.messages;
      const f = account(published, acked, fanout);
      const g = account(published, acked, group);
      const rejections = [...rejected].map(([k, v]) => `${k} ${v}`).join(", ");
      console.log(`cluster: fan-out ${f.line}`);
      console.log(
        `cluster: group   ${g.line} (member-1 ${perMember[0]}, member-2 ${
          perMember[1]
        })`,
      );
      console.log(
        `cluster: stored ${stored}; rejected ${
          rejections || "0"
        }; slowest publish ${slowest} ms; ` +
          `${reports.length} onError reports; ${
            ((Date.now() - started) / 1000).toFixed(1)
          } s`,
      );
      for (const line of timeline) console.log(`cluster:   ${line}`);
      for (const r of reports.slice(0, 12)) {
        console.log(`cluster:   report ${r.slice(0, 200)}`);
      }
      if (!complete) {
        for (const s of statuses.slice(-20)) {
          console.log(`cluster:   status ${s}`);
        }
      }

      assert.ok(acked.size > 3 * STEP, `acknowledged ${acked.size}`);
      assert.equal(settled(), published);
      if (rejected.size === 0) assert.equal(stored, acked.size, "stored once");
      assert.equal(
        f.lost.length,
        0,
        `fan-out lost acknowledged events: ${f.lost.slice(0, 5).join(", ")}`,
      );
      assert.equal(
        g.lost.length,
        0,
        `group lost acknowledged events: ${g.lost.slice(0, 5).join(", ")}`,
      );
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
