/**
 * `deno task test:soak` (not in CI; 20 minutes by default): mixed local and
 * nats load on a 3-node cluster whose routes go through proxies, with a
 * node restart (SIGKILL, back 2 s later) and a partition (the stream leader
 * cut off for 5 s) every minute. Each minute's nats events have their own
 * ledger (tests/faults/_accounting.ts), checked two minutes later (no
 * loss, fan-out never twice, group duplicates bounded) and then dropped, so
 * the test's own memory stays flat; the local bus's deliveries are counted
 * per subscriber. Every minute it prints heap (after GC), RSS, open file
 * descriptors and the stream's consumer count; after the warm-up (first 3
 * minutes) these must stay flat. At the end the stream read back over TCP
 * must hold every acknowledged id exactly once, and nothing that was
 * neither acknowledged nor rejected (up to 16 rejections a minute are
 * allowed: see REJECTIONS). SOAK_DEBUG=1 prints a line a second and the
 * NATS client's status events; a failing minute prints where its lost ids
 * sit in the stream next to the fan-out's deliveries.
 *
 * Usage: deno task test:soak [--minutes N] [--json PATH] (nats-server
 * 2.10.27, sync_interval: always; on the system's nats-server:
 * deno run -A --v8-flags=--expose-gc tests/soak/soak.ts)
 * @module
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, wsconnect } from "@nats-io/nats-core";
import { z } from "zod";
import { createLocalEventBus, defineEvents } from "../../mod.ts";
import { startNatsCluster } from "../faults/_cluster.ts";
import { Accounting, sleep } from "../faults/_accounting.ts";
import {
  closeAll,
  names,
  openWatched,
  publishLoad,
  reportKinds,
  type WatchedBus,
} from "../faults/_buses.ts";
import { withTimeout } from "../_timeouts.ts";
import { readStoredIds } from "../faults/_stream.ts";

const args = Deno.args;
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const MINUTES = Number(flag("--minutes") ?? 20);
const MINUTE = 60_000;
const WARMUP = Math.min(3, MINUTES - 1);
/** Group duplicates allowed per minute: 2 members x prefetch 16 x 2 faults. */
const GROUP_DUPLICATES = 2 * 16 * 2;
/**
 * Rejections allowed per minute: at most the load's in-flight window (16).
 * nats-server 2.10 can keep a message id "staged, sequence 0" after a
 * partition heals for longer than publishTimeout (30 s); that publish then
 * rejects with PublishTimeoutError, honestly: the id is not stored (checked
 * at the end, "rejected but stored").
 */
const REJECTIONS = 16;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

interface Sample {
  minute: number;
  heapMB: number;
  rssMB: number;
  fds: number;
  consumers: number;
  natsPublished: number;
  natsAcked: number;
  localPublished: number;
  faults: string;
  rejections: Record<string, number>;
  reports: Record<string, number>;
}

/** The first rejection messages, for the failure report. */
const rejected: string[] = [];

const started = Date.now();
const stamp = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
await using cluster = await startNatsCluster({ routeProxies: true });
const tag = "soak";
const { stream, prefix } = names(tag);
const nats = {
  storage: "file" as const,
  replicas: 3,
  publishTimeout: 30_000,
  ackWait: 10_000,
  connectTimeout: 3000,
  reconnectTimeWait: 200,
  reconnectJitter: 100,
};
const buses: WatchedBus[] = [];
for (const name of ["pub1", "pub2", "fanout", "m1", "m2"]) {
  buses.push(
    await openWatched(name, cluster.wsUrls[0], tag, {
      ...nats,
      servers: cluster.wsUrls,
    }),
  );
}
const [pub1, pub2, fan, m1, m2] = buses;
// Over WebSocket too: nats.js has one transport factory per process (see
// tests/nats_reconnect_test.ts).
const admin = await wsconnect({ servers: cluster.wsUrls });
const natsUrls = cluster.nodes.map((n) => n.server.natsUrl);
const jsm = await jetstreamManager(admin);

