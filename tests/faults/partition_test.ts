// Fault scenario: a network partition of a 3-node JetStream cluster. Every
// route goes through a loopback TCP proxy (`startNatsCluster({ routeProxies:
// true })`); cutting a node off = cutting every proxy to or from it, while
// its clients stay connected to it. Each run (a fresh cluster: after a heal,
// 2.9.10 refuses to place a new R3 stream, "peer offline", for up to ~25 s)
// has an R3 file stream and buses pinned to one node each: a publisher on
// every node, a fan-out subscriber on a random side, a group of two members
// (one per side). While both sides publish and consume, a node is cut off for
// a random 2-6 s (seeded PRNG: PARTITION_SEED=<seed> repeats the runs), in
// most runs the stream LEADER, then healed. Asserted per phase: while cut,
// the node has no route and its side gets no acknowledgement; the majority
// gets none until it has elected a leader (leader cut) or goes on (follower
// cut); after the heal every node is healthy, the replicas are current and
// agree, the cut side's publishes go through. Then the accounting: nothing
// acknowledged is lost, the stream read back over TCP holds every
// acknowledged id exactly once.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { type ClusterNode, startNatsCluster } from "./_cluster.ts";
import { Accounting, sleep } from "./_accounting.ts";
import { readOrderIds } from "./_stream.ts";
import {
  closeAll,
  type DeliveryBus,
  names,
  NO_SANITIZERS,
  openWatched,
  publishLoad,
  reportKinds,
  type WatchedBus,
} from "./_buses.ts";
import { withTimeout } from "../_timeouts.ts";
import { natsServerPath } from "../nats_server.ts";

const RUNS = 5;
/** Messages a group member fetches at once (src/nats/consumers.ts). */
const PREFETCH = 16;
/** An ack already on its way when the cut came may still arrive, ms. */
const GRACE = 300;
/** How late polling `/jsz` may notice an election, ms. */
const POLL_SLACK = 500;

const seed = Number(
  Deno.env.get("PARTITION_SEED") ??
    crypto.getRandomValues(new Uint32Array(1))[0],
);

/** What one run does, drawn from the seeded PRNG (mulberry32). */
interface Plan {
  run: number;
  cutLeader: boolean;
  partitionMs: number;
  warmMs: number;
  follower: number;
  fanoutOnCut: boolean;
}

function plans(): Plan[] {
  let state = seed;
  const rng = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const followerRun = Math.floor(rng() * RUNS); // the others cut the leader
  return [...Array(RUNS)].map((_, i) => ({
    run: i + 1,
    cutLeader: i !== followerRun,
    partitionMs: 2000 + Math.floor(rng() * 4001),
    warmMs: 800 + Math.floor(rng() * 700),
    follower: Math.floor(rng() * 2),
    fanoutOnCut: rng() < 0.5,
  }));
}

/** A node's own view of `stream` and of the meta leader (`/jsz`). */
async function view(node: ClusterNode, stream: string) {
  const res = await fetch(
    `http://127.0.0.1:${node.server.monitorPort}/jsz?streams=true`,
    { signal: AbortSignal.timeout(1000) },
  );
  const body = await res.json();
  // deno-lint-ignore no-explicit-any
  const s = (body.account_details ?? []).flatMap((a: any) =>
    a.stream_detail ?? []
  ).find((s: { name: string }) => s.name === stream);
  return {
    meta: body.meta_cluster?.leader as string | undefined,
    leader: s?.cluster?.leader as string | undefined,
    lastSeq: (s?.state?.last_seq ?? -1) as number,
  };
}

/** Polls `check` every 100 ms; throws naming `what` (and `seen()`) after `ms`. */
async function until(
  what: string,
  ms: number,
  check: () => boolean | Promise<boolean>,
  seen: () => unknown = () => "",
): Promise<number> {
  const started = Date.now();
  while (!await Promise.resolve().then(check).catch(() => false)) {
    if (Date.now() - started > ms) {
      throw new Error(`${what}: not in ${ms} ms ${JSON.stringify(seen())}`);
    }
    await sleep(100);
  }
  return Date.now() - started;
}

/**
 * A fresh cluster that still refuses to place the R3 stream after 20 s:
 * the run has not started (nothing published), so it starts again on a new
 * cluster. Seen on loaded CI machines with nats-server 2.10 and the route
 * proxies; the scenario under test is the partition, not cluster formation.
 */
class ClusterNotFormed extends Error {
  constructor(cause: unknown) {
    super(
      `the fresh cluster refused the R3 stream for 20 s: ${
        (cause as Error).message
      }`,
    );
    this.name = "ClusterNotFormed";
  }
}

