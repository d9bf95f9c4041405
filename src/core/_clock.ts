// Cheap event ids and timestamps for the publish hot path. A random UUID and
// `new Date().toISOString()` per event cost more than the dispatch itself.

/** Makes ids `<random prefix>-<counter>`, unique across processes. */
export class IdGenerator {
  #prefix: string;
  #next = 0;

  constructor() {
    const bytes = crypto.getRandomValues(new Uint8Array(10));
    let prefix = "";
    for (const b of bytes) prefix += (b % 36).toString(36);
    this.#prefix = prefix + "-";
  }

  next(): string {
    return this.#prefix + this.#next++;
  }
}

/** Publishes in one synchronous burst that may share a clock reading. */
const REUSE = 16;

/**
 * Returns the current time as RFC 3339. `Date.now()` costs about as much as
 * a dispatch, so one reading serves up to 16 calls in the same synchronous
 * run (a microtask ends the run's reuse), and the string is formatted at
 * most once per millisecond.
 */
export class Clock {
  #ms = -1;
  #iso = "";
  #reuse = 0;
  #expire = () => {
    this.#reuse = 0;
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
    queueMicrotask(this.#expire);
    return this.#iso;
  }
}