// One ledger per minute, found by the minute in the id (`soak-m<k>-...`).
const ledgers = new Map<number, Accounting>();
const recorders = new Map<number, Record<string, (id: string) => void>>();
let late = 0;
const record = (sink: string) => (id: string) => {
  const k = Number(/^soak-m(\d+)-/.exec(id)?.[1]);
  const r = recorders.get(k);
  if (r === undefined) late++;
  else r[sink](id);
};
const onFan = record("fan");
/** The fan-out's last deliveries (id, position, time), to explain a gap. */
const fanLog: { id: string; seq: number; at: string }[] = [];
await fan.bus.subscribe("order.*", (e) => {
  const seq = Number(fan.bus.position(e)?.split(":").at(-1));
  fanLog.push({ id: e.id, seq, at: stamp() });
  if (fanLog.length > 12_000) fanLog.splice(0, 2000);
  onFan(e.id);
}).ready;
for (const [member, m] of [["m1", m1], ["m2", m2]] as const) {
  const on = record(member);
  await m.bus.subscribe("order.*", async (e) => {
    await sleep(1);
    on(e.id);
  }, { group: "g" }).ready;
}

// The local bus: a burst of 500 events every 100 ms to 3 subscribers and an
// events() reader, counted by the test.
const local = createLocalEventBus(
  defineEvents({ "tick.local": z.object({ n: z.number() }) }),
);
const localSeen = [0, 0, 0, 0];
for (let i = 0; i < 3; i++) {
  local.subscribe("tick.local", () => void localSeen[i]++);
}
const reader = (async () => {
  for await (const _ of local.events("tick.local", { buffer: 100_000 })) {
    localSeen[3]++;
  }
})();
let localPublished = 0;
let running = true;
const localLoad = (async () => {
  while (running) {
    for (let i = 0; i < 500; i++) {
      await local.publish("tick.local", { n: localPublished++ });
    }
    await sleep(100);
  }
})();

const fdCount = () => [...Deno.readDirSync("/proc/self/fd")].length;
const consumerCount = async () => {
  let n = 0;
  for await (const _ of jsm.consumers.list(stream)) n++;
  return n;
};
const leader = async () => (await jsm.streams.info(stream)).cluster?.leader;

/**
 * Where the ids a sink lost are: their stream sequences (read over the
 * admin connection) next to the fan-out's deliveries around them.
 */
const explain = async (acc: Accounting) => {
  const tallies = acc.tally();
  const lost = new Set(tallies.flatMap((t) => t.lostIds));
  const consumer = await jetstream(admin).consumers.get(stream, {
    filter_subjects: `${prefix}.order.>`,
  });
  const info = await jsm.streams.info(stream);
  const messages = await consumer.fetch({
    max_messages: info.state.messages,
    expires: 10_000,
  });
  const bySeq = new Map<number, string>();
  const seqsOf = new Map<string, number[]>();
  for await (const m of messages) {
    const id = m.headers?.get("Nats-Msg-Id") ?? "";
    bySeq.set(m.seq, id);
    seqsOf.set(id, [...seqsOf.get(id) ?? [], m.seq]);
    if (m.info.pending === 0) break;
  }
  const short = (id: string | undefined) => id?.split("-").at(-1) ?? "-";
  const lostSeqs = [...lost].flatMap((id) => seqsOf.get(id) ?? []);
  console.error(
    `lost ids: ${
      [...lost].map((id) => `${short(id)}@${seqsOf.get(id)}`).join(" ")
    }`,
  );
  const from = Math.min(...lostSeqs) - 20;
  const to = Math.max(...lostSeqs) + 20;
  const fanAt = new Map<number, string[]>();
  for (const l of fanLog) {
    if (l.seq >= from && l.seq <= to) {
      fanAt.set(l.seq, [...fanAt.get(l.seq) ?? [], `${short(l.id)}(${l.at})`]);
    }
  }
  const rows: string[] = [];
  for (let seq = from; seq <= to; seq++) {
    rows.push(
      `${seq}: stream ${short(bySeq.get(seq))} fan-out ${
        fanAt.get(seq)?.join(",") ?? "-"
      }`,
    );
  }
  console.error(`stream vs fan-out by sequence:\n${rows.join("\n")}`);
  // Where the fan-out saw the ids it saw twice.
  const seenAt = new Map<string, string[]>();
  for (const l of fanLog) {
    seenAt.set(l.id, [...seenAt.get(l.id) ?? [], `${l.seq}(${l.at})`]);
  }
  const twice = [...seenAt].filter(([, v]) => v.length > 1).slice(0, 20);
  console.error(
    `fan-out saw twice: ${
      twice.map(([id, v]) =>
        `${short(id)} at ${v.join(",")}; stored at ${seqsOf.get(id)}`
      ).join(" | ")
    }`,
  );
  console.error(
    `stream: ${JSON.stringify(info.state)}; stored ids seen at several seqs: ${
      [...seqsOf].filter(([, v]) => v.length > 1).length
    }`,
  );
};

