/**
 * A small throughput harness shared by the bench modules (local, NATS,
 * async, and the Node and Bun runs of `runtimes.ts`): warm up, time rounds
 * of a fixed number of events, take the median, and check after every round
 * that each handler really ran. Also the shared result shape (with latency
 * percentiles and memory figures for the suites that have them),
 * percentiles and table formatting.
 *
 * Runtime-neutral, like `local.ts` and `async.ts`: web APIs only (no
 * `Deno.*`), so Node and Bun run this same file (`portable.ts`).
 *
 * @module
 */

/** A case set up and ready to publish. */
export interface BenchInstance {
  /** Publishes `n` events (fire-and-forget is fine if delivery is synchronous). */
  run(n: number): void | Promise<void>;
  /** Handler calls since the previous call; resets the count. */
  takeDelivered(): number;
  /** Releases the instance (closes the bus, removes listeners). */
  close?(): void | Promise<void>;
}

/** One row of the results: what is measured and how to set it up. */
export interface BenchCase {
  /** Groups rows; ratios compare rows of the same suite. */
  suite: string;
  name: string;
  subscribers: number;
  /** The reference row of its suite and subscriber count (ratio 1.00). */
  baseline?: boolean;
  create(): BenchInstance | Promise<BenchInstance>;
}

/**
 * The cases of `suite` for each of `subscriberCounts`: one per
 * `[name, create]` of `variants`, in order, the first one the baseline of
 * its subscriber count.
 */
export function suiteCases(
  suite: string,
  subscriberCounts: number[],
  variants: readonly (readonly [
    name: string,
    create: (subscribers: number) => BenchInstance | Promise<BenchInstance>,
  ])[],
): BenchCase[] {
  return subscriberCounts.flatMap((subscribers) =>
    variants.map(([name, create], i): BenchCase => ({
      suite,
      subscribers,
      ...i === 0 ? { baseline: true } : {},
      name,
      create: () => create(subscribers),
    }))
  );
}

export interface BenchOptions {
  /** Events per timed round. */
  events: number;
  rounds: number;
  /** Events published before timing starts. */
  warmup: number;
}

