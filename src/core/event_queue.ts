// The bounded buffer behind `events()` (and the nats status stream): a ring
// of pending events and at most one waiting reader.
import type { CaughtUp, EventStream, OverflowPolicy } from "./bus.ts";
import { OverflowError } from "./errors.ts";
import { endedEarly } from "./subscription.ts";

type Waiter<E> = {
  resolve: (result: IteratorResult<E>) => void;
  reject: (error: unknown) => void;
};

/** An EventStream fed by `push()`. */
export class EventQueue<E> implements EventStream<E> {
  /**
   * Set by the bus: the subscription whose `ready` this stream's `ready`
   * is (reading it counts as reading the subscription's).
   */
  sub: { readonly ready: Promise<void> } | undefined;

  /** Resolves once the transport delivers to it. */
  get ready(): Promise<void> {
    return this.sub?.ready ?? Promise.resolve();
  }
  /** Set by the bus (see {@linkcode EventQueue.passed}). */
  declare caughtUp: Promise<CaughtUp>;
  /** Events pushed so far; less `#size`: those taken or dropped. */
  #in = 0;
  /** What {@linkcode EventQueue.passed} waits for: a count and its settle. */
  #until: [number, (ok: boolean) => void] | undefined;
  #ring: (E | undefined)[];
  #head = 0;
  #size = 0;
  #waiter: Waiter<E> | undefined;
  #done = false;
  #error: unknown = undefined;
  #dropped = 0;
  #pattern: string;
  #policy: OverflowPolicy;
  #onDrop: (first: boolean) => void;
  #onEnd: () => void;
  #dropping = false;

  constructor(
    pattern: string,
    capacity: number,
    policy: OverflowPolicy,
    onDrop: (first: boolean) => void,
    onEnd: () => void,
  ) {
    this.#pattern = pattern;
    this.#ring = new Array(capacity);
    this.#policy = policy;
    this.#onDrop = onDrop;
    this.#onEnd = onEnd;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Hands `event` to the waiting reader or buffers it. */
  push(event: E): void {
    if (this.#done) return;
    this.#in++;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
      return;
    }
    const cap = this.#ring.length;
    if (this.#size === cap) {
      if (this.#policy === "error") {
        this.fail(new OverflowError(this.#pattern, cap));
        return;
      }
      // drop-oldest: overwrite the head slot.
      this.#ring[this.#head] = event;
      this.#head = (this.#head + 1) % cap;
      this.#dropped++;
      this.#onDrop(!this.#dropping);
      this.#dropping = true;
      return;
    }
    this.#ring[(this.#head + this.#size) % cap] = event;
    this.#size++;
  }

  /** Ends the stream after the buffered events are read. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onEnd();
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#size === 0) {
      this.#waiter = undefined;
      waiter.resolve({ value: undefined, done: true });
    }
  }

  /** Ends the stream with `error`, discarding buffered events. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#in -= this.#size;
    this.#size = 0;
    this.#ring.fill(undefined);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter !== undefined) waiter.reject(error);
    else this.#error = error;
    this.end();
  }

  /**
   * Resolves once the first `n` events pushed were taken or dropped and the
   * reader asks for more (or is waiting already); rejects if the stream
   * ends before.
   */
  passed(caught: CaughtUp): Promise<CaughtUp> {
    return new Promise((resolve, reject) => {
      this.#until = [
        caught.replayed,
        (ok) => ok ? resolve(caught) : reject(endedEarly()),
      ];
      // Settled now if the stream ended with nothing left to read.
      this.#pass(
        !caught.replayed || !!this.#waiter || this.#done,
        this.#done && !this.#size,
      );
    });
  }

  /** Settles `passed` if the reader asks for more (`asking`) past it. */
  #pass(asking: boolean, ending?: boolean): void {
    const until = this.#until;
    const ok = asking && this.#in - this.#size >= until?.[0]!;
    if (ok || ending) {
      this.#until = undefined;
      until?.[1](ok);
    }
  }

  next(): Promise<IteratorResult<E>> {
    // The reader asks for more. With nothing buffered, a `passed` still
    // short of its count cannot be reached: the stream ended first.
    this.#pass(true, !this.#size);
    if (this.#size > 0) {
      const cap = this.#ring.length;
      const value = this.#ring[this.#head] as E;
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % cap;
      this.#size--;
      this.#dropping = false;
      return Promise.resolve({ value, done: false });
    }
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) {
      return Promise.reject(
        new TypeError("events(): next() called again before it settled"),
      );
    }
    this.#dropping = false;
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<E>> {
    this.#pass(true, true);
    // Discarded, not taken: a later `passed` must not count them.
    this.#in -= this.#size;
    this.#size = 0;
    this.#ring.fill(undefined);
    this.#error = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
