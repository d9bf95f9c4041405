/**
 * NATS latency, end to end: how long an event takes from the `publish`
 * call to the subscriber's handler on another connection, as percentiles,
 * at fixed offered rates. Runtime-neutral (web APIs and the imported
 * packages, no `Deno.*`): Deno runs it in-process and Node 22, Node 24 and
 * Bun each in their own process (`runtimes_nats.ts`), against the same
 * nats-server, so every runtime's figures sit next to the raw clients it
 * measured itself.
 *
 * - A publisher and a subscriber, each on its own connection, both in the
 *   process. Events are offered at a fixed rate without waiting for
 *   earlier publishes (open loop: a slow event does not delay the next
 *   ones' send time), after a warm-up at the same rate. Each event carries
 *   its send time (`performance.timeOrigin + performance.now()`) and the
 *   subscriber subtracts it from the same clock. Timers fire every ~1-2 ms
 *   at best, so events leave in small bursts (2-3 at 1,000/s, ~20 at
 *   10,000/s), as from an application that publishes per request.
 * - Cases: raw `wsconnect` core publish/subscribe (the runtime's global
 *   `WebSocket`, what a user of nats-core gets), raw `js.publish` with
 *   `msgID` + a consumer over WebSocket (and over TCP on server runtimes,
 *   `nats_latency_tcp.ts`), then the bus with its default configuration:
 *   an ephemeral type (core NATS) and a persistent one (JetStream publish
 *   + ordered consumer).
 *
 * Every case checks that each event arrived exactly once (persistent
 * publishes also acknowledged); a miss fails the bench.
 *
 * @module
 */

import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, wsconnect } from "@nats-io/nats-core";
import { z } from "zod";
import { defineEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import type { NatsEventBus } from "../../src/nats/mod.ts";
import { catalogSchema, payload } from "./local.ts";
import { now, offer, sleep } from "./peers/measure.mjs";
import {
  addRawStream,
  Counter,
  deleteStream,
  type NatsTarget,
} from "./nats.ts";

/** Counts of the NATS latency cases. */
export interface NatsLatencyOptions {
  /** Offered events per second, one run per rate. */
  rates: number[];
  /** Seconds of timed sending per run. */
  seconds: number;
  /** Seconds of untimed sending at the same rate before them. */
  warmupSeconds: number;
  /**
   * Runs of each case at each rate, interleaved case by case; the result
   * is the run with the median p99 (a noisy moment of a shared machine
   * lands on one run, not on the figure). @default {1}
   */
  trials?: number;
  /** Keep the cases whose name contains this text. */
  filter?: string;
}

/** One case at one rate. */
export interface NatsLatencyResult {
  case: string;
  /** Offered events per second. */
  rate: number;
  /** Events timed. */
  samples: number;
  /** Events per second actually sent while timing. */
  achieved: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** The p99 of every trial, in µs, in run order. */
  trialsP99Us: number[];
}

const schema = catalogSchema.extend({
  /** Send time, `performance.timeOrigin + performance.now()`, ms. */
  sent: z.number(),
});

/** The local payload plus its send time, as a persistent and an ephemeral type. */
export const latencyCatalog = defineEvents({
  "latency.stored": schema,
  "latency.live": { schema, ephemeral: true },
});

const encoder = new TextEncoder();

/** A publisher/subscriber pair wired to `receive(sent)`. */
interface RateTarget {
  /** Sends one event carrying `sent`. */
  send(sent: number): void;
  close(): Promise<void>;
}

/** How a case reports back to the run. */
interface Sink {
  receive(sent: number): void;
  acked(): void;
  fail(error: unknown): void;
}

/** One case: sets up a pair; persistent ones have their acks awaited. */
export interface LatencyCase {
  name: string;
  persistent: boolean;
  setup(target: NatsTarget, k: string, sink: Sink): Promise<RateTarget>;
}

async function rawCore(
  target: NatsTarget,
  k: string,
  sink: Sink,
): Promise<RateTarget> {
  const pub = await wsconnect({ servers: target.wsUrl, noAsyncTraces: true });
  const sub = await wsconnect({ servers: target.wsUrl, noAsyncTraces: true });
  const subject = `rawlat.c${k}.live`;
  sub.subscribe(subject, {
    callback: (error, msg) =>
      error
        ? sink.fail(error)
        : sink.receive(msg.json<{ sent: number }>().sent),
  });
  await sub.flush();
  return {
    send: (sent) =>
      pub.publish(
        subject,
        encoder.encode(JSON.stringify({ ...payload, sent })),
      ),
    async close() {
      await pub.close();
      await sub.close();
    },
  };
}

/** Raw `js.publish` + consumer, over `open()`'s connections. */
function rawJetStream(open: (target: NatsTarget) => Promise<NatsConnection>) {
  return async (
    target: NatsTarget,
    k: string,
    sink: Sink,
  ): Promise<RateTarget> => {
    const pub = await open(target);
    const sub = await open(target);
    const jsm = await jetstreamManager(pub);
    const stream = `RAWLAT_${k}`;
    await addRawStream(jsm, stream, `rawlat.c${k}`);
    const subject = `rawlat.c${k}.stored`;
    const consumer = await jetstream(sub).consumers.get(stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.New,
    });
    const messages = await consumer.consume({ max_messages: 512 });
    const loop = (async () => {
      for await (const m of messages) {
        sink.receive(m.json<{ sent: number }>().sent);
      }
    })();
    const js = jetstream(pub);
    let id = 0;
    return {
      send(sent) {
        const data = encoder.encode(JSON.stringify({ ...payload, sent }));
        js.publish(subject, data, { msgID: `rawlat-${k}-${++id}` }).then(
          (ack) =>
            ack.duplicate ? sink.fail(new Error("duplicate")) : sink.acked(),
          sink.fail,
        );
      },
      async close() {
        messages.stop();
        await loop;
        await jsm.streams.delete(stream);
        await pub.close();
        await sub.close();
      },
    };
  };
}

