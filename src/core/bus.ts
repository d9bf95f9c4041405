/**
 * The `EventBus` contract: one interface, implemented by every transport
 * (`local`, `nats`) and checked by one conformance suite.
 *
 * @module
 */

import type {
  EventCatalog,
  EventData,
  EventInput,
  EventType,
} from "./catalog.ts";
import type { CloudEvent, EnvelopeOptions } from "./envelope.ts";
import type { KnownPattern, MatchingTypes } from "./subject.ts";
import type { CaughtUp, ResumeGap, StartFrom } from "./replay.ts";

export type { CaughtUp, ResumeGap, StartFrom } from "./replay.ts";

/** The typed CloudEvent of type `T` in catalog `C` (a union when `T` is). */
export type EventOf<C extends EventCatalog, T extends string> = T extends
  unknown ? CloudEvent<T, EventData<C, T>> : never;

/** The events that pattern `P` selects in catalog `C`. */
export type MatchedEvent<C extends EventCatalog, P extends string> = EventOf<
  C,
  MatchingTypes<EventType<C>, P>
>;

/**
 * The type of a pattern parameter: `P` when it selects a type of catalog
 * `C`, else a message type, so a pattern selecting no type is a compile
 * error. Patterns only known as `string` are checked at run time.
 */
export type PatternOf<C extends EventCatalog, P extends string> = KnownPattern<
  EventType<C>,
  P
>;

/** Reacts to one event. A thrown error or rejected promise is isolated. */
export type EventHandler<E = CloudEvent> = (
  event: E,
) => void | Promise<void>;

/** Options of {@linkcode EventBus.publish}: envelope attributes to set. */
export type PublishOptions = EnvelopeOptions;

/** Options of {@linkcode EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Aborting it ends the subscription. */
  signal?: AbortSignal;
  /**
   * End the subscription after the first event.
   *
   * @default {false}
   */
  once?: boolean;
  /**
   * Competing consumers: each event goes to one member of the group
   * instead of to every subscriber. On nats the group is a durable consumer
   * shared by every instance using the name (acked after the handler
   * resolves, retried, dead-lettered); on local it is shared by the
   * subscriptions of this bus, in turn.
   */
  group?: string;
  /**
   * Replay history, then continue live. `{ after: position }` resumes just
   * after an event: every matching event published after it, then live
   * ones, with no gap and no repeat (see `onGap` for when that is not
   * possible). Cannot be combined with `group`.
   *
   * @default {"new"}
   */
  from?: StartFrom;
  /**
   * With `from: { after }`: told, before the first resumed event, when the
   * transport cannot resume exactly after that position (see
   * {@linkcode ResumeGap}). A throw is isolated like a handler error.
   */
  onGap?: (gap: ResumeGap) => void;
}

/** What an `events()` iterator does when its buffer is full. */
export type OverflowPolicy = "drop-oldest" | "error";

/** Options of {@linkcode EventBus.events}. */
export interface EventsOptions
  extends Pick<SubscribeOptions, "group" | "from" | "onGap"> {
  /** Aborting it ends the iterator. */
  signal?: AbortSignal;
  /**
   * Most events held for a slow reader.
   *
   * @default {1024}
   */
  buffer?: number;
  /**
   * `"drop-oldest"` discards the oldest buffered event (counted in `dropped`
   * and `stats().dropped`); `"error"` ends the iterator with an
   * `OverflowError`.
   *
   * @default {"drop-oldest"}
   */
  overflow?: OverflowPolicy;
}

/** Options of {@linkcode EventBus.once}. */
export interface OnceOptions {
  /** Aborting it rejects the promise with the signal's reason. */
  signal?: AbortSignal;
  /** Reject with a `TimeoutError` after this many milliseconds. */
  timeout?: number;
}

