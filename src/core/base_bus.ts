/**
 * What every transport shares: publish (envelopes are built by
 * `event_builder.ts`), subscribe, handler isolation, counters, `events()`,
 * `once()` and close bookkeeping. A transport extends
 * {@linkcode BaseEventBus} and implements delivery (`_attach`, `_detach`,
 * `_send`, `_hasSubscribers`, `_shutdown`).
 *
 * @module
 */

import type {
  BusHealth,
  BusStats,
  ErrorContext,
  ErrorHandler,
  EventBus,
  EventHandler,
  EventOf,
  EventsOptions,
  EventStream,
  MatchedEvent,
  OnceOptions,
  PatternOf,
  PublishOptions,
  ResumeGap,
  SubscribeOptions,
  Subscription,
} from "./bus.ts";
import type { EventCatalog, EventInput, EventType } from "./catalog.ts";
import type { CloudEvent } from "./envelope.ts";
import { type BusOptions, defaultOnError } from "./bus_options.ts";
import {
  type EventBuilder,
  eventBuilder,
  type Lane,
  namesOlderVersion,
} from "./event_builder.ts";
import { BusClosedError } from "./errors.ts";
import { noSuchType } from "./_suggest.ts";
import { createEventStream, type StreamHost, waitForEvent } from "./streams.ts";
import { BusSubscription } from "./subscription.ts";
import { checkSubscribe } from "./subscribe_options.ts";
import { randomId } from "./_clock.ts";

export type { BusOptions } from "./bus_options.ts";
export type { Lane } from "./event_builder.ts";
export { BusSubscription } from "./subscription.ts";

/** The shared implementation of {@linkcode EventBus}. */
export abstract class BaseEventBus<
  C extends EventCatalog = EventCatalog,
  R = unknown,
