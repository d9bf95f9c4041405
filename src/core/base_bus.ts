/**
 * What every transport shares: envelope building, handler isolation,
 * counters, `events()`, `once()` and close bookkeeping. A transport extends
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
  PublishOptions,
  ResumeGap,
  SubscribeOptions,
  Subscription,
} from "./bus.ts";
export { BusSubscription } from "./subscription.ts";
import type {
  EventCatalog,
  EventInput,
  EventSchema,
  EventType,
} from "./catalog.ts";
import { parseData } from "./_parse.ts";
import { applyEnvelopeOptions, type CloudEvent } from "./envelope.ts";
import { BusClosedError, EventTypeError } from "./errors.ts";
import { createEventStream, type StreamHost, waitForEvent } from "./streams.ts";
import { BusSubscription } from "./subscription.ts";
import { Clock, IdGenerator, randomId } from "./_clock.ts";

/** Options every transport accepts. */
export interface BusOptions {
  /**
   * CloudEvents `source` of published events: a URI-reference naming this
   * instance.
   *
   * @default {"/mcb/event-bus/<random id>"}
   */
  source?: string;
  /**
   * Receives handler errors, invalid events and overflow reports.
   *
   * @default {console.error}
   */
  onError?: ErrorHandler;
  /**
   * Validate `data` at publish. Turn off only for trusted producers whose
   * data is known to fit the schema (receivers on the nats transport still
   * validate).
   *
   * @default {true}
   */
  validate?: boolean;
}

/**
 * Per event type: what a publish needs from the catalog, and the
 * transport's own state for the type (e.g. its subscribers), so that a
 * publish looks the type up once.
 */
export interface Lane<R = unknown> {
  /** The current schema of `data`. */
  readonly schema: EventSchema;
  /**
   * The current version's dataschema for types declared with `versioned()`
   * (a publish may name an older version), else `undefined`.
   */
  readonly dataschema: string | undefined;
  /** The transport's state for this type (`undefined` until it sets it). */
  route: R | undefined;
}

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
  #validate: boolean;
  #ids = new IdGenerator();
  #lanes = new Map<string, Lane<R>>();
  #clock = new Clock();
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
    this.#validate = options.validate ?? true;
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
    return this.#lanes.get(type) ?? this.#newLane(type);
  }

  /** Validates and wraps `data` in an envelope. Throws on bad input. */
  protected buildEvent(
    type: string,
    data: unknown,
    options: PublishOptions | undefined,
    lane: Lane<R> = this.lane(type),
  ): CloudEvent {
    let value = data;
    if (this.#validate) {
      // A producer may publish an older version of a versioned type it
      // still speaks, by naming it in `dataschema`: parseAs checks the data
      // against that version. Everything else is checked against the
      // current schema.
      value = lane.dataschema !== undefined && options?.dataschema !== undefined
        ? this.catalog.parseAs(type, data, options.dataschema)
        : parseData(type, lane.schema, data);
    }
    const event: Record<string, unknown> = {
      specversion: "1.0",
      id: this.#ids.next(),
      source: this.source,
      type,
      time: this.#clock.now(),
      datacontenttype: "application/json",
      data: value,
    };
    if (lane.dataschema !== undefined) event.dataschema = lane.dataschema;
    if (options !== undefined) applyEnvelopeOptions(event, type, options);
    return event as unknown as CloudEvent;
  }

  /** What publishing `type` needs from the catalog, looked up once. */
  #newLane(type: string): Lane<R> {
    const catalog = this.catalog;
    if (!catalog.has(type)) {
      throw new EventTypeError(type, "it is not in the event catalog");
    }
    const lane: Lane<R> = {
      schema: catalog.schemas[type],
      dataschema: catalog.publishedDataschema(type),
      route: undefined,
    };
    this.#lanes.set(type, lane);
    return lane;
  }

  /**
   * Hands the built event to the transport; resolves once accepted. `lane`
   * is the lane of `event.type`.
   */
  protected abstract _send(
    event: CloudEvent,
    lane: Lane<R>,
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
    try {
      lane = this.lane(type);
      event = this.buildEvent(type, data, options, lane);
    } catch (error) {
      this.counters.invalid++;
      return Promise.reject(error);
    }
    let sent: Promise<void> | void;
    try {
      sent = this._send(event, lane);
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
    pattern: P,
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
    const bad = (problem: string) =>
      new TypeError(`subscribe("${pattern}"): ${problem}`);
    if (typeof handler !== "function") {
      throw bad(`handler must be a function, got ${typeof handler}`);
    }
    const group = options?.group;
    if (
      group !== undefined &&
      (typeof group !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(group))
    ) {
      throw bad(
        `group must be 1-128 characters of A-Z, a-z, 0-9, "_" or "-", got ${
          JSON.stringify(group)
        }`,
      );
    }
    const from = options?.from;
    if (typeof from === "object" && from !== null && "after" in from) {
      if (typeof from.after !== "string") {
        throw bad(
          `from.after must be a position string from bus.position(), got ${typeof from
            .after}`,
        );
      }
      if (group !== undefined) {
        throw bad(
          `from: { after } resumes one subscriber and cannot be combined with group "${group}" (a group keeps its own position)`,
        );
      }
    }
    if (options?.onGap !== undefined && typeof options.onGap !== "function") {
      throw bad(`onGap must be a function, got ${typeof options.onGap}`);
    }
    const types = this.catalog.typesMatching(pattern);
    if (types.length === 0) {
      throw new EventTypeError(
        pattern,
        "it matches no type of the event catalog",
      );
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
    try {
      const result = sub.handler(event);
      if (result !== undefined && typeof result.then === "function") {
        this.#running++;
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
    pattern: P,
    options?: EventsOptions,
  ): EventStream<MatchedEvent<C, P>> {
    return createEventStream(this.#host, pattern, options) as EventStream<
      MatchedEvent<C, P>
    >;
  }

  once<P extends string>(
    pattern: P,
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

  /**
   * The resume position of `event` (see `EventBus.position`). This default
   * is for transports that keep no history: always `undefined`.
   */
  position(_event: CloudEvent): string | undefined {
    return undefined;
  }

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

function defaultOnError(error: unknown, context: ErrorContext): void {
  console.error(
    `[@mcb/event-bus] ${context.kind} error` +
      (context.pattern ? ` in subscription "${context.pattern}"` : "") +
      (context.event
        ? ` for event ${context.event.type} ${context.event.id}`
        : ""),
    error,
  );
}
