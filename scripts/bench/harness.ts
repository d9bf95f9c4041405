/**
 * A small throughput harness shared by the bench modules (local today, NATS
 * later): warm up, time rounds of a fixed number of events, take the median,
 * and check after every round that each handler really ran.
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

export interface BenchOptions {
  /** Events per timed round. */
  events: number;
  rounds: number;
  /** Events published before timing starts. */
  warmup: number;
}

export interface BenchResult {
  suite: string;
  name: string;
  subscribers: number;
  baseline: boolean;
  /** Median of the rounds, in published events per second. */
  medianEventsPerSec: number;
  /** Median divided by the baseline's median (same suite and subscribers). */
  ratio: number | null;
  roundsEventsPerSec: number[];
}

// A publish that is not awaited may reject (validation, closed bus). While a
// case runs, such a rejection is caught here instead of crashing the process,
// and the round that produced it fails with a clear message.
const rejections: unknown[] = [];
function onRejection(event: PromiseRejectionEvent): void {
  event.preventDefault();
  rejections.push(event.reason);
}

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Measures one case: warm-up, then `rounds` timed rounds. */
export async function measure(
  c: BenchCase,
  options: BenchOptions,
): Promise<BenchResult> {
  rejections.length = 0;
  globalThis.addEventListener("unhandledrejection", onRejection);
  let instance: BenchInstance | undefined;
  try {
    instance = await c.create();
    if (options.warmup > 0) await publishChecked(c, instance, options.warmup);
    const rates: number[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const ms = await publishChecked(c, instance, options.events);
      rates.push(options.events / (ms / 1000));
    }
    return {
      suite: c.suite,
      name: c.name,
      subscribers: c.subscribers,
      baseline: c.baseline === true,
      medianEventsPerSec: median(rates),
      ratio: null,
      roundsEventsPerSec: rates.map(Math.round),
    };
  } finally {
    await instance?.close?.();
    globalThis.removeEventListener("unhandledrejection", onRejection);
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
  for (const result of results) {
    const base = results.find((b) =>
      b.baseline && b.suite === result.suite &&
      b.subscribers === result.subscribers
    );
    if (base !== undefined) {
      result.ratio = result.medianEventsPerSec / base.medianEventsPerSec;
    }
  }
  return results;
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
