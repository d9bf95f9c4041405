/**
 * The subscription object every transport hands out.
 *
 * @module
 */

import type {
  CaughtUp,
  EventHandler,
  ResumeGap,
  StartFrom,
  SubscribeOptions,
  Subscription,
} from "./bus.ts";
import type { CloudEvent } from "./envelope.ts";

/** What a subscription needs from its bus. */
export interface SubscriptionOwner {
  /** Called once when the subscription ends. */
  _release(sub: BusSubscription): void;
  /** The resume position of a delivered event. */
  position(event: CloudEvent): string | undefined;
}

const READY = Promise.resolve();

/** Why a `caughtUp` promise rejects: its subscription or stream ended first. */
export const endedEarly = (): DOMException =>
  new DOMException("the subscription ended before it caught up", "AbortError");

/** A subscription as transports see it: pattern, resolved types, handler. */
export class BusSubscription implements Subscription {
  /** False once ended; transports skip inactive subscriptions. */
  active = true;
  readonly pattern: string;
  /** Catalog types the pattern selects. */
  readonly types: readonly string[];
  readonly handler: EventHandler<CloudEvent>;
  readonly once: boolean;
  /** Competing-consumer group, if any. */
  readonly group: string | undefined;
  /** Where delivery starts. */
  readonly from: StartFrom;
  /** Told when `from: { after }` cannot resume exactly. */
  readonly onGap: ((gap: ResumeGap) => void) | undefined;
  /**
   * Set by the transport (those with asynchronous setup, in `_attach`):
   * resolves once it delivers, or rejects.
   */
  started: Promise<void> = READY;
  /**
   * Whether `ready` was read: a failure to start then goes there only,
   * not also to `onError` (each failure is reported once).
   */
  observed = false;
  declare readonly caughtUp: Promise<CaughtUp>;
  /**
   * While true, the transport is replaying history: the bus counts each
   * delivery in `replayed` and keeps the `last` one. {@linkcode caught}
   * ends it.
   */
  catching = true;
  replayed = 0;
  declare last: CloudEvent | undefined;
  /** Async handlers of replayed events still running, +1 until caught. */
  pending = 1;
  #settle!: (result?: CaughtUp) => void;
  #bus: SubscriptionOwner;
  #signal: AbortSignal | undefined;
  #onEnd: ((busClosed: boolean) => void) | undefined;

  constructor(
    bus: SubscriptionOwner,
    pattern: string,
    types: readonly string[],
    handler: EventHandler<CloudEvent>,
    options: SubscribeOptions | undefined,
    onEnd?: (busClosed: boolean) => void,
  ) {
    this.#bus = bus;
    this.pattern = pattern;
    this.types = types;
    this.handler = handler;
    this.once = options?.once === true;
    this.group = options?.group;
    this.from = options?.from ?? "new";
    this.onGap = options?.onGap;
    this.#onEnd = onEnd;
    this.caughtUp = new Promise((resolve, reject) =>
      this.#settle = (result) => result ? resolve(result) : reject(endedEarly())
    );
    this.caughtUp.catch(() => {});
    const signal = options?.signal;
    if (signal !== undefined) {
      this.#signal = signal;
      signal.addEventListener("abort", this, { once: true });
    }
  }

  get ready(): Promise<void> {
    this.observed = true;
    return this.started;
  }

  /**
   * The transport delivered the history: `caughtUp` resolves once the
   * async handlers of those events settled. A transport calls it
   * exactly once per subscription (it is not idempotent: it counts down).
   */
  caught(): void {
    this.catching = false;
    this.handled();
  }

  /** An async handler of a replayed event settled (or `caught`). */
  handled = (): void => {
    const last = this.last;
    --this.pending || this.#settle({
      replayed: this.replayed,
      position: last && this.#bus.position(last),
    });
  };

  get closed(): boolean {
    return !this.active;
  }

  /** Abort listener (the object itself, so no closure per subscription). */
  handleEvent(): void {
    this.unsubscribe();
  }

  unsubscribe(): void {
    this.end(false);
  }

  /** Ends the subscription; `busClosed` tells consumers why. */
  end(busClosed: boolean): void {
    if (!this.active) return;
    this.active = false;
    if (this.catching) this.#settle();
    this.#signal?.removeEventListener("abort", this);
    this.#bus._release(this);
    this.#onEnd?.(busClosed);
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }
}