> implements EventBus<C> {
  readonly catalog: C;
  abstract readonly transport: string;
  readonly source: string;
  /** Live counters; `stats()` returns a copy. */
  protected readonly counters: BusStats = {
    published: 0,
    delivered: 0,
    handlerErrors: 0,
    dropped: 0,
    invalid: 0,
  };
  #onError: ErrorHandler;
  #builder: EventBuilder<R>;
  #subscriptions = new Set<BusSubscription>();
  #closing: Promise<void> | undefined;
  #running = 0;
  #idle: (() => void) | undefined;
  #settle = () => {
    if (--this.#running === 0 && this.#idle !== undefined) this.#idle();
  };

  constructor(catalog: C, options: BusOptions = {}) {
    this.catalog = catalog;
    this.source = options.source ??
      `/mcb/event-bus/${randomId(10)}`;
    this.#onError = options.onError ?? defaultOnError;
    this.#builder = eventBuilder(
      catalog,
      this.source,
      options.validate ?? true,
    );
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * The lane of `type`, made on first use.
   *
   * @throws {EventTypeError} when `type` is not in the catalog.
   */
  protected lane(type: string): Lane<R> {
    return this.#builder.lane(type);
  }

  /**
   * Hands the built event to the transport; resolves once accepted. `lane`
   * is the lane of `event.type`; `older` is the publish's version decision
   * (see `namesOlderVersion`): the event names an older version of its type.
   */
  protected abstract _send(
    event: CloudEvent,
    lane: Lane<R>,
    older: boolean,
  ): Promise<void> | void;
  /** Starts delivering to a new subscription. */
  protected abstract _attach(sub: BusSubscription): void;
  /** Stops delivering to an ended subscription. */
  protected abstract _detach(sub: BusSubscription): void;
  /** Whether `type` has a subscriber here. */
  protected abstract _hasSubscribers(type: string): boolean;
  /** Releases the transport after subscriptions ended and handlers settled. */
  protected abstract _shutdown(): Promise<void>;

  publish<T extends EventType<C>>(
    type: T,
    data: EventInput<C, T>,
    options?: PublishOptions,
  ): Promise<EventOf<C, T>> {
    if (this.#closing !== undefined) {
      return Promise.reject(new BusClosedError(`publish("${type}")`));
    }
    let event: CloudEvent;
    let lane: Lane<R>;
    let older: boolean;
    try {
      lane = this.#builder.lane(type);
      older = namesOlderVersion(lane, options);
      event = this.#builder.build(lane, data, options, older);
    } catch (error) {
      this.counters.invalid++;
      return Promise.reject(error);
    }
    let sent: Promise<void> | void;
    try {
      sent = this._send(event, lane, older);
    } catch (error) {
      // publish() never throws: a transport's synchronous refusal (size,
      // encoding) is a rejection like any other; a bad value is invalid.
      if ((error as Error)?.name === "ValidationError") this.counters.invalid++;
      return Promise.reject(error);
    }
    if (sent === undefined) {
      this.counters.published++;
      return Promise.resolve(event as EventOf<C, T>);
    }
    return sent.then(() => {
      this.counters.published++;
      return event as EventOf<C, T>;
    });
  }

  subscribe<P extends string>(
    pattern: PatternOf<C, P>,
    handler: EventHandler<MatchedEvent<C, P>>,
    options?: SubscribeOptions,
  ): Subscription {
    return this.#subscribe(
      pattern,
      handler as EventHandler<CloudEvent>,
      options,
    );
  }

  #subscribe(
    pattern: string,
    handler: EventHandler<CloudEvent>,
    options: SubscribeOptions | undefined,
    onEnd?: (busClosed: boolean) => void,
  ): BusSubscription {
    if (this.#closing !== undefined) {
      throw new BusClosedError(`subscribe("${pattern}")`);
    }
    checkSubscribe(pattern, handler, options);
    const types = this.catalog.typesMatching(pattern);
    if (types.length === 0) {
      throw noSuchType(pattern, this.catalog.types, true);
    }
    const sub = new BusSubscription(
      this,
      pattern,
      types,
      handler,
      options,
      onEnd,
    );
    if (options?.signal?.aborted) {
      sub.active = false;
      return sub;
    }
    this.#subscriptions.add(sub);
    try {
      this._attach(sub);
    } catch (error) {
      this.#subscriptions.delete(sub);
      sub.active = false;
      throw error;
    }
    return sub;
  }

  /** Called by a subscription when it ends. */
  _release(sub: BusSubscription): void {
    if (this.#subscriptions.delete(sub)) this._detach(sub);
  }

  /** Delivers `event` to one subscription, isolating its errors. */
  protected deliver(sub: BusSubscription, event: CloudEvent): void {
    if (sub.once) sub.unsubscribe();
    this.counters.delivered++;
    // Count a delivery of the history (see `Subscription.caughtUp`).
    const replaying = sub.catching && ++sub.replayed && (sub.last = event);
    try {
      const result = sub.handler(event);
      if (result !== undefined && typeof result.then === "function") {
        this.#running++;
        if (replaying) {
          sub.pending++;
          result.then(sub.handled, sub.handled);
        }
        result.then(this.#settle, (error) => {
          this.#handlerError(error, sub, event);
          this.#settle();
        });
      }
    } catch (error) {
      this.#handlerError(error, sub, event);
    }
  }

  /**
   * Delivers `event` and waits for the handler (for acked deliveries).
   * Resolves with the handler's error, or `undefined` on success.
   */
  protected async deliverAndWait(
    sub: BusSubscription,
    event: CloudEvent,
  ): Promise<unknown> {
    if (sub.once) sub.unsubscribe();
    this.counters.delivered++;
    this.#running++;
    try {
      await sub.handler(event);
      return undefined;
    } catch (error) {
      this.#handlerError(error, sub, event);
      return error ?? new Error("handler failed without a reason");
    } finally {
      this.#settle();
    }
  }

  /**
   * Tells a resumed subscription it could not start exactly after its
   * position (before its first event); a throwing `onGap` is isolated.
   */
  protected reportGap(sub: BusSubscription, gap: ResumeGap): void {
    if (!sub.active || sub.onGap === undefined) return;
    try {
      sub.onGap(gap);
    } catch (error) {
      this.counters.handlerErrors++;
      this.report(error, { kind: "handler", pattern: sub.pattern });
    }
  }

  /** Subscriptions not yet ended. */
  protected get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  #handlerError(error: unknown, sub: BusSubscription, event: CloudEvent): void {
    this.counters.handlerErrors++;
    this.report(error, { kind: "handler", pattern: sub.pattern, event });
  }

  /** Passes an isolated error to `onError`; never throws. */
  protected report(error: unknown, context: ErrorContext): void {
    try {
      this.#onError(error, context);
    } catch {
      // onError must not throw; if it does there is nowhere left to report.
    }
  }

  events<P extends string>(
    pattern: PatternOf<C, P>,
    options?: EventsOptions,
  ): EventStream<MatchedEvent<C, P>> {
    return createEventStream(this.#host, pattern, options) as EventStream<
      MatchedEvent<C, P>
    >;
  }

  once<P extends string>(
    pattern: PatternOf<C, P>,
    options?: OnceOptions,
  ): Promise<MatchedEvent<C, P>> {
    return waitForEvent(this.#host, pattern, options) as Promise<
      MatchedEvent<C, P>
    >;
  }

  /** What `events()` and `once()` need from the bus. */
  #host: StreamHost = {
    subscribe: (pattern, handler, options, onEnd) =>
      this.#subscribe(pattern, handler, options, onEnd),
    dropped: () => this.counters.dropped++,
    report: (error, context) => this.report(error, context),
  };

  hasSubscribers(type: EventType<C>): boolean {
    return this._hasSubscribers(type);
  }

  /** The resume position of `event` (see `EventBus.position`). */
  abstract position(event: CloudEvent): string | undefined;

  stats(): BusStats {
    return { ...this.counters };
  }

  abstract health(): BusHealth;

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const sub of [...this.#subscriptions]) sub.end(true);
    if (this.#running > 0) {
      await new Promise<void>((resolve) => (this.#idle = resolve));
    }
    await this._shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
