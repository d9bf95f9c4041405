/**
 * Latency: how long one event takes from the `publish` call to the code
 * that consumes it, as percentiles over many single events.
 *
 * - **local, publish -> handler**: one sync subscriber; each sample is
 *   `performance.now()` in the handler minus `performance.now()` taken just
 *   before the `publish` call (the first handler call of that publish).
 *   Events are published back to back, one at a time, with a microtask
 *   turn every 1,024 (so the bus's per-burst clock reuse ends as it would
 *   in an application). Baseline: raw `EventTarget.dispatchEvent(new
 *   CustomEvent(...))` to a listener, timed the same way.
 * - **local, publish -> events()**: the time from the `publish` call to the
 *   body of a `for await` loop over `bus.events()`. The publisher waits for
 *   the body before the next publish, so every sample is a lone event
 *   through the iterator (no queueing behind earlier ones). Baseline: the
 *   same over a minimal async generator fed by a raw `EventTarget`
 *   listener, what an application writes without a bus. emittery's
 *   `events()` is shown beside it.
 * - **nats, fixed offered rate**: a publisher bus and a subscriber bus on
 *   separate connections, both in this process; events are offered at a
 *   fixed rate (default 1,000/s for 10 s, after a 1 s warm-up at the same
 *   rate) without waiting for earlier publishes (open loop, so a slow
 *   event does not delay the next ones' send time). Each event carries its
 *   send time (`performance.timeOrigin + performance.now()`) in its data
 *   and the subscriber subtracts it from the same clock at delivery. Deno's
 *   timers fire every ~2 ms at best, so at 1,000/s events leave in bursts
 *   of 2-3. Ephemeral type (core NATS) against raw `wsconnect`
 *   publish/subscribe; persistent type (JetStream publish + ordered
 *   consumer) against raw `js.publish` with `msgID` and a raw consumer
 *   (`consume({ max_messages: 512 })`), as in `nats.ts`.
 *
 * Every case checks that each published event arrived exactly once (and,
 * for persistent publishes, was acknowledged); a miss fails the bench.
 * Ratios are p50 over the baseline's p50 (lower is better).
 *
 * @module
 */

