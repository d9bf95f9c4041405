// The bounded buffer behind `events()` (and the nats status stream): a ring
// of pending events and at most one waiting reader.
import type { EventStream, OverflowPolicy } from "./bus.ts";
import { OverflowError } from "./errors.ts";

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
    this.#size = 0;
    this.#ring.fill(undefined);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter !== undefined) waiter.reject(error);
    else this.#error = error;
    this.end();
  }

  next(): Promise<IteratorResult<E>> {
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