const samples: Sample[] = [];
const checked: string[] = [];
/**
 * Every acknowledged id, kept to read the stream back at the end (the one
 * part of the test's record that grows: ~60,000 short strings in 20 min).
 */
const ackedIds = new Set<string>();
let rejectedCount = 0;
/** Waits of more than 20 s for the cluster to report healthy again. */
const unhealthyWaits: string[] = [];
/** Checks minute `k`'s ledger and drops it. */
const verify = async (k: number) => {
  const acc = ledgers.get(k);
  if (acc === undefined) return;
  await acc.settle(30_000, 0);
  for (const line of acc.lines()) checked.push(line);
  try {
    acc.assertDelivery({
      groupDuplicatesAtMost: GROUP_DUPLICATES,
      rejectionsAtMost: REJECTIONS,
    });
  } catch (error) {
    console.error(`soak minute ${k + 1} failed:\n${acc.lines().join("\n")}`);
    await explain(acc).catch((e) => console.error("explain failed", e));
    throw error;
  }
  for (const id of acc.acked) ackedIds.add(id);
  rejectedCount += acc.published - acc.acked.length;
  ledgers.delete(k);
  recorders.delete(k);
};

const debug = Deno.env.get("SOAK_DEBUG") !== undefined;
if (debug) {
  // The NATS client's own status events, per bus, as they happen.
  for (const b of buses) {
    (async () => {
      for await (const s of (b.bus.connection as NatsConnection).status()) {
        const { type, ...rest } = s as { type: string };
        console.error(
          `${stamp()} ${b.name} nats ${type} ${JSON.stringify(rest)}`,
        );
      }
    })();
  }
}
const ticker = debug
  ? setInterval(async () => {
    const acc = ledgers.get(samples.length);
    const info = await jsm.streams.info(stream).catch((e) => e.message);
    console.error(
      `${stamp()} acked ${acc?.acked.length} published ${acc?.published} leader ${
        info?.cluster?.leader ?? info
      } last ${info?.state?.last_seq} routes ${
        JSON.stringify(await cluster.routes().catch(() => ({})))
      } buses ${
        (await Promise.all(buses.map(async (b) => {
          const c = b.bus.connection as NatsConnection;
          const rtt = await Promise.race([
            c.rtt().then((ms) => `${Math.round(ms)}ms`, (e) => e.message),
            sleep(900).then(() => "stuck"),
          ]);
          return `${b.name}@${cluster.nodeOf(c.getServer())?.name}:${rtt}`;
        }))).join(" ")
      }`,
    );
  }, 1000)
  : undefined;
