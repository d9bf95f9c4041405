// Measurement helpers of the peers bench (plain JavaScript, run by Node 24):
// the test-owned ledger, open-loop offering, a sliding publish window,
// bounded waits and percentiles. See scripts/bench/peers.ts for the design.
// No imports: nats_latency.ts (Deno, Node, Bun) offers its events with the
// same `offer`, `now` and `sleep`.

/** Wall-clock milliseconds with sub-microsecond resolution. */
export const now = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Settles like `promise`, or rejects with "<label>: timed out after <ms> ms".
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} label
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label}: timed out after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Every id the test sent, received exactly once. `hit(id, latencyMs)` is
 * called by the library's handler; `until(n)` waits for n distinct ids and
 * fails after `stallMs` without progress; `check()` fails on any duplicate,
 * unknown or missing id.
 */
export class Ledger {
  /** @param {string} label @param {number} total */
  constructor(label, total) {
    this.label = label;
    this.total = total;
    this.counts = new Uint8Array(total);
    this.latency = new Float64Array(total);
    this.received = 0;
    this.duplicates = 0;
    this.unknown = 0;
    this.lastAt = 0;
    this.wake = undefined;
    this.target = Infinity;
  }

  /** @param {unknown} id @param {number} latencyMs */
  hit(id, latencyMs) {
    if (!Number.isInteger(id) || id < 0 || id >= this.total) {
      this.unknown++;
      return;
    }
    if (this.counts[id]++ > 0) {
      this.duplicates++;
      return;
    }
    this.latency[id] = latencyMs;
    this.received++;
    this.lastAt = performance.now();
    if (this.received >= this.target) this.wake?.();
  }

  /** Waits until `n` distinct ids arrived; fails on a stall. */
  async until(n, what, stallMs = 10_000) {
    if (this.received >= n) return;
    this.target = n;
    let last = this.received;
    let since = performance.now();
    let timer;
    try {
      await new Promise((resolve, reject) => {
        this.wake = resolve;
        timer = setInterval(() => {
          if (this.received !== last) {
            last = this.received;
            since = performance.now();
          } else if (performance.now() - since > stallMs) {
            reject(
              new Error(
                `${this.label} (${what}): ${n - this.received} of ${n} ` +
                  `events missing, no progress for ${stallMs} ms`,
              ),
            );
          }
        }, 100);
      });
    } finally {
      clearInterval(timer);
      this.wake = undefined;
      this.target = Infinity;
    }
  }

  /** Throws unless every id arrived exactly once and nothing else did. */
  check() {
    const problems = [];
    if (this.duplicates > 0) problems.push(`${this.duplicates} duplicates`);
    if (this.unknown > 0) problems.push(`${this.unknown} unknown ids`);
    if (this.received !== this.total) {
      const missing = [];
      for (let i = 0; i < this.total && missing.length < 5; i++) {
        if (this.counts[i] === 0) missing.push(i);
      }
      problems.push(
        `${this.total - this.received} missing (first: ${missing.join(", ")})`,
      );
    }
    if (problems.length > 0) {
      throw new Error(`${this.label}: ${problems.join(", ")}`);
    }
  }
}

/**
 * Offers `count` sends at `rate` per second (open loop): each timer turn
 * calls `send(i)` for every event whose slot has come, without waiting for
 * earlier sends to complete.
 */
export async function offer(rate, count, first, send) {
  const interval = 1000 / rate;
  const start = performance.now();
  let i = 0;
  while (i < count) {
    const due = start + i * interval;
    const t = performance.now();
    if (t >= due) {
      send(first + i);
      i++;
    } else await sleep(due - t);
  }
}

/** Calls `fn(i)` for i in [0, n) with at most `limit` calls outstanding. */
export async function slidingWindow(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Nearest-rank percentiles of `samples` (ms), rounded to 1 µs. */
export function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const ms = (x) => Math.round(x * 1000) / 1000;
  return {
    samples: sorted.length,
    p50: ms(at(0.5)),
    p99: ms(at(0.99)),
    p999: ms(at(0.999)),
    max: ms(sorted[sorted.length - 1]),
  };
}
