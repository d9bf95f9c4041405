/**
 * Local latency: how long one event takes from the `publish` call to the
 * code that consumes it, as percentiles over many single events (the NATS
 * latency cases are in `nats_latency.ts`).
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
 *
 * Every case checks that each published event arrived exactly once; a miss
 * fails the bench.
 * Ratios are p50 over the baseline's p50 (lower is better).
 *
 * @module
 */

import Emittery from "emittery";
import { createLocalEventBus } from "../../mod.ts";
import {
  alignTable,
  type BenchResult,
  fillRatios,
  formatUs,
  summarize,
} from "./harness.ts";
import { catalog, payload } from "./local.ts";

const TYPE = "context.updated";

/** Counts of the latency cases. */
export interface LatencyOptions {
  /** Local: timed samples per case. */
  samples: number;
  /** Local: untimed events before them. */
  warmup: number;
}

/** One latency case; `run` returns the samples in milliseconds. */
export interface LatencyCase {
  suite: string;
  name: string;
  baseline?: boolean;
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

// ------------------------------------------------------------------ cases

/** Every latency case, baseline first within each suite. */
export function latencyCases(options: LatencyOptions): LatencyCase[] {
  const handler = "latency local, publish -> handler";
  const iterator = "latency local, publish -> events()";
  const local = (
    suite: string,
    name: string,
    run: () => Promise<LatencyRun>,
    baseline = false,
  ): LatencyCase => ({
    suite,
    name: `${suite}: ${name}`,
    baseline,
    offered: "one at a time",
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
