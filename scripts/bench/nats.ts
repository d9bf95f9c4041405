/**
 * NATS transport throughput, end to end against a real `nats-server`
 * (started by `main.ts` with `tests/nats_server.ts`: JetStream in a temp dir,
 * WebSocket, loopback only). Each suite compares our bus with a raw
 * `@nats-io` baseline doing the same job on the same server, with the same
 * 176-byte JSON payload as the local suites:
 *
 * - **fan-out, ephemeral**: bus A publishes an ephemeral type (core NATS,
 *   `publish` resolves at once, so N are fired without awaiting each) and a
 *   subscriber on bus B (another connection) receives them; timed until B
 *   has all N. Baselines: raw `wsconnect` publish to a core subscription on
 *   another connection, without headers (the ratio's reference) and with the
 *   same `ce-*` + `content-type` headers our bus sends.
 * - **fan-out, persistent**: bus A publishes a persistent type with up to 256
 *   publishes in flight (each resolves on JetStream's ack) and an ordered
 *   consumer on bus B receives them. Baseline: raw `js.publish` with a
 *   `msgID` (256 in flight) and a raw ordered consumer
 *   (`js.consumers.get(stream, { filter_subjects })` + `consume()`) on
 *   another connection.
 * - **durable publish, N in flight** (N = 1, 64, 256): acknowledged
 *   publishes per second with a sliding window of N outstanding promises;
 *   no subscriber. Baseline: raw `js.publish(subject, payload, { msgID })`.
 *
 * What "raw" does: it serializes the payload with `JSON.stringify` for every
 * message and its subscribers `JSON.parse` every message (the least an
 * application must do to send this data); the with-headers variant also
 * builds a header set per message and its subscriber reads `ce-type` and
 * `ce-id`. On top of that our bus validates with zod on both sides, builds
 * the CloudEvents envelope, and percent-encodes/decodes each attribute.
 * Raw consumers use the same `consume({ max_messages: 512 })` as the bus.
 *
 * Streams are file-backed (the transport's default) with a 2-minute
 * duplicate window; each case gets its own stream and subjects. Every round
 * checks that exactly N events arrived (or N publishes were acknowledged)
 * and fails after 10 s without progress. Publisher and subscriber share this
 * process's one JavaScript thread, so fan-out rates are CPU-bound.
 *
 * Deno's WebSocket client leaves Nagle's algorithm on (it sets
 * `TCP_NODELAY` to 0), so a few to ~200 small publishes in flight stall on
 * delayed ACKs for ~40 ms per window: durable publishing with 64 in flight
 * runs at ~1.4k/s, below 1 in flight (~5k/s), for raw and bus alike. The
 * counts of those suites are smaller so the run stays short.
 *
 * @module
 */

import {
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  type JetStreamManager,
  jetstreamManager,
  type PubAck,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import {
  headers as natsHeaders,
  type MsgHdrs,
  nanos,
  type NatsConnection,
  wsconnect,
  type WsConnectionOptions,
} from "@nats-io/nats-core";
import { defineEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import type { NatsEventBus } from "../../src/nats/mod.ts";
import type {
  BenchCase,
  BenchInstance,
  BenchOptions,
  BenchResult,
} from "./harness.ts";
import { catalogSchema as contextUpdated, payload } from "./local.ts";
import type { WebSocketFactory } from "../../src/nats/mod.ts";

/** The local suites' schema, as a persistent and an ephemeral type. */
export const natsCatalog = defineEvents({
  "context.updated": contextUpdated,
  "context.live": { schema: contextUpdated, ephemeral: true },
});

type Bus = NatsEventBus<typeof natsCatalog>;

/** Where the cases connect; filled in once the server runs. */
export interface NatsTarget {
  wsUrl: string;
  /** The TCP URL (`nats://`), for cases that connect without WebSocket. */
  natsUrl?: string;
  /** The socket of the raw baselines (default: the global WebSocket). */
  wsFactory?: WebSocketFactory;
}

/** A suite: its cases (baseline first) and the counts it runs with. */
export interface NatsSuite {
  suite: string;
  /** Publishes outstanding at once ("all": fired without awaiting). */
  inFlight: string;
  options: BenchOptions;
  cases: BenchCase[];
}

/** Counts of the NATS suites; `scale` multiplies every event count. */
export interface NatsBenchOptions {
  scale?: number;
  rounds?: number;
}

const STALL_MS = 10_000;
const encoder = new TextEncoder();
let serial = 0;

/** Counts received events; `until` waits for a total, failing on a stall. */
export class Counter {
  total = 0;
  #taken = 0;
  #target = Infinity;
  #wake: (() => void) | undefined;

  hit(): void {
    if (++this.total >= this.#target) this.#wake?.();
  }

  /** Events since the previous call. */
  take(): number {
    const n = this.total - this.#taken;
    this.#taken = this.total;
    return n;
  }

  async until(target: number, label: string): Promise<void> {
    if (this.total >= target) return;
    this.#target = target;
    let last = this.total;
    let since = performance.now();
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#wake = resolve;
        timer = setInterval(() => {
          if (this.total !== last) {
            last = this.total;
            since = performance.now();
          } else if (performance.now() - since > STALL_MS) {
            const missing = target - this.total;
            reject(
              new Error(
                `${label}: ${missing} events missing (no progress for ${STALL_MS} ms)`,
              ),
            );
          }
        }, 250);
      });
    } finally {
      clearInterval(timer);
      this.#wake = undefined;
      this.#target = Infinity;
    }
  }
}