/** The bus with its default configuration (default socket included). */
function bus(type: "latency.stored" | "latency.live") {
  return async (
    target: NatsTarget,
    k: string,
    sink: Sink,
  ): Promise<RateTarget> => {
    const open = (role: string) =>
      createEventBus(latencyCatalog, {
        transport: "nats",
        source: `/bench/latency/${role}`,
        onError: sink.fail,
        nats: {
          servers: target.wsUrl,
          stream: `LAT_${k}`,
          subjectPrefix: `lat.c${k}`,
        },
      });
    const pub: NatsEventBus<typeof latencyCatalog> = await open("publisher");
    const sub = await open("subscriber");
    // Both types carry `sent`; the union of their patterns types as never.
    const onEvent = (event: { data: { sent: number } }) =>
      sink.receive(event.data.sent);
    await (type === "latency.stored"
      ? sub.subscribe("latency.stored", onEvent)
      : sub.subscribe("latency.live", onEvent)).ready;
    return {
      send(sent) {
        pub.publish(type, { ...payload, sent }).then(sink.acked, sink.fail);
      },
      async close() {
        await pub.close();
        await sub.close();
        if (type === "latency.stored") await deleteStream(target, `LAT_${k}`);
      },
    };
  };
}

const ws = (target: NatsTarget) =>
  wsconnect({ servers: target.wsUrl, noAsyncTraces: true });

/**
 * The raw JetStream case over another client (e.g. TCP, which browsers
 * do not have: `nats_latency_tcp.ts` adds it on server runtimes).
 */
export function rawJetStreamCase(
  name: string,
  open: (target: NatsTarget) => Promise<NatsConnection>,
): LatencyCase {
  return { name, persistent: true, setup: rawJetStream(open) };
}

