// Cheap event ids and timestamps for the publish hot path. A random UUID and
// `new Date().toISOString()` per event cost more than the dispatch itself.

/** `length` random base-36 characters. */
export function randomId(length: number): string {
  let id = "";
  for (const b of crypto.getRandomValues(new Uint8Array(length))) {
    id += (b % 36).toString(36);
  }
  return id;
}

/**
 * Makes ids `<random prefix>-<n>-<m>`, unique across processes. `m` counts
 * to 999 and then `n` goes up: formatting a small number is a cache hit in
 * V8, while formatting an ever larger counter cost ~40 ns per event, a
 * fifth of a local publish.
 */
export class IdGenerator {
  #prefix: string;
  #head: string;
  #high = 0;
  #low = 0;

  constructor() {
    this.#prefix = randomId(10) + "-";
    this.#head = this.#prefix + "0-";
  }

  next(): string {
    if (this.#low === 1000) {
      this.#low = 0;
      this.#head = `${this.#prefix}${++this.#high}-`;
    }
    return this.#head + this.#low++;
  }
}

/** Publishes in one synchronous burst that may share a clock reading. */
const REUSE = 16;

/**
 * Returns the current time as RFC 3339. `Date.now()` costs about as much as
 * a dispatch, so one reading serves up to 16 calls in the same synchronous
 * run (a microtask ends the run's reuse; a longer run reads the clock again
 * every 16 calls), and the string is formatted at most once per
 * millisecond.
 */
export class Clock {
  #ms = -1;
  #iso = "";
  #reuse = 0;
  /** A microtask that ends the reuse is queued (one per synchronous run). */
  #queued = false;
  #expire = () => {
    this.#reuse = 0;
    this.#queued = false;
  };

  now(): string {
    if (this.#reuse > 0) {
      this.#reuse--;
      return this.#iso;
    }
    const ms = Date.now();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#iso = new Date(ms).toISOString();
    }
    this.#reuse = REUSE - 1;
    // One microtask per run, not one per reading: a loop of 500,000
    // publishes queued 31,000 of them, which outlived young-generation GCs.
    if (!this.#queued) {
      this.#queued = true;
      queueMicrotask(this.#expire);
    }
    return this.#iso;
  }
}