/**
 * Raw baselines connect with the same client options as the bus
 * (`noAsyncTraces`) and over the same socket (`target.wsFactory`: main.ts
 * gives the bus's default one for Deno, npm `ws`), so the ratio compares
 * our code, not client settings or sockets. (The latency suite's "raw
 * wsconnect" keeps the runtime's global WebSocket on purpose: it is what a
 * user of nats-core gets.)
 */
export function rawOptions(target: NatsTarget): WsConnectionOptions {
  return {
    servers: target.wsUrl,
    noAsyncTraces: true,
    wsFactory: target.wsFactory as WsConnectionOptions["wsFactory"],
  };
}

/** Calls `fn` n times with at most `limit` calls outstanding. */
export async function slidingWindow(
  n: number,
  limit: number,
  fn: () => Promise<unknown>,
): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < n) {
      started++;
      await fn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Errors the buses reported; any of them fails the round. */
const reported: unknown[] = [];

function checked(counter: { take(): number }): () => number {
  return () => {
    const error = reported.splice(0)[0];
    if (error !== undefined) throw error;
    return counter.take();
  };
}

function openBus(target: NatsTarget, k: number, role: string): Promise<Bus> {
  return createEventBus(natsCatalog, {
    transport: "nats",
    source: `/bench/${role}`,
    // Handlers only count, so any report (invalid message, transport error)
    // is a bench failure.
    onError: (error) => void reported.push(error),
    nats: {
      servers: target.wsUrl,
      stream: `BENCH_${k}`,
      subjectPrefix: `bench.c${k}`,
    },
  });
}

/** A stream configured as the bus provisions its own (file, 2 min dedup). */
export async function addRawStream(
  jsm: JetStreamManager,
  name: string,
  prefix: string,
): Promise<void> {
  await jsm.streams.add({
    name,
    subjects: [`${prefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: 1,
    duplicate_window: nanos(120_000),
  });
}

/** Per-message CloudEvents headers, as `encodeBinary` writes them. */
function ceHeaders(id: string, type: string, time: string): MsgHdrs {
  const h = natsHeaders();
  h.set("ce-specversion", "1.0");
  h.set("ce-id", id);
  h.set("ce-source", "/bench/raw");
  h.set("ce-type", type);
  h.set("ce-time", time);
  h.set("content-type", "application/json");
  return h;
}

/** An RFC 3339 time string, reformatted at most once per millisecond. */
function clock(): () => string {
  let ms = 0;
  let text = "";
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      text = new Date(now).toISOString();
    }
    return text;
  };
}

// ---------------------------------------------------------------- ephemeral

async function busEphemeral(target: NatsTarget): Promise<BenchInstance> {
  const k = ++serial;
  const pub = await openBus(target, k, "publisher");
  const sub = await openBus(target, k, "subscriber");
  const counter = new Counter();
  await sub.subscribe("context.live", () => counter.hit()).ready;
  return {
    async run(n) {
      const goal = counter.total + n;
      // Ephemeral publishes resolve at once; a rejection is trapped by the
      // harness and fails the round.
      for (let i = 0; i < n; i++) pub.publish("context.live", payload);
      await counter.until(goal, "bus ephemeral");
    },
    takeDelivered: checked(counter),
    async close() {
      await pub.close();
      await sub.close();
    },
  };
}

async function rawEphemeral(
  target: NatsTarget,
  withHeaders: boolean,
): Promise<BenchInstance> {
  const k = ++serial;
  const pub = await wsconnect(rawOptions(target));
  const subNc = await wsconnect(rawOptions(target));
  const subject = `raw.c${k}.context.live`;
  const counter = new Counter();
  let seen = "";
  subNc.subscribe(subject, {
    callback: (error, msg) => {
      if (error !== null) throw error;
      if (withHeaders) {
        seen = msg.headers!.get("ce-type") + msg.headers!.get("ce-id");
      }
      msg.json();
      counter.hit();
    },
  });
  await subNc.flush();
  const now = clock();
  let id = 0;
  return {
    async run(n) {
      const goal = counter.total + n;
      for (let i = 0; i < n; i++) {
        const data = encoder.encode(JSON.stringify(payload));
        if (withHeaders) {
          const h = ceHeaders(`raw-${++id}`, "context.live", now());
          pub.publish(subject, data, { headers: h });
        } else pub.publish(subject, data);
      }
      await counter.until(goal, "raw ephemeral");
      if (withHeaders && seen === "") throw new Error("headers not read");
    },
    takeDelivered: () => counter.take(),
    async close() {
      await pub.close();
      await subNc.close();
    },
  };
}

// --------------------------------------------------------------- persistent

const FANOUT_IN_FLIGHT = 256;

async function busPersistent(target: NatsTarget): Promise<BenchInstance> {
  const k = ++serial;
  const pub = await openBus(target, k, "publisher");
  const sub = await openBus(target, k, "subscriber");
  const counter = new Counter();
  await sub.subscribe("context.updated", () => counter.hit()).ready;
  return {
    async run(n) {
      const goal = counter.total + n;
      await slidingWindow(
        n,
        FANOUT_IN_FLIGHT,
        () => pub.publish("context.updated", payload),
      );
      await counter.until(goal, "bus persistent");
    },
    takeDelivered: checked(counter),
    async close() {
      await pub.close();
      await sub.close();
      await deleteStream(target, `BENCH_${k}`);
    },
  };
}

interface RawJs {
  pub: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  subject: string;
  /** `js.publish` of the JSON payload with a unique msgID (and headers). */
  publish(): Promise<PubAck>;
}

async function rawJetStream(
  target: NatsTarget,
  withHeaders: boolean,
): Promise<RawJs> {
  const k = ++serial;
  const pub = await wsconnect(rawOptions(target));
  const jsm = await jetstreamManager(pub);
  const js = jetstream(pub);
  const stream = `RAW_${k}`;
  await addRawStream(jsm, stream, `raw.c${k}`);
  const subject = `raw.c${k}.context.updated`;
  const now = clock();
  let id = 0;
  return {
    pub,
    jsm,
    stream,
    subject,
    publish() {
      const msgID = `raw-${++id}`;
      const data = encoder.encode(JSON.stringify(payload));
      return withHeaders
        ? js.publish(subject, data, {
          msgID,
          headers: ceHeaders(msgID, "context.updated", now()),
        })
        : js.publish(subject, data, { msgID });
    },
  };
}

async function rawPersistent(
  target: NatsTarget,
  withHeaders: boolean,
): Promise<BenchInstance> {
  const raw = await rawJetStream(target, withHeaders);
  const subNc = await wsconnect(rawOptions(target));
  const consumer = await jetstream(subNc).consumers.get(raw.stream, {
    filter_subjects: raw.subject,
    deliver_policy: DeliverPolicy.New,
  });
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: 512,
  });
  const counter = new Counter();
  let seen = "";
  const loop = (async () => {
    for await (const m of messages) {
      if (withHeaders) {
        seen = m.headers!.get("ce-type") + m.headers!.get("ce-id");
      }
      m.json();
      counter.hit();
    }
  })();
  return {
    async run(n) {
      const goal = counter.total + n;
      await slidingWindow(n, FANOUT_IN_FLIGHT, () => raw.publish());
      await counter.until(goal, "raw persistent");
      if (withHeaders && seen === "") throw new Error("headers not read");
    },
    takeDelivered: () => counter.take(),
    async close() {
      messages.stop();
      await loop;
      await raw.jsm.streams.delete(raw.stream);
      await raw.pub.close();
      await subNc.close();
    },
  };
}

export async function deleteStream(target: NatsTarget, stream: string) {
  const nc = await wsconnect(rawOptions(target));
  try {
    await (await jetstreamManager(nc)).streams.delete(stream);
  } finally {
    await nc.close();
  }
}

// ------------------------------------------------------------------ durable

async function busDurable(
  target: NatsTarget,
  inFlight: number,
): Promise<BenchInstance> {
  const k = ++serial;
  const bus = await openBus(target, k, "publisher");
  const acked = new Counter();
  return {
    async run(n) {
      await slidingWindow(n, inFlight, async () => {
        await bus.publish("context.updated", payload);
        acked.hit();
      });
    },
    takeDelivered: checked(acked),
    async close() {
      await bus.close();
      await deleteStream(target, `BENCH_${k}`);
    },
  };
}

async function rawDurable(
  target: NatsTarget,
  inFlight: number,
  withHeaders: boolean,
): Promise<BenchInstance> {
  const raw = await rawJetStream(target, withHeaders);
  const acked = new Counter();
  return {
    async run(n) {
      await slidingWindow(n, inFlight, async () => {
        const ack = await raw.publish();
        if (ack.duplicate) throw new Error(`raw durable: duplicate ${ack.seq}`);
        acked.hit();
      });
    },
    takeDelivered: () => acked.take(),
    async close() {
      await raw.jsm.streams.delete(raw.stream);
      await raw.pub.close();
    },
  };
}

// ------------------------------------------------------------------- suites

/**
 * Durable suites: [in flight, events per round]. Fewer events at 1 and 64,
 * where Deno's WebSocket is slow (round trips; Nagle, see the module doc).
 */
const DURABLE: [number, number][] = [[1, 2000], [64, 1000], [256, 5000]];

/**
 * The NATS suites in order. Case names all start with "nats " so that
 * `--filter nats` selects exactly them. `target.wsUrl` is read when a case
 * is created, so the list can be filtered before the server starts.
 */
export function natsSuites(
  target: NatsTarget,
  options: NatsBenchOptions = {},
): NatsSuite[] {
  const scale = options.scale ?? 1;
  const rounds = options.rounds ?? 5;
  const count = (n: number) => Math.max(1, Math.round(n * scale));
  const counts = (events: number, warmup: number): BenchOptions => ({
    events: count(events),
    warmup: count(warmup),
    rounds,
  });
  const one = (
    suite: string,
    name: string,
    create: () => Promise<BenchInstance>,
    baseline = false,
  ): BenchCase => ({
    suite,
    name: `${suite}: ${name}`,
    subscribers: 1,
    baseline,
    create,
  });
  const ephemeral = "nats fan-out, ephemeral";
  const persistent = "nats fan-out, persistent";
  const suites: NatsSuite[] = [
    {
      suite: ephemeral,
      inFlight: "all",
      options: counts(20_000, 5_000),
      cases: [
        one(
          ephemeral,
          "raw wsconnect publish, no headers",
          () => rawEphemeral(target, false),
          true,
        ),
        one(
          ephemeral,
          "raw wsconnect publish, ce-* headers",
          () => rawEphemeral(target, true),
        ),
        one(ephemeral, "bus publish", () => busEphemeral(target)),
      ],
    },
    {
      suite: persistent,
      inFlight: String(FANOUT_IN_FLIGHT),
      options: counts(10_000, 2_000),
      cases: [
        one(
          persistent,
          "raw js.publish + ordered consumer, no headers",
          () => rawPersistent(target, false),
          true,
        ),
        one(
          persistent,
          "raw js.publish + ordered consumer, ce-* headers",
          () => rawPersistent(target, true),
        ),
        one(
          persistent,
          "bus publish + bus subscriber",
          () => busPersistent(target),
        ),
      ],
    },
  ];
  for (const [n, events] of DURABLE) {
    const suite = `nats durable publish, ${n} in flight`;
    suites.push({
      suite,
      inFlight: String(n),
      options: counts(events, events / 5),
      cases: [
        one(
          suite,
          "raw js.publish with msgID, no headers",
          () => rawDurable(target, n, false),
          true,
        ),
        one(
          suite,
          "raw js.publish with msgID, ce-* headers",
          () => rawDurable(target, n, true),
        ),
        one(suite, "bus publish", () => busDurable(target, n)),
      ],
    });
  }
  return suites;
}

/** The NATS results as an aligned text table (with in-flight and counts). */
export function formatNatsTable(
  results: BenchResult[],
  suites: NatsSuite[],
): string {
  const header = [
    "case",
    "in flight",
    "events x rounds",
    "median events/s",
    "rounds min-max",
    "ratio",
  ];
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const rows = results.map((r) => {
    const s = suites.find((x) => x.suite === r.suite);
    return [
      r.name,
      s?.inFlight ?? "-",
      s ? `${s.options.events} x ${s.options.rounds}` : "-",
      Math.round(r.medianEventsPerSec).toLocaleString("en-US"),
      `${k(Math.min(...r.roundsEventsPerSec))}-${
        k(Math.max(...r.roundsEventsPerSec))
      }`,
      r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])
    ).join(" | ");
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.map(line),
  ].join("\n");
}
