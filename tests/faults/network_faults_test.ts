// Fault scenario: client-side network faults. Every bus reaches the
// nats-server through a loopback TCP proxy (tests/faults/_tcp_proxy.ts);
// while two publishers publish continuously and a fan-out subscriber and a
// group of two members receive, the path is stalled (bytes held both ways,
// sockets open) for 3 s, then cut (connections closed, new ones refused)
// for 2 s, then the server itself is frozen (SIGSTOP) for 3 s. In-flight
// publishes resolve or reject (typed); whatever resolved must be delivered.
// A publish that rejected and was stored anyway is allowed and reported
// ("rejected but stored": the event id shows it).
import assert from "node:assert/strict";
import { startNatsServer } from "../nats_server.ts";
import { Accounting, sleep } from "./_accounting.ts";
import { readOrderIds } from "./_stream.ts";
import {
  closeAll,
  NO_SANITIZERS,
  openFanoutAndGroup,
  openWatched,
  publishLoad,
  reportKinds,
  type WatchedBus,
} from "./_buses.ts";
import { startTcpProxy } from "./_tcp_proxy.ts";

Deno.test({
  name:
    "faults: network stall, connection cut and a frozen server (SIGSTOP): no acknowledged event is lost",
  ...NO_SANITIZERS,
  fn: async () => {
    const started = Date.now();
    await using server = await startNatsServer();
    await using proxy = startTcpProxy(server.wsPort);
    const tag = "netfault";
    const nats = {
      storage: "file" as const,
      // Shorter than the 3 s faults, so that the publishes caught by one
      // give up (PublishTimeoutError) although their first attempt may
      // still be stored when the path comes back ("rejected but stored");
      // the ones started later retry through.
      publishTimeout: 2500,
      ackWait: 3000,
      connectTimeout: 1500,
      reconnectTimeWait: 200,
      reconnectJitter: 100,
    };
    const buses: WatchedBus[] = [];
    try {
      const acc = new Accounting("network-faults");
      const [pub1, pub2] = await openFanoutAndGroup(
        buses,
        acc,
        proxy.wsUrl,
        tag,
        nats,
      );
      assert.equal(proxy.connections, buses.length);

      const INFLIGHT = 16;
      const load = publishLoad(acc, [pub1.bus, pub2.bus], {
        total: 4000,
        inflight: INFLIGHT,
        interval: 10,
        maxMs: 40_000,
      });
      const phases: string[] = [];
      /** Acknowledgements during each phase, by name. */
      const acks: Record<string, number> = {};
      const phase = async (name: string, run: () => Promise<void>) => {
        const before = acc.settled;
        const ackedBefore = acc.acked.length;
        const t0 = Date.now();
        await run();
        acks[name] = acc.acked.length - ackedBefore;
        phases.push(
          `${name} ${Date.now() - t0} ms (${acc.settled - before} settled, ${
            acks[name]
          } acknowledged)`,
        );
      };
      const allReconnected = async (n: number) => {
        const until = Date.now() + 15_000;
        while (
          buses.some((b) => b.count("reconnected") < n) && Date.now() < until
        ) await sleep(20);
      };
      await phase("warm-up", () => sleep(1000));
      await phase("stall", async () => {
        proxy.stall();
        await sleep(3000);
        proxy.restore();
      });
      await phase("after stall", () => sleep(1500));
      await phase("cut", async () => {
        proxy.cut();
        await sleep(2000);
        proxy.restore();
      });
      await phase("reconnect", () => allReconnected(1));
      await phase("after cut", () => sleep(1000));
      await phase("SIGSTOP", async () => {
        await server.pause();
        await sleep(3000);
        server.resume();
      });
      await phase("after SIGSTOP", () => sleep(1500));
      load.stop();
      await load.done;
      const publishedFor = Date.now() - started;

      const waited = await acc.settle(20_000, 1000);
      acc.print();
      console.log(
        `network-faults details: rejections ${
          JSON.stringify(acc.rejections())
        }; slowest publish ${load.slowest} ms; phases: ${
          phases.join(", ")
        }; proxy refused ${proxy.refused} connections while cut; delivery caught up ${waited} ms after the last publish; reports ${
          JSON.stringify(reportKinds(buses))
        }; ${publishedFor} ms publishing, ${Date.now() - started} ms in all`,
      );

      for (const b of buses) {
        const types = b.statuses.map((s) => s.type).join(",");
        assert.ok(b.count("disconnected") >= 1, `${b.name}: ${types}`);
        assert.equal(b.bus.health().status, "connected", `${b.name}`);
      }
      assert.ok(proxy.refused > 0, "reconnects were refused while cut");
      assert.ok(acc.acked.length > 0);
      // Each fault had its effect: while the path was stalled or cut, or the
      // server frozen, at most the publishes already answered could be
      // acknowledged (the warm-up second acknowledged ~80); after each, the
      // load went on.
      for (const fault of ["stall", "cut", "SIGSTOP"]) {
        assert.ok(
          acks[fault] <= INFLIGHT,
          `${fault}: ${acks[fault]} acknowledged while it lasted`,
        );
        assert.ok(acks[`after ${fault}`] > INFLIGHT, `after ${fault}`);
      }
      assert.ok(acks["warm-up"] > INFLIGHT, "the warm-up acknowledged");
      // Fan-out never repeats; a group repeats at most what its members
      // held at each of the 3 faults (16 each). A publish rejects only if it
      // was in flight when a fault began (16 at most per fault).
      acc.assertDelivery({
        groupDuplicatesAtMost: 3 * 2 * 16,
        rejectionsAtMost: 3 * INFLIGHT,
      });
      acc.assertStream(await readOrderIds(server.natsUrl, tag));
    } finally {
      await closeAll(buses);
    }
  },
});

Deno.test({
  name:
    "faults: a group member whose handler is running survives a 2 s network stall (the fetch's missed heartbeats are reported, not thrown)",
  ...NO_SANITIZERS,
  fn: async () => {
    await using server = await startNatsServer();
    await using proxy = startTcpProxy(server.wsPort);
    const tag = "stallack";
    const nats = { storage: "memory" as const, ackWait: 3000 };
    const buses: WatchedBus[] = [];
    try {
      // The member goes through the proxy; the publisher does not.
      const member = await openWatched("member", proxy.wsUrl, tag, nats);
      buses.push(member);
      const pub = await openWatched("pub", server.wsUrl, tag, nats);
      buses.push(pub);
      const acc = new Accounting("stall-during-handler");
      const handled = acc.group("g", "member");
      let running = 0;
      const sub = member.bus.subscribe("order.placed", async (e) => {
        running++;
        await sleep(2500); // the stall starts and ends while this runs
        handled(e.id);
      }, { group: "g" });
      await sub.ready;
      await acc.publish((id) =>
        pub.bus.publish("order.placed", { n: 1 }, { id })
      );
      const until = Date.now() + 5000;
      while (running === 0 && Date.now() < until) await sleep(5);
      assert.equal(running, 1, "the handler started");
      proxy.stall();
      await sleep(2000); // > 2 missed idle heartbeats of the open fetch
      proxy.restore();
      await acc.settle(8000, 3500); // quiet > ackWait: a redelivery shows
      acc.print(
        ` (reports ${JSON.stringify(reportKinds(buses))})`,
      );
      acc.assertNoLoss();
      assert.equal(acc.tally()[0].duplicates, 0);
    } finally {
      await closeAll(buses);
    }
  },
});