/** Latency percentiles of one case, in microseconds. */
export interface LatencySummary {
  samples: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

/** `Deno.memoryUsage()` after `gc()`, bytes. */
export interface MemorySnapshot {
  heapUsed: number;
  /** V8 heap reserved (used + free pages, new space included). */
  heapTotal: number;
  /** Memory of ArrayBuffers and other objects outside the V8 heap. */
  external: number;
  rss: number;
}

/** Heap and RSS of one memory scenario, in bytes (see `memory.ts`). */
export interface MemorySummary {
  /** What one unit of `units` is ("events", "cycles"). */
  unit: string;
  units: number;
  warmupUnits: number;
  /** After set-up, before the warm-up. */
  start: MemorySnapshot;
  /** After the warm-up (the reference for growth). */
  warm: MemorySnapshot;
  /** After the measured run. */
  end: MemorySnapshot;
  /** After a second run of the same size. */
  again: MemorySnapshot;
  /** `end - warm`: what the measured run kept. */
  heapGrowth: number;
  rssGrowth: number;
  /** `again - end`: what the second run kept. */
  heapGrowthAgain: number;
  rssGrowthAgain: number;
  /** Allowed heap growth in each run after warm-up. */
  heapBound: number;
  /** Both heap growths under `heapBound`. */
  met: boolean;
}

export interface BenchResult {
  suite: string;
  name: string;
  subscribers: number;
  baseline: boolean;
  /**
   * Median of the rounds, in published events per second (latency cases:
   * the rate achieved while sampling; memory: the rate of the measured run).
   */
  medianEventsPerSec: number;
  /**
   * Against the baseline of the same suite and subscriber count, by
   * `ratioOf`: "events/s" is this median over the baseline's (higher is
   * better); "p50 latency" is this p50 over the baseline's (lower is
   * better). `null` when the suite has no baseline.
   */
  ratio: number | null;
  ratioOf: "events/s" | "p50 latency" | null;
  roundsEventsPerSec: number[];
  latency?: LatencySummary;
  memory?: MemorySummary;
  /**
   * The `runtimes` suite: the runtime that measured the row (e.g. `"node
   * 24.21.0"`), in its own process with its own baseline.
   */
  runtime?: string;
  /** The `runtimes` suite: the suite of the case in that runtime. */
  runtimeSuite?: string;
}

/**
 * Installs a handler of unhandled promise rejections (it must keep the
 * process alive) and returns the function that removes it.
 */
export type RejectionTrap = (
  onReason: (reason: unknown) => void,
) => () => void;

/**
 * The web-standard trap: `unhandledrejection` on `globalThis` (Deno,
 * browsers). Node has no global `addEventListener`, and Bun has one but
 * dispatches no `unhandledrejection` to it: their runners set a
 * `process.on("unhandledRejection")` trap with {@linkcode setRejectionTrap}.
 */
const webTrap: RejectionTrap = (onReason) => {
  const listener = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    onReason(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  return () => globalThis.removeEventListener("unhandledrejection", listener);
};

let trap: RejectionTrap = webTrap;

/** Replaces how `measure` traps unhandled rejections (see `webTrap`). */
export function setRejectionTrap(replacement: RejectionTrap): void {
  trap = replacement;
}

// A publish that is not awaited may reject (validation, closed bus). While a
// case runs, such a rejection is caught here instead of crashing the process,
// and the round that produced it fails with a clear message.
const rejections: unknown[] = [];
const onReason = (reason: unknown) => void rejections.push(reason);

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function publishChecked(
  c: BenchCase,
  instance: BenchInstance,
  n: number,
): Promise<number> {
  const start = performance.now();
  const pending = instance.run(n);
  if (pending !== undefined) await pending;
  const ms = performance.now() - start;
  await tick(); // let unhandled rejections surface before checking
  const rejected = rejections.splice(0);
  if (rejected.length > 0) {
    throw new Error(`${c.name}: ${rejected.length} publishes rejected`, {
      cause: rejected[0],
    });
  }
  const delivered = instance.takeDelivered();
  const expected = n * c.subscribers;
  if (delivered !== expected) {
    throw new Error(
      `${c.name} x${c.subscribers}: ${delivered} handler calls, expected ${expected}`,
    );
  }
  return ms;
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The result of case `c` whose rounds ran at `rates` events/s: their
 * median, and `rounds` as its rounds' figures; `ratio` is left to
 * {@linkcode fillRatios}.
 */
export function resultOf(
  c: BenchCase,
  rates: number[],
  rounds: number[] = rates,
): BenchResult {
  return {
    suite: c.suite,
    name: c.name,
    subscribers: c.subscribers,
    baseline: c.baseline === true,
    medianEventsPerSec: median(rates),
    ratio: null,
    ratioOf: "events/s",
    roundsEventsPerSec: rounds,
  };
}

/** Measures one case: warm-up, then `rounds` timed rounds. */
export async function measure(
  c: BenchCase,
  options: BenchOptions,
): Promise<BenchResult> {
  rejections.length = 0;
  const untrap = trap(onReason);
  let instance: BenchInstance | undefined;
  try {
    instance = await c.create();
    if (options.warmup > 0) await publishChecked(c, instance, options.warmup);
    const rates: number[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const ms = await publishChecked(c, instance, options.events);
      rates.push(options.events / (ms / 1000));
    }
    return resultOf(c, rates, rates.map(Math.round));
  } finally {
    await instance?.close?.();
    untrap();
  }
}

/** Measures every case in order, then fills in `ratio`. */
export async function runCases(
  cases: BenchCase[],
  options: BenchOptions,
  onResult?: (result: BenchResult) => void,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const c of cases) {
    const result = await measure(c, options);
    results.push(result);
    onResult?.(result);
  }
  fillRatios(results);
  return results;
}

/**
 * Sets `ratio` of every result that has a baseline (same suite and
 * subscriber count), by its `ratioOf`.
 */
export function fillRatios(results: BenchResult[]): void {
  for (const result of results) {
    const base = results.find((b) =>
      b.baseline && b.suite === result.suite &&
      b.subscribers === result.subscribers
    );
    if (base === undefined) continue;
    if (result.ratioOf === "events/s") {
      result.ratio = result.medianEventsPerSec / base.medianEventsPerSec;
    } else if (
      result.ratioOf === "p50 latency" && result.latency && base.latency
    ) {
      result.ratio = result.latency.p50Us / base.latency.p50Us;
    }
  }
}

/**
 * Percentiles of `samples` (milliseconds, as `performance.now()` gives
 * them), in microseconds. Nearest-rank: p99 is the smallest sample that at
 * least 99% of the samples do not exceed.
 */
export function summarize(samples: Float64Array): LatencySummary {
  const n = samples.length;
  if (n === 0) throw new Error("no latency samples");
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * n) - 1)];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const us = (ms: number) => Math.round(ms * 1000 * 100) / 100;
  return {
    samples: n,
    p50Us: us(rank(0.5)),
    p99Us: us(rank(0.99)),
    maxUs: us(sorted[n - 1]),
    meanUs: us(sum / n),
  };
}

/** `"12.3 µs"`, `"1.23 ms"`: a latency for tables. */
export function formatUs(us: number): string {
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 1)} µs`;
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
}

/** `"1.5 MiB"`, `"-312 KiB"`: a byte count for tables. */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  if (abs < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Rows as an aligned text table: first column left, the others right. */
export function alignTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])
    )
      .join(" | ");
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.map(line),
  ].join("\n");
}

/** The results as an aligned text table. */
export function formatTable(results: BenchResult[]): string {
  const header = ["case", "subscribers", "median events/s", "ratio"];
  const rows = results.map((r) => [
    r.name,
    String(r.subscribers),
    Math.round(r.medianEventsPerSec).toLocaleString("en-US"),
    r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
  ]);
  return alignTable(header, rows);
}
