// Cheap event ids and timestamps for the publish hot path. A random UUID and
// `new Date().toISOString()` per event cost more than the dispatch itself.

/** Makes ids `<random prefix>-<counter in base 36>`, unique across processes. */
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
    return this.#prefix + (this.#next++).toString(36);
  }
}

/** Returns the current time as RFC 3339, formatting once per millisecond. */
export class Clock {
  #ms = -1;
  #iso = "";

  now(): string {
    const ms = Date.now();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#iso = new Date(ms).toISOString();
    }
    return this.#iso;
  }
}