try {
  for (let k = 0; k < MINUTES; k++) {
    const t0 = Date.now();
    const acc = new Accounting(`soak-m${k}`);
    ledgers.set(k, acc);
    recorders.set(k, {
      fan: acc.fanout("sub"),
      m1: acc.group("g", "m1"),
      m2: acc.group("g", "m2"),
    });
    const watched = {
      publish: (send: (id: string) => Promise<unknown>) =>
        acc.publish((id) =>
          send(id).catch((e) => {
            if (rejected.length < 5) {
              rejected.push(`${stamp()} ${id}: ${e?.name} ${e?.message}`);
            }
            throw e;
          })
        ),
    };
    const load = publishLoad(watched, [pub1.bus, pub2.bus], {
      total: 1_000_000,
      inflight: 16,
      interval: 20,
      maxMs: MINUTE - 3000,
    });
    const faults: string[] = [];
    // A fault is injected only into a healthy cluster. A replica that is
    // still catching up after the last one (2.10.27 once reported "not
    // current" for over 30 s) is waited for, up to 2 minutes, and counted.
    const healthy = async () => {
      const from = Date.now();
      await cluster.waitHealthy(120_000);
      const waited = Date.now() - from;
      if (waited > 20_000) unhealthyWaits.push(`${stamp()} ${waited} ms`);
    };
    await sleep(15_000);
    await healthy();
    const node = cluster.nodes[k % cluster.nodes.length];
    await node.server.kill();
    await sleep(2000);
    await node.server.start();
    await healthy();
    faults.push(`restart ${node.name} ${stamp()}`);
    await sleep(Math.max(0, t0 + 35_000 - Date.now()));
    const cut = await leader();
    if (cut !== undefined) {
      cluster.isolate(cut);
      await sleep(5000);
      cluster.heal();
      await healthy();
      faults.push(`partition ${cut} ${stamp()}`);
    }
    await load.done;
    if (k >= 2) await verify(k - 2);
    await sleep(Math.max(0, t0 + MINUTE - 2000 - Date.now()));
    gc();
    const mem = Deno.memoryUsage();
    const sample: Sample = {
      minute: k + 1,
      heapMB: Math.round(mem.heapUsed / 1e5) / 10,
      rssMB: Math.round(mem.rss / 1e5) / 10,
      fds: fdCount(),
      consumers: await consumerCount(),
      natsPublished: acc.published,
      natsAcked: acc.acked.length,
      localPublished,
      faults: faults.join(", "),
      rejections: acc.rejections(),
      reports: reportKinds(buses),
    };
    samples.push(sample);
    console.log(`soak minute ${k + 1}: ${JSON.stringify(sample)}`);
    await sleep(Math.max(0, t0 + MINUTE - Date.now()));
  }
  running = false;
  await localLoad;
  for (const k of [...ledgers.keys()]) await verify(k);
  await local.close();
  await reader;

  const stored = await readStoredIds(natsUrls, stream, `${prefix}.order.>`);
  const repeated = [...stored.values()].filter((n) => n > 1).length;
  const acked = ackedIds.size;
  const missing = [...ackedIds].filter((id) => !stored.has(id)).length;
  // Stored but not acknowledged: only a rejected publish can be that.
  const unknown = [...stored.keys()].filter((id) => !ackedIds.has(id)).length;
  for (const line of checked) console.log(line);
  console.log(
    `soak stream read back: stored ${stored.size} / acknowledged ${acked} / missing ${missing} / stored twice ${repeated} / rejected ${rejectedCount} / stored but not acknowledged ${unknown}; late deliveries of checked minutes ${late}`,
  );
  const after = samples.slice(WARMUP);
  const base = after[0];
  const last = samples.at(-1)!;
  const summary = `soak: ${MINUTES} min, ${MINUTES} restarts, ${
    samples.filter((s) => s.faults.includes("partition")).length
  } partitions; heap ${base.heapMB} -> ${last.heapMB} MB (max ${
    Math.max(...after.map((s) => s.heapMB))
  }), rss ${base.rssMB} -> ${last.rssMB} MB, fds ${base.fds} -> ${last.fds}, consumers ${base.consumers} -> ${last.consumers}; local ${localPublished} events x 4 sinks, nats ${acked} acknowledged; slow recoveries ${
    JSON.stringify(unhealthyWaits)
  }; ${stamp()}`;
  console.log(summary);
  const json = flag("--json");
  if (json) {
    await Deno.writeTextFile(
      json,
      JSON.stringify({ samples, summary }, null, 2),
    );
  }

  // Local: every subscriber and the reader saw every event, once.
  assert.deepEqual(localSeen, [0, 0, 0, 0].map(() => localPublished));
  // nats: every acknowledged id stored exactly once (checked minute by
  // minute above for delivery), nothing else stored (no publish rejected).
  assert.equal(
    acked,
    samples.reduce((sum, s) => sum + s.natsAcked, 0),
    "every minute's ledger was checked",
  );
  assert.equal(missing, 0, "acknowledged ids missing from the stream");
  assert.equal(repeated, 0, "ids stored twice");
  assert.ok(
    unknown <= rejectedCount,
    `${unknown} stored ids never acknowledged, ${rejectedCount} rejected`,
  );
  assert.equal(late, 0, "deliveries after their minute was checked");
  // Flat after the warm-up.
  assert.ok(last.heapMB - base.heapMB < 30, `heap grew: ${summary}`);
  assert.ok(last.fds - base.fds <= 20, `descriptors grew: ${summary}`);
  assert.ok(
    last.consumers <= base.consumers + 2,
    `consumers grew: ${summary}`,
  );
} catch (error) {
  console.error(`soak failed at ${stamp()}; first rejections:`, rejected);
  for (const b of buses) {
    console.error(
      `${b.name} statuses:`,
      JSON.stringify(b.statuses.slice(0, 30)),
      `reports:`,
      b.reports.slice(0, 5).map((r) => `${r.context.kind} ${r.error}`),
    );
  }
  console.error(
    cluster.logs().split("\n").filter((l) => !/Healthcheck/.test(l)).join(
      "\n",
    ).slice(-8000),
  );
  throw error;
} finally {
  clearInterval(ticker);
  running = false;
  await admin.close();
  await withTimeout(closeAll(buses), 20_000, "close buses").catch(() => {});
}