async function partitionRun(plan: Plan): Promise<void> {
  await using cluster = await startNatsCluster({ routeProxies: true });
  const serverVersion = await cluster.nodes[0].server.version();
  const [major, minor] = serverVersion.split(".").map(Number);
  /** Whether this server's consumers are trusted to deliver (2.10+). */
  const consumersProven = major > 2 || (major === 2 && minor >= 10);
  const tag = `part${plan.run}_${seed.toString(36)}`;
  const { stream } = names(tag);
  const nats = {
    replicas: 3,
    storage: "file" as const,
    // Outlasts a 6 s cut, an election (4-9 s on 2.9.10) and the catch-up.
    publishTimeout: 30_000,
    // Redelivery of what a member on the cut side held, once healed.
    ackWait: 5000,
    connectTimeout: 5000,
    reconnectTimeWait: 200,
    reconnectJitter: 100,
  };
  const natsUrls = cluster.nodes.map((n) => n.server.natsUrl);
  const admin = await connect({ servers: natsUrls, timeout: 5000 });
  const jsm = await jetstreamManager(admin, { timeout: 15_000 });
  const cluster0 = async () => (await jsm.streams.info(stream)).cluster;
  const buses: WatchedBus[] = [];
  const open = async (name: string, node: ClusterNode) => {
    // The first bus creates the R3 stream; a fresh cluster may refuse the
    // placement ("no suitable peers") for a moment after it is healthy.
    const deadline = Date.now() + (buses.length === 0 ? 20_000 : 0);
    while (true) {
      try {
        buses.push(await openWatched(name, node.server.wsUrl, tag, nats));
        return buses.at(-1)!.bus;
      } catch (error) {
        if (!(error instanceof JetStreamApiError) || buses.length > 0) {
          throw error;
        }
        if (Date.now() > deadline) throw new ClusterNotFormed(error);
        await sleep(500);
      }
    }
  };
  try {
    const pubs: DeliveryBus[] = [];
    for (const n of cluster.nodes) pubs.push(await open(`pub-${n.name}`, n));
    let leader = "";
    await until("a leader with two current replicas", 15_000, async () => {
      const c = await cluster0();
      leader = c?.leader ?? "";
      return !!leader && c!.replicas!.filter((r) => r.current).length === 2;
    });
    const followers = cluster.nodes.filter((n) => n.name !== leader);
    const cutNode = plan.cutLeader
      ? cluster.node(leader)
      : followers[plan.follower];
    const cut = cutNode.name;
    const majority = cluster.nodes.filter((n) => n !== cutNode);
    const acc = new Accounting(`partition run ${plan.run}`);
    const seen = acc.fanout("sub");
    const fan = await open("fanout", plan.fanoutOnCut ? cutNode : majority[0]);
    const members = [
      await open("m-cut", cutNode),
      await open("m-maj", majority[1]),
    ];
    /** When each group delivery was handled (the test's own clock). */
    const handledAt: number[] = [];
    const subs = [
      fan.subscribe("order.*", (e) => seen(e.id)),
      ...members.map((bus, i) => {
        const handled = acc.group("g", `m${i + 1}`);
        return bus.subscribe("order.*", async (e) => {
          await sleep(1);
          handledAt.push(Date.now());
          handled(e.id);
        }, { group: "g" });
      }),
    ];
    await withTimeout(Promise.all(subs.map((s) => s.ready)), 15_000, "ready");

    // Publishes on each side, each with its own in-flight cap (the cut
    // side's stuck publishes must not hold back the majority's).
    const acks = { cut: [] as number[], majority: [] as number[] };
    const side = (s: keyof typeof acks) => ({
      publish: (send: (id: string) => Promise<unknown>) =>
        acc.publish(send).then((o) => {
          if (o === "acked") acks[s].push(Date.now());
          return o;
        }),
    });
    const byNode = (n: ClusterNode) => pubs[cluster.nodes.indexOf(n)];
    const load = (
      s: keyof typeof acks,
      nodes: ClusterNode[],
      inflight: number,
    ) =>
      publishLoad(side(s), nodes.map(byNode), {
        total: 1e6,
        inflight,
        interval: 20 / nodes.length,
        maxMs: 90_000,
      });
    const loads = [load("cut", [cutNode], 8), load("majority", majority, 16)];
    await sleep(plan.warmMs);
    await until(
      "warm-up acks on both sides",
      10_000,
      () => acks.cut.length > 10 && acks.majority.length > 10,
    );

    // The partition. The leader is read from JetStream just before the cut.
    const atCut = await cluster0();
    if (plan.cutLeader) assert.equal(atCut?.leader, cut, "cutting the leader");
    else assert.notEqual(atCut?.leader, cut, "cutting a follower");
    const metaAtCut = (await view(cutNode, stream)).meta;
    // Routes per node before the cut: 2.9 keeps one per peer, 2.10 a pool
    // of three (and one per pinned account) per peer.
    const routesBefore = await cluster.routes();
    const cutAt = Date.now();
    assert.equal(cluster.isolate(cut).length, 4, "4 route proxies cut");
    const isolated = async () => {
      const r = await cluster.routes();
      return r[cut] === 0 &&
        majority.every((n) => r[n.name] === routesBefore[n.name] / 2);
    };
    await until(`${cut} without routes`, 15_000, isolated);
    const selfView = (await view(cutNode, stream)).leader;
    // The leader the majority side sees: elected there if the leader was cut.
    let onMajority: { name: string; at: number } | undefined;
    while (Date.now() < cutAt + plan.partitionMs) {
      for (const n of onMajority ? [] : majority) {
        const l = (await view(n, stream).catch(() => undefined))?.leader;
        if (l && l !== cut) onMajority = { name: l, at: Date.now() - cutAt };
      }
      await sleep(100);
    }
    assert.ok(await isolated(), `${cut} stayed cut off until the heal`);
    const healAt = Date.now();
    cluster.heal();

    // The heal: healthy, replicas current, every node on one leader.
    await cluster.waitHealthy(30_000);
    let leaderAfter = "";
    const healedIn = await until("replicas current", 30_000, async () => {
      const c = await cluster0();
      leaderAfter = c?.leader ?? "";
      return c!.replicas!.filter((r) => r.current && !r.offline).length === 2;
    });
    await until(
      "cut side acked after the heal",
      30_000,
      () => acks.cut.some((t) => t > healAt),
    );
    await sleep(500);
    for (const l of loads) l.stop();
    await withTimeout(Promise.all(loads.map((l) => l.done)), 45_000, "loads");
    const waited = await acc.settle(30_000, 1000);
    // Every node names one leader, and a majority (the quorum that
    // acknowledged) holds its last sequence. All three usually agree; on
    // 2.9.10 a follower that missed the cut side's proposals was once seen
    // behind for over 20 s (the quorum held them): reported, not required.
    const nodes: string[] = [];
    let agreed = false;
    const views = async () => {
      const vs = await Promise.all(cluster.nodes.map((n) => view(n, stream)));
      nodes.splice(0, 3, ...vs.map((v) => `${v.leader}@${v.lastSeq}`));
      leaderAfter = (await cluster0())?.leader ?? "";
      // The leader's own last sequence (another node's view may lag).
      const last = vs[cluster.nodes.findIndex((n) => n.name === leaderAfter)]
        ?.lastSeq;
      agreed = new Set(nodes).size === 1;
      return vs.every((v) => v.leader === leaderAfter) &&
        vs.filter((v) => v.lastSeq === last).length >= 2;
    };
    await until(
      "one leader, its last sequence on a majority",
      20_000,
      views,
      () => ({ nodes, leaderAfter }),
    ).catch((error) => {
      // 2.9: replicas may disagree for longer (see consumersProven); the
      // stream read back below still checks every acknowledged id.
      if (consumersProven) throw error;
      console.log(`partition run ${plan.run}: ${error.message}`);
    });
    await until("all replicas equal", 10_000, async () => {
      await views();
      return agreed;
    }).catch(() => {});

    const between = (ts: number[], from: number, to: number) =>
      ts.filter((t) => t > from && t <= to).length;
    const during = (ts: number[]) => between(ts, cutAt + GRACE, healAt);
    const seenOnMajority = onMajority
      ? `${onMajority.name} (seen ${onMajority.at} ms into the cut)`
      : "none";
    acc.print();
    console.log(
      `partition run ${plan.run} details: seed ${seed}; cut ${cut} (${
        plan.cutLeader ? "the stream leader" : "a follower"
      }; meta leader ${metaAtCut}); stream leader before ${atCut?.leader}` +
        ` / seen by ${cut} while cut ${selfView} / on the majority ${seenOnMajority}` +
        ` / after ${leaderAfter}; partition ${
          healAt - cutAt
        } ms (planned ${plan.partitionMs}),` +
        ` warm-up ${plan.warmMs} ms, replicas current ${healedIn} ms after the heal,` +
        ` delivery caught up ${waited} ms after the last publish; acks during the cut:` +
        ` ${cut} side ${during(acks.cut)}, majority ${during(acks.majority)};` +
        ` group deliveries handled while cut ${
          between(handledAt, cutAt, healAt)
        };` +
        ` fan-out on ${plan.fanoutOnCut ? cut : majority[0].name};` +
        ` rejections ${JSON.stringify(acc.rejections())};` +
        ` reports ${JSON.stringify(reportKinds(buses))}; nodes after ${
          nodes.join(" ")
        }${agreed ? "" : " (a replica still catching up)"}`,
    );

    // While cut: nothing acknowledged on the cut side (it has no quorum).
    assert.equal(during(acks.cut), 0, `acks on ${cut}'s side while cut off`);
    if (plan.cutLeader) {
      // The majority has no leader until it elects one: no ack before.
      const to = onMajority ? cutAt + onMajority.at - POLL_SLACK : healAt;
      const early = between(acks.majority, cutAt + GRACE, to);
      assert.equal(early, 0, "majority acks before it had elected a leader");
      if (onMajority) assert.notEqual(leaderAfter, cut, "old leader deposed");
    } else {
      // A follower's loss leaves the leader its quorum: acks go on.
      assert.equal(onMajority?.name, atCut?.leader, "the leader stayed");
      assert.ok(during(acks.majority) > 0, "majority acks, follower cut");
    }
    // A group repeats what its members held at the cut (one fetch,
    // PREFETCH, per member) and what a consumer leader on the cut side
    // handed out while cut: those acks cannot reach a quorum, so the events
    // come back (seen: 45 repeats in a 3.9 s cut of the leader, with a
    // backlog). Publishes retry through the cut (publishTimeout 30 s, the
    // cut at most 6 s plus an election): none may reject.
    const handledWhileCut = between(handledAt, cutAt, healAt);
    if (consumersProven) {
      acc.assertDelivery({
        groupDuplicatesAtMost: members.length * PREFETCH + handledWhileCut,
        rejectionsAtMost: 0,
      });
    } else {
      // nats-server 2.9: its consumers can skip acknowledged events after a
      // partition (replicas numbering messages differently; the soak test's
      // evidence is in docs/guarantees.md), so delivery is reported above,
      // and what the bus itself promises is asserted: no rejection, and
      // (below) every acknowledged event stored exactly once.
      console.log(
        `partition run ${plan.run}: consumer delivery not asserted on nats-server ${serverVersion} (docs/guarantees.md)`,
      );
      assert.equal(acc.published - acc.acked.length, 0, "rejections");
    }
    acc.assertStream(await readOrderIds(natsUrls, tag));
  } finally {
    cluster.heal();
    await withTimeout(closeAll(buses), 20_000, "close buses").catch(() => {});
    await admin.close();
  }
}