/** The cases every runtime runs (browsers too), in order. */
export const NATS_LATENCY_CASES: readonly LatencyCase[] = [
  { name: "raw wsconnect core pub/sub", persistent: false, setup: rawCore },
  rawJetStreamCase("raw js.publish + consumer, WebSocket", ws),
  { name: "bus ephemeral", persistent: false, setup: bus("latency.live") },
  { name: "bus persistent", persistent: true, setup: bus("latency.stored") },
];

/** Nearest-rank percentiles of `samples` (ms), in µs. */
function percentiles(samples: Float64Array) {
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) =>
    sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  const us = (ms: number) => Math.round(ms * 100_000) / 100;
  return {
    p50Us: us(rank(0.5)),
    p99Us: us(rank(0.99)),
    p999Us: us(rank(0.999)),
    maxUs: us(sorted[sorted.length - 1]),
  };
}

let serial = 0;
/** Names this process's streams apart from other runtimes' on one server. */
const RUN = Math.random().toString(36).slice(2, 8);

/** Runs one case at one rate; throws on a lost, repeated or failed event. */
export async function runNatsLatencyCase(
  target: NatsTarget,
  c: LatencyCase,
  rate: number,
  options: NatsLatencyOptions,
): Promise<NatsLatencyResult> {
  const warmup = Math.round(rate * options.warmupSeconds);
  const count = Math.round(rate * options.seconds);
  const all = new Float64Array(warmup + count);
  const received = new Counter();
  const acks = new Counter();
  const errors: unknown[] = [];
  const pair = await c.setup(target, `${RUN}_${++serial}`, {
    receive(sent) {
      const i = received.total;
      if (i < all.length) all[i] = now() - sent;
      received.hit();
    },
    acked: () => acks.hit(),
    fail: (error) => void errors.push(error),
  });
  const label = `${c.name} at ${rate}/s`;
  let seconds = 0;
  try {
    const send = () => pair.send(now());
    if (warmup > 0) {
      await offer(rate, warmup, 0, send);
      await received.until(warmup, `${label} (warm-up)`);
    }
    const started = performance.now();
    await offer(rate, count, warmup, send);
    seconds = (performance.now() - started) / 1000;
    await received.until(warmup + count, label);
    if (c.persistent) await acks.until(warmup + count, `${label} (acks)`);
    await sleep(50); // anything extra (a duplicate) would arrive now
  } finally {
    await pair.close();
  }
  if (errors.length > 0) throw errors[0];
  if (received.total !== warmup + count) {
    throw new Error(
      `${label}: ${received.total} events, expected ${warmup + count}`,
    );
  }
  return {
    case: c.name,
    rate,
    samples: count,
    achieved: Math.round(count / seconds),
    ...percentiles(all.subarray(warmup)),
    trialsP99Us: [],
  };
}

/**
 * Every selected case of `cases` at every rate, in order; with `trials`,
 * each rate's cases run that many rounds and each keeps its median run.
 */
export async function runNatsLatency(
  target: NatsTarget,
  options: NatsLatencyOptions,
  cases: readonly LatencyCase[],
  onResult?: (result: NatsLatencyResult) => void,
): Promise<NatsLatencyResult[]> {
  const results: NatsLatencyResult[] = [];
  const selected = cases.filter((c) =>
    !options.filter || c.name.includes(options.filter)
  );
  const trials = options.trials ?? 1;
  for (const rate of options.rates) {
    const runs = new Map<LatencyCase, NatsLatencyResult[]>();
    for (let t = 0; t < trials; t++) {
      for (const c of selected) {
        const run = await runNatsLatencyCase(target, c, rate, options);
        runs.set(c, [...runs.get(c) ?? [], run]);
      }
    }
    for (const c of selected) {
      const all = runs.get(c)!;
      const median = [...all].sort((a, b) => a.p99Us - b.p99Us)[
        (all.length - 1) >> 1
      ];
      const result = { ...median, trialsP99Us: all.map((r) => r.p99Us) };
      results.push(result);
      onResult?.(result);
    }
  }
  return results;
}