/** A live subscription. Works with `using`. */
export interface Subscription extends Disposable {
  /** The pattern it was made with. */
  readonly pattern: string;
  /** Whether it has ended (unsubscribed, aborted, once, or bus closed). */
  readonly closed: boolean;
  /**
   * Resolves once the transport delivers to it (local: at once; nats: when
   * the consumer exists on the server). Publishes from the same bus made
   * after `subscribe()` returned always reach it; await `ready` before
   * publishing from another instance. If the subscription cannot start
   * (e.g. a `GroupConfigError`), `ready` rejects and it ends; the error
   * goes to `onError` only when `ready` was not read before it failed, so
   * each failure is reported once.
   */
  readonly ready: Promise<void>;
  /**
   * Resolves once the subscription has caught up with the history it
   * replays (`from: "all"`, a time, a sequence or `{ after }`): every
   * matching event the stream (nats) or ring (local `history`) held when
   * it started has been delivered to the handler and, for an async
   * handler, handled (its promise settled). Events delivered afterwards
   * are live. Resolves with how many were replayed and the position of the
   * last one.
   *
   * - `from: "new"` (the default), or a history with no matching event:
   *   resolves at once (nats: once `ready`) with `replayed: 0`.
   * - nats: the consumer's count of pending matching events when it was
   *   created, counted down as they arrive (or the server reporting none
   *   pending), so events of other types interleaved in the stream do not
   *   delay it.
   * - `group` on nats: resolves at once with `replayed: 0`. It is meant
   *   for subscriptions of their own: members share the group's durable
   *   consumer and its backlog, so none has a history of its own.
   *
   * Rejects with an `AbortError` `DOMException` if the subscription ends
   * first (unsubscribe, abort, `once`, bus closed, or it could not start).
   * An unobserved rejection is not reported as unhandled.
   *
   * @example Count the history, then go live
   * ```ts
   * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
   * import { z } from "zod";
   *
   * const bus = createLocalEventBus(
   *   defineEvents({ "order.placed": z.object({ id: z.string() }) }),
   *   { history: 100 },
   * );
   * await bus.publish("order.placed", { id: "a" });
   * await bus.publish("order.placed", { id: "b" });
   * const sub = bus.subscribe("order.*", () => {}, { from: "all" });
   * const { replayed, position } = await sub.caughtUp;
   * console.log(`replayed ${replayed} events, up to ${position}`); // 2
   * await bus.close();
   * ```
   */
  readonly caughtUp: Promise<CaughtUp>;
  /** Ends it. Idempotent. No event reaches its handler afterwards. */
  unsubscribe(): void;
}