/**
 * The scenario needs nats-server 2.10+: on 2.9.10 replicas lag or number
 * messages differently after a partition (the soak test's evidence, and CI
 * runs whose read-back landed on a replica one event behind), so neither
 * consumers nor a read-back are trustworthy there. It runs in the 2.10 lane
 * (`deno task test:faults:2.10`); docs/guarantees.md says 2.9.10 is not
 * proven under partitions.
 */
const version = new TextDecoder().decode(
  new Deno.Command(natsServerPath(), { args: ["--version"] }).outputSync()
    .stdout,
).match(/v(\d+)\.(\d+)/);
const partitionServer = version !== null &&
  (Number(version[1]) > 2 ||
    (Number(version[1]) === 2 && Number(version[2]) >= 10));

Deno.test({
  ignore: !partitionServer,
  name:
    "faults (nats cluster, R3, route proxies): a partition cutting the stream leader off loses no acknowledged event",
  ...NO_SANITIZERS,
  fn: async (t) => {
    console.log(`partition: seed ${seed} (repeat with PARTITION_SEED=${seed})`);
    const started = Date.now();
    const failed: number[] = [];
    for (const plan of plans()) {
      const ok = await t.step({
        name: `run ${plan.run}: cut ${
          plan.cutLeader ? "the stream leader" : "a follower"
        } for ${plan.partitionMs} ms`,
        ...NO_SANITIZERS,
        // Every wait inside is bounded, so a run always ends (and cleans up).
        fn: async () => {
          for (let attempt = 1;; attempt++) {
            try {
              return await partitionRun(plan);
            } catch (error) {
              if (!(error instanceof ClusterNotFormed) || attempt === 3) {
                throw error;
              }
              console.log(
                `partition run ${plan.run}: ${error.message}; a new cluster (attempt ${
                  attempt + 1
                } of 3)`,
              );
            }
          }
        },
      });
      if (!ok) failed.push(plan.run);
    }
    console.log(`partition: ${RUNS} runs in ${Date.now() - started} ms`);
    assert.deepEqual(failed, [], `failed runs (PARTITION_SEED=${seed})`);
  },
});
