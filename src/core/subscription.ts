/**
 * The subscription object every transport hands out.
 *
 * @module
 */

import type {
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
}

const READY = Promise.resolve();

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
  /** Transports with asynchronous setup replace it in `_attach`. */
  /** Set by the transport: resolves once it delivers, or rejects. */
  started: Promise<void> = READY;
  /**
   * Whether `ready` was read: a failure to start then goes there only,
   * not also to `onError` (each failure is reported once).
   */
  observed = false;
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
    this.#signal?.removeEventListener("abort", this);
    this.#bus._release(this);
    this.#onEnd?.(busClosed);
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }
}