import Emittery from "emittery";
import {
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { wsconnect } from "@nats-io/nats-core";
import { connect as connectTcp } from "@nats-io/transport-node";
import { z } from "zod";
import { createLocalEventBus, defineEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config_file/mod.ts";
import type { NatsEventBus } from "../../src/nats/mod.ts";
import {
  alignTable,
  type BenchResult,
  fillRatios,
  formatUs,
  summarize,
} from "./harness.ts";
import { catalog, payload } from "./local.ts";
import {
  addRawStream,
  Counter,
  deleteStream,
  type NatsTarget,
  rawOptions,
} from "./nats.ts";

const TYPE = "context.updated";

/** Counts of the latency cases. */
export interface LatencyOptions {
  /** Local: timed samples per case. */
  samples: number;
  /** Local: untimed events before them. */
  warmup: number;
  /** NATS: offered events per second. */
  rate: number;
  /** NATS: seconds of timed sending. */
  seconds: number;
  /** NATS: seconds of untimed sending at the same rate before them. */
  warmupSeconds: number;
}

/** One latency case; `run` returns the samples in milliseconds. */
export interface LatencyCase {
  suite: string;
  name: string;
  baseline?: boolean;
  /** Needs the nats-server (`target.wsUrl`). */
  nats: boolean;
  /** How events are offered, for the table. */
  offered: string;
  run(): Promise<LatencyRun>;
}

interface LatencyRun {
  samples: Float64Array;
  /** Wall time of the timed part. */
  seconds: number;
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

// -------------------------------------------------------- local, handler

/** A sync "publish" wired to a listener that calls `onEvent` first thing. */
interface HandlerTarget {
  publish(): void;
  close(): void | Promise<void>;
}

async function handlerLatency(
  label: string,
  setup: (onEvent: () => void) => HandlerTarget,
  options: LatencyOptions,
): Promise<LatencyRun> {
  const total = options.warmup + options.samples;
  const all = new Float64Array(total);
  let index = 0;
  let t0 = 0;
  let calls = 0;
  const target = setup(() => {
    all[index] = performance.now() - t0;
    calls++;
  });
  let started = 0;
  try {
    for (let k = 0; k < total; k++) {
      if (k === options.warmup) started = performance.now();
      index = k;
      t0 = performance.now();
      target.publish();
      if ((k & 1023) === 1023) await null;
    }
  } finally {
    await target.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (calls !== total) {
    throw new Error(`${label}: ${calls} handler calls, expected ${total}`);
  }
  return { samples: all.subarray(options.warmup), seconds };
}

function rawDispatch(onEvent: () => void): HandlerTarget {
  const target = new EventTarget();
  const listener = () => onEvent();
  target.addEventListener(TYPE, listener);
  return {
    publish: () =>
      void target.dispatchEvent(new CustomEvent(TYPE, { detail: payload })),
    close: () => target.removeEventListener(TYPE, listener),
  };
}

function busHandler(validate: boolean) {
  return (onEvent: () => void): HandlerTarget => {
    const errors: unknown[] = [];
    const bus = createLocalEventBus(catalog, {
      validate,
      onError: (error) => void errors.push(error),
    });
    bus.subscribe(TYPE, () => onEvent());
    return {
      // publish returns a settled promise here; a rejection shows up as a
      // missing handler call and fails the case.
      publish: () =>
        void bus.publish(TYPE, payload).catch((error) =>
          void errors.push(error)
        ),
      async close() {
        await bus.close();
        if (errors.length > 0) throw errors[0];
      },
    };
  };
}

// ------------------------------------------------------- local, iterator

/** An async iterable of events and the call that publishes one. */
interface IteratorTarget {
  stream: AsyncIterable<unknown>;
  publish(): void;
  close(): void | Promise<void>;
}

async function iteratorLatency(
  label: string,
  setup: () => IteratorTarget,
  options: LatencyOptions,
): Promise<LatencyRun> {
  const total = options.warmup + options.samples;
  const all = new Float64Array(total);
  let index = 0;
  let t0 = 0;
  let read = 0;
  let wake: (() => void) | undefined;
  const target = setup();
  const consumer = (async () => {
    for await (const _ of target.stream) {
      all[index] = performance.now() - t0;
      read++;
      wake?.();
      if (read === total) break;
    }
  })();
  let failure: unknown;
  consumer.catch((error) => {
    failure = error;
    wake?.();
  });
  let started = 0;
  try {
    for (let k = 0; k < total && failure === undefined; k++) {
      if (k === options.warmup) started = performance.now();
      const delivered = new Promise<void>((resolve) => (wake = resolve));
      index = k;
      t0 = performance.now();
      target.publish();
      // Bounded: a lost event fails the case instead of hanging.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        delivered,
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${label}: event ${k} not read in 10 s`)),
            10_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    }
  } finally {
    await target.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await consumer.catch(() => {});
  if (failure !== undefined) throw failure;
  if (read !== total) {
    throw new Error(`${label}: ${read} events read, expected ${total}`);
  }
  return { samples: all.subarray(options.warmup), seconds };
}

/** What an application writes without a bus: a listener feeding a generator. */
function rawGenerator(): IteratorTarget {
  const target = new EventTarget();
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const listener = (event: Event) => {
    queue.push((event as CustomEvent).detail);
    wake?.();
  };
  target.addEventListener(TYPE, listener);
  async function* stream() {
    try {
      while (!done) {
        if (queue.length > 0) yield queue.shift();
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      target.removeEventListener(TYPE, listener);
    }
  }
  return {
    stream: stream(),
    publish: () =>
      void target.dispatchEvent(new CustomEvent(TYPE, { detail: payload })),
    close() {
      done = true;
      wake?.();
    },
  };
}

function busIterator(): IteratorTarget {
  const errors: unknown[] = [];
  const bus = createLocalEventBus(catalog, {
    onError: (error) => void errors.push(error),
  });
  return {
    // "error": an overflow would end the stream and fail the case.
    stream: bus.events(TYPE, { overflow: "error" }),
    publish: () =>
      void bus.publish(TYPE, payload).catch((error) => void errors.push(error)),
    async close() {
      await bus.close();
      if (errors.length > 0) throw errors[0];
    },
  };
}

function emitteryIterator(): IteratorTarget {
  const emitter = new Emittery<{ [TYPE]: typeof payload }>();
  return {
    stream: emitter.events(TYPE),
    publish: () => void emitter.emit(TYPE, payload),
    close: () => emitter.clearListeners(),
  };
}

// ------------------------------------------------------------------- nats

const schema = z.object({
  path: z.string().min(1),
  collection: z.string().min(1),
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  language: z.string(),
  changed: z.boolean(),
  hash: z.string(),
  /** Send time, `performance.timeOrigin + performance.now()`, ms. */
  sent: z.number(),
});

/** The local payload plus its send time, as a persistent and an ephemeral type. */
export const latencyCatalog = defineEvents({
  "latency.stored": schema,
  "latency.live": { schema, ephemeral: true },
});

type Bus = NatsEventBus<typeof latencyCatalog>;

/** Wall-clock milliseconds with sub-microsecond resolution. */
const now = () => performance.timeOrigin + performance.now();

/** One publisher/subscriber pair, wired to `receive(sent)`. */
interface RateTarget {
  /** Sends one event carrying `sent`; acknowledged sends call `acked`. */
  send(sent: number): void;
  close(): Promise<void>;
}

let serial = 0;
/** Errors the buses reported or publishes rejected with; any fails the case. */
const reported: unknown[] = [];

/** Open TCP connections of the buses of `openBus(..., tcp)`, to close. */
const tcpConnections: { close(): Promise<void> }[] = [];

async function openBus(
  target: NatsTarget,
  k: number,
  role: string,
  tcp = false,
): Promise<Bus> {
  const connection = tcp
    ? await connectTcp({ servers: target.natsUrl, noAsyncTraces: true })
    : undefined;
  if (connection !== undefined) tcpConnections.push(connection);
  return createEventBus(latencyCatalog, {
    transport: "nats",
    source: `/bench/latency/${role}`,
    onError: (error) => void reported.push(error),
    nats: {
      servers: target.wsUrl,
      stream: `LAT_${k}`,
      subjectPrefix: `lat.c${k}`,
    },
  }, { connection });
}

/**
 * Offers `count` events at `rate` per second from `start`: each timer turn
 * sends every event whose slot has come (open loop).
 */
async function offer(
  rate: number,
  count: number,
  send: () => void,
): Promise<void> {
  const interval = 1000 / rate;
  const start = performance.now();
  let i = 0;
  while (i < count) {
    const due = start + i * interval;
    const t = performance.now();
    if (t >= due) {
      send();
      i++;
    } else await sleep(due - t);
  }
}

async function rateLatency(
  label: string,
  setup: (
    receive: (sent: number) => void,
    acked: () => void,
  ) => Promise<RateTarget>,
  persistent: boolean,
  options: LatencyOptions,
): Promise<LatencyRun> {
  const warmup = Math.round(options.rate * options.warmupSeconds);
  const count = Math.round(options.rate * options.seconds);
  const all = new Float64Array(warmup + count);
  const received = new Counter();
  const acks = new Counter();
  reported.length = 0;
  const target = await setup((sent) => {
    const i = received.total;
    if (i < all.length) all[i] = now() - sent;
    received.hit();
  }, () => acks.hit());
  let seconds = 0;
  try {
    const check = () => {
      const error = reported.splice(0)[0];
      if (error !== undefined) throw error;
    };
    const send = () => target.send(now());
    if (warmup > 0) {
      await offer(options.rate, warmup, send);
      await received.until(warmup, `${label} (warm-up)`);
      check();
    }
    const started = performance.now();
    await offer(options.rate, count, send);
    await received.until(warmup + count, label);
    seconds = (performance.now() - started) / 1000;
    if (persistent) await acks.until(warmup + count, `${label} (acks)`);
    await sleep(50); // anything extra (a duplicate) would arrive now
    check();
    if (received.total !== warmup + count) {
      throw new Error(
        `${label}: ${received.total} events received, expected ${
          warmup + count
        }`,
      );
    }
  } finally {
    await target.close();
  }
  return { samples: all.subarray(warmup), seconds };
}

async function busRate(
  target: NatsTarget,
  type: "latency.stored" | "latency.live",
  receive: (sent: number) => void,
  acked: () => void,
  tcp = false,
): Promise<RateTarget> {
  const k = ++serial;
  const pub = await openBus(target, k, "publisher", tcp);
  const sub = await openBus(target, k, "subscriber", tcp);
  const onEvent = (event: { data: { sent: number } }) =>
    receive(event.data.sent);
  await (type === "latency.stored"
    ? sub.subscribe("latency.stored", onEvent)
    : sub.subscribe("latency.live", onEvent)).ready;
  const fail = (error: unknown) => void reported.push(error);
  return {
    send(sent) {
      pub.publish(type, { ...payload, sent }).then(acked, fail);
    },
    async close() {
      await pub.close();
      await sub.close();
      for (const nc of tcpConnections.splice(0)) await nc.close();
      if (type === "latency.stored") await deleteStream(target, `LAT_${k}`);
    },
  };
}

const encoder = new TextEncoder();

async function rawCore(
  target: NatsTarget,
  receive: (sent: number) => void,
): Promise<RateTarget> {
  const k = ++serial;
  const pub = await wsconnect(rawOptions(target));
  const subNc = await wsconnect(rawOptions(target));
  const subject = `rawlat.c${k}.live`;
  subNc.subscribe(subject, {
    callback: (error, msg) => {
      if (error !== null) reported.push(error);
      else receive((msg.json() as { sent: number }).sent);
    },
  });
  await subNc.flush();
  return {
    send(sent) {
      pub.publish(
        subject,
        encoder.encode(JSON.stringify({ ...payload, sent })),
      );
    },
    async close() {
      await pub.close();
      await subNc.close();
    },
  };
}

async function rawJetStream(
  target: NatsTarget,
  receive: (sent: number) => void,
  acked: () => void,
): Promise<RateTarget> {
  const k = ++serial;
  const pub = await wsconnect(rawOptions(target));
  const jsm = await jetstreamManager(pub);
  const js = jetstream(pub);
  const stream = `RAWLAT_${k}`;
  await addRawStream(jsm, stream, `rawlat.c${k}`);
  const subject = `rawlat.c${k}.stored`;
  const subNc = await wsconnect(rawOptions(target));
  const consumer = await jetstream(subNc).consumers.get(stream, {
    filter_subjects: subject,
    deliver_policy: DeliverPolicy.New,
  });
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: 512,
  });
  const loop = (async () => {
    for await (const m of messages) {
      receive((m.json() as { sent: number }).sent);
    }
  })();
  let id = 0;
  const fail = (error: unknown) => void reported.push(error);
  return {
    send(sent) {
      const data = encoder.encode(JSON.stringify({ ...payload, sent }));
      js.publish(subject, data, { msgID: `rawlat-${++id}` }).then((ack) => {
        if (ack.duplicate) fail(new Error(`duplicate ${ack.seq}`));
        else acked();
      }, fail);
    },
    async close() {
      messages.stop();
      await loop;
      await jsm.streams.delete(stream);
      await pub.close();
      await subNc.close();
    },
  };
}

// ------------------------------------------------------------------ cases

/** Every latency case, baseline first within each suite. */
export function latencyCases(
  target: NatsTarget,
  options: LatencyOptions,
): LatencyCase[] {
  const handler = "latency local, publish -> handler";
  const iterator = "latency local, publish -> events()";
  const ephemeral = "nats latency, ephemeral";
  const persistent = "nats latency, persistent";
  const local = (
    suite: string,
    name: string,
    run: () => Promise<LatencyRun>,
    baseline = false,
  ): LatencyCase => ({
    suite,
    name: `${suite}: ${name}`,
    baseline,
    nats: false,
    offered: "one at a time",
    run,
  });
  const nats = (
    suite: string,
    name: string,
    run: () => Promise<LatencyRun>,
    baseline = false,
  ): LatencyCase => ({
    suite,
    name: `${suite}: ${name}`,
    baseline,
    nats: true,
    offered: `${options.rate}/s x ${options.seconds} s`,
    run,
  });
  const h =
    (label: string, setup: (onEvent: () => void) => HandlerTarget) => () =>
      handlerLatency(label, setup, options);
  const it = (label: string, setup: () => IteratorTarget) => () =>
    iteratorLatency(label, setup, options);
  return [
    local(
      handler,
      "raw EventTarget dispatch -> listener",
      h("raw dispatch", rawDispatch),
      true,
    ),
    local(
      handler,
      "local bus, validate on",
      h("bus handler", busHandler(true)),
    ),
    local(
      handler,
      "local bus, validate off",
      h("bus handler", busHandler(false)),
    ),
    local(
      iterator,
      "raw EventTarget -> async generator",
      it("raw generator", rawGenerator),
      true,
    ),
    local(
      iterator,
      "emittery events()",
      it("emittery events()", emitteryIterator),
    ),
    local(
      iterator,
      "local bus events(), validate on",
      it("bus events()", busIterator),
    ),
    nats(
      ephemeral,
      "raw wsconnect publish/subscribe",
      () => rateLatency("raw core", (r) => rawCore(target, r), false, options),
      true,
    ),
    nats(
      ephemeral,
      "bus publish -> bus subscriber",
      () =>
        rateLatency(
          "bus ephemeral",
          (r, a) => busRate(target, "latency.live", r, a),
          false,
          options,
        ),
    ),
    nats(
      persistent,
      "raw js.publish + consumer",
      () =>
        rateLatency(
          "raw jetstream",
          (r, a) => rawJetStream(target, r, a),
          true,
          options,
        ),
      true,
    ),
    nats(
      persistent,
      "bus publish -> bus subscriber",
      () =>
        rateLatency(
          "bus persistent",
          (r, a) => busRate(target, "latency.stored", r, a),
          true,
          options,
        ),
    ),
    // Deno's WebSocket disables TCP_NODELAY and writes frames of 1 KiB or
    // more in two pieces, so bursts wait ~40 ms for a delayed ACK. The same
    // bus over a TCP connection (passed in as `connection`) shows the fix.
    nats(
      persistent,
      "bus publish -> bus subscriber, TCP connection (transport-node)",
      () =>
        rateLatency(
          "bus persistent over tcp",
          (r, a) => busRate(target, "latency.stored", r, a, true),
          true,
          options,
        ),
    ),
  ];
}

/** Runs the cases in order; ratios are p50 over the suite baseline's p50. */
export async function runLatencyCases(
  cases: LatencyCase[],
  onResult?: (result: BenchResult) => void,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const c of cases) {
    const run = await c.run();
    await tick();
    const latency = summarize(run.samples);
    const rate = run.samples.length / run.seconds;
    const result: BenchResult = {
      suite: c.suite,
      name: c.name,
      subscribers: 1,
      baseline: c.baseline === true,
      medianEventsPerSec: rate,
      ratio: null,
      ratioOf: "p50 latency",
      roundsEventsPerSec: [Math.round(rate)],
      latency,
    };
    results.push(result);
    onResult?.(result);
  }
  fillRatios(results);
  return results;
}

/** The latency results as an aligned text table. */
export function formatLatencyTable(
  results: BenchResult[],
  cases: LatencyCase[],
): string {
  const header = [
    "case",
    "offered",
    "samples",
    "events/s",
    "p50",
    "p99",
    "max",
    "p50 ratio",
  ];
  const rows = results.map((r) => {
    const l = r.latency!;
    return [
      r.name,
      cases.find((c) => c.name === r.name)?.offered ?? "-",
      l.samples.toLocaleString("en-US"),
      Math.round(r.medianEventsPerSec).toLocaleString("en-US"),
      formatUs(l.p50Us),
      formatUs(l.p99Us),
      formatUs(l.maxUs),
      r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
    ];
  });
  return alignTable(header, rows);
}