/** An async iterator of events with a bounded buffer. */
export interface EventStream<E = CloudEvent> extends AsyncIterableIterator<E> {
  /** Events discarded by the overflow policy so far. */
  readonly dropped: number;
  /** Resolves once the transport delivers to it (see `Subscription.ready`). */
  readonly ready: Promise<void>;
  /**
   * Resolves once the reader has caught up with the history (see
   * `Subscription.caughtUp`): it has taken the first `replayed` events
   * from the stream (those the overflow policy dropped count as taken)
   * and asked for the next one. The first `replayed` events read are the
   * history, those after them live. With an empty history it resolves at
   * once. Rejects (`AbortError`) if the stream ends before.
   *
   * @example Render the history, then say so
   * ```ts
   * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
   * import { z } from "zod";
   *
   * const bus = createLocalEventBus(
   *   defineEvents({ "order.placed": z.object({ id: z.string() }) }),
   *   { history: 100 },
   * );
   * await bus.publish("order.placed", { id: "a" });
   * const stream = bus.events("order.*", { from: "all" });
   * stream.caughtUp.then(({ replayed }) => console.log(`${replayed} old`));
   * for await (const event of stream) {
   *   console.log(event.data.id); // "a" (history); live events would follow
   *   break; // caughtUp resolves: the one event of the history was read
   * }
   * await bus.close();
   * ```
   */
  readonly caughtUp: Promise<CaughtUp>;
  /** Ends the stream (same as `return()`), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A health report for probes and admin panels. Never contains secrets. */
export interface BusHealth {
  /** The transport's name. */
  transport: string;
  /** Whether the bus can publish and deliver now. */
  ok: boolean;
  /** `ready`, `connected`, `reconnecting`, `disconnected` or `closed`. */
  status: string;
  /** Active subscriptions. */
  subscriptions: number;
  /** The counters. */
  stats: BusStats;
  /** Transport details (server, stream, last error, publishes in flight). */
  details?: Record<string, string | number | boolean>;
}

/** Counters of one bus since it was created. */
export interface BusStats {
  /** Events accepted by `publish`. */
  published: number;
  /** Deliveries to handlers and iterators (one per subscriber per event). */
  delivered: number;
  /** Handler throws and rejections. */
  handlerErrors: number;
  /** Events discarded by iterator overflow policies. */
  dropped: number;
  /** Events rejected by validation (published or received). */
  invalid: number;
}

/** Where an error reported to `onError` came from. */
export interface ErrorContext {
  /** `handler`: a handler threw; `invalid`: a bad event; `overflow`: an iterator dropped events; `transport`: connection trouble. */
  kind: "handler" | "invalid" | "overflow" | "transport";
  /** The subscription pattern involved, if any. */
  pattern?: string;
  /** The event involved, if any. */
  event?: CloudEvent;
  /** The transport subject involved, if any (nats). */
  subject?: string;
}

/** Receives every isolated error. It must not throw (if it does, it is ignored). */
export type ErrorHandler = (error: unknown, context: ErrorContext) => void;

/**
 * The event bus contract, the same for every transport.
 *
 * @typeParam C The event catalog that types and validates events.
 */
export interface EventBus<C extends EventCatalog = EventCatalog>
  extends AsyncDisposable {
  /** The catalog events are validated against. */
  readonly catalog: C;
  /** The transport's name: `"local"` or `"nats"`. */
  readonly transport: string;
  /** The CloudEvents `source` of events this bus publishes. */
  readonly source: string;
  /** Whether `close()` has been called. */
  readonly closed: boolean;

  /**
   * Validates `data`, wraps it in a CloudEvent and delivers it.
   *
   * @param type An event type of the catalog.
   * @param data The payload; must satisfy the type's schema.
   * @param options Envelope attributes (`id`, `subject`, `traceparent`, ...).
   * @returns The published event, once the transport accepted it.
   * @throws {ValidationError} (as a rejection) listing each failing path.
   * @throws {EventTypeError} (as a rejection) for a type not in the catalog.
   * @throws {BusClosedError} (as a rejection) after `close()`.
   */
  publish<T extends EventType<C>>(
    type: T,
    data: EventInput<C, T>,
    options?: PublishOptions,
  ): Promise<EventOf<C, T>>;

  /**
   * Calls `handler` for every event whose type matches `pattern` (a type, or
   * `*` for one token and a final `>` for one or more).
   *
   * @throws {EventTypeError} for a malformed pattern or one that selects no
   * type of the catalog.
   * @throws {BusClosedError} after `close()`.
   */
  subscribe<P extends string>(
    pattern: PatternOf<C, P>,
    handler: EventHandler<MatchedEvent<C, P>>,
    options?: SubscribeOptions,
  ): Subscription;

  /** Iterates over matching events, buffering at most `buffer` of them. */
  events<P extends string>(
    pattern: PatternOf<C, P>,
    options?: EventsOptions,
  ): EventStream<MatchedEvent<C, P>>;

  /** Resolves with the next matching event. */
  once<P extends string>(
    pattern: PatternOf<C, P>,
    options?: OnceOptions,
  ): Promise<MatchedEvent<C, P>>;

  /** Whether an event of `type` would reach at least one subscriber here. */
  hasSubscribers(type: EventType<C>): boolean;

  /**
   * The resume position of `event`: an opaque string to pass later as
   * `subscribe(pattern, handler, { from: { after: position } })`, even to
   * another bus of the same transport that shares the history (nats: the
   * same stream), or `undefined` when this bus cannot resume after it.
   *
   * `event` must be the object this bus delivered to a handler or iterator,
   * or returned from `publish` (not a copy). Positions are
   * `l:<bus id>:<counter>` on local (only with the `history` option, and
   * while the event is in its ring; the id is random per bus) and
   * `n:<stream>:<stream sequence>` on nats (persistent types only;
   * ephemeral events have no position).
   */
  position(event: CloudEvent): string | undefined;

  /** A snapshot of the counters. */
  stats(): BusStats;

  /** The bus's health: status, subscriptions, counters. */
  health(): BusHealth;

  /**
   * Ends every subscription, waits for running async handlers and releases
   * the transport. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}
