/**
 * The nats transport: the `EventBus` contract over NATS WebSocket, with
 * JetStream for persistence, acknowledgement, replay and de-duplication.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/nats-core";
import { errors } from "./client.ts";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { jetstream } from "./client.ts";
import { BaseEventBus } from "../core/base_bus.ts";
import type { BusSubscription } from "../core/subscription.ts";
import type { BusHealth } from "../core/bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import type { CloudEvent } from "../core/envelope.ts";
import { eventSubject } from "./subjects.ts";
import { encodeOutbound } from "./outbound.ts";
import { positionOf, resolveAfter } from "./resume.ts";
import {
  type ConsumerHandle,
  type GroupOutcome,
  type Received,
  startCore,
  startGroup,
} from "./consumers.ts";
import { startOrdered } from "./ordered.ts";
import { PublishRejectedError } from "./errors.ts";
import {
  deadLetter,
  decodeInbound,
  type Inbound,
  isDeadLetter,
  type Subjects,
} from "./inbound.ts";
import type { NatsConfig } from "./options.ts";
import { DurablePublisher } from "./publisher.ts";
import { type ConnectionStatus, StatusTracker } from "./status.ts";
import type { NatsBusOptions, NatsEventBus } from "./types.ts";

/** Delay before a failed group delivery is retried: 250 ms, doubling, at most 10 s. */
function retryDelay(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 10_000);
}

/** The nats transport's bus; {@linkcode openNatsEventBus} opens one. */
export class NatsBus<C extends EventCatalog> extends BaseEventBus<C>
  implements NatsEventBus<C> {
  readonly transport = "nats";
  declare readonly connection: NatsConnection;
  #config: NatsConfig;
  #owned: boolean;
  #js: JetStreamClient;
  #jsm: JetStreamManager;
  #subjects: Subjects;
  #publisher: DurablePublisher;
  #status: StatusTracker;
  #consumers = new Map<BusSubscription, ConsumerHandle[]>();
  #stopping = new Set<Promise<void>>();
  #pendingReady = new Set<Promise<void>>();
  /** Stream sequences of the persistent events published or delivered. */
  #positions = new WeakMap<CloudEvent, number>();

  constructor(
    catalog: C,
    nc: NatsConnection,
    owned: boolean,
    jsm: JetStreamManager,
    options: NatsBusOptions,
  ) {
    super(catalog, options);
    this.connection = nc;
    this.#owned = owned;
    this.#config = options.config;
    this.#js = jetstream(nc);
    this.#jsm = jsm;
    this.#subjects = {
      prefix: options.config.subjectPrefix,
      ephemeral: options.config.ephemeralPrefix,
    };
    this.#publisher = new DurablePublisher(
      this.#js,
      options.config.publishTimeout,
    );
    this.#status = new StatusTracker(
      nc,
      options.onStatus,
      (error) => this.#connectionError(error),
    );
  }

  /**
   * Reports an asynchronous server error. A permission violation on a
   * group's pull subject means this user may not read that group: retrying
   * cannot fix it, so that subscription ends (reported once) instead of
   * failing every second forever.
   */
  #connectionError(error: unknown): void {
    // The denied subject is `$JS.API.CONSUMER.MSG.NEXT.<stream>.<group>`.
    const denied = error instanceof errors.PermissionViolationError
      ? error.subject.split(".")
      : [];
    if (
      denied.slice(0, 5).join(".") === "$JS.API.CONSUMER.MSG.NEXT" &&
      denied[5] === this.#config.stream
    ) {
      for (const sub of this.#consumers.keys()) {
        if (sub.active && sub.group === denied[6]) {
          this.report(error, { kind: "transport", pattern: sub.pattern });
          sub.unsubscribe();
        }
      }
      return;
    }
    this.report(error, { kind: "transport" });
  }

  status(): AsyncIterableIterator<ConnectionStatus> {
    return this.#status.stream();
  }

  protected _send(event: CloudEvent): Promise<void> | void {
    if (this.#pendingReady.size > 0) {
      // A subscription made before this publish must receive it.
      return Promise.allSettled([...this.#pendingReady]).then(() =>
        this.#sendNow(event)
      );
    }
    return this.#sendNow(event);
  }

  #sendNow(event: CloudEvent): Promise<void> | void {
    const ephemeral = this.catalog.isEphemeral(event.type);
    const { payload, headers } = encodeOutbound(event, {
      ephemeral,
      encoding: this.#config.ephemeralEncoding,
      maxPayload: this.connection.info?.max_payload,
    });
    if (ephemeral) {
      const subject = eventSubject(this.#subjects, event.type, true);
      try {
        this.connection.publish(subject, payload, headers && { headers });
      } catch (error) {
        // nats.js throws Errors here (closed, draining, max payload).
        throw new PublishRejectedError(event.type, (error as Error).message);
      }
      return;
    }
    return this.#publisher.publish(
      event.type,
      eventSubject(this.#subjects, event.type),
      payload,
      headers!,
      event.id,
    ).then((seq) => {
      this.#positions.set(event, seq);
    });
  }

  override position(event: CloudEvent): string | undefined {
    const seq = this.#positions.get(event);
    return seq === undefined ? undefined : positionOf(this.#config.stream, seq);
  }

  protected _attach(sub: BusSubscription): void {
    const persistent = sub.types.some((t) => !this.catalog.isEphemeral(t));
    const ephemeral = sub.types.some((t) => this.catalog.isEphemeral(t));
    // Errors of a running consumer are reported and it carries on; a
    // consumer that cannot start ends the subscription (see `ready` below).
    const onError = (error: unknown) => {
      if (sub.active) {
        this.report(error, { kind: "transport", pattern: sub.pattern });
      }
    };
    const handles: ConsumerHandle[] = [];
    if (persistent) {
      const filter = eventSubject(this.#subjects, sub.pattern);
      const from = sub.from;
      handles.push(
        sub.group === undefined
          ? startOrdered(
            this.#js,
            this.#config.stream,
            filter,
            typeof from === "object" && "after" in from
              ? resolveAfter(this.#jsm, this.#config.stream, from.after, {
                gap: (gap) => this.reportGap(sub, gap),
                error: onError,
              })
              : from,
            (listener) => this.#status.onReconnect(listener),
            (m) => this.#onFanout(sub, m),
            onError,
            () => sub.caught(),
          )
          : startGroup(
            this.#js,
            this.#jsm,
            {
              stream: this.#config.stream,
              group: sub.group,
              filter,
              from: sub.from,
              ackWait: this.#config.ackWait,
              maxDeliver: this.#config.maxDeliver + 1,
            },
            (m, attempt) => this.#onGroup(sub, m, attempt),
            onError,
            (error) => {
              onError(error);
              sub.unsubscribe();
            },
          ),
      );
    }
    // Only an ordered consumer has a history to catch up with: ephemeral
    // types have none, and a group shares its consumer's backlog between
    // members (see Subscription.caughtUp).
    if (!persistent || sub.group !== undefined) sub.caught();
    if (ephemeral) {
      const subject = eventSubject(this.#subjects, sub.pattern, true);
      handles.push(
        startCore(
          this.connection,
          subject,
          (m) => this.#onFanout(sub, m),
          sub.group,
        ),
      );
    }
    this.#consumers.set(sub, handles);
    const ready = Promise.all(handles.map((h) => h.ready)).then(() => {});
    sub.started = ready;
    this.#pendingReady.add(ready);
    const done = () => this.#pendingReady.delete(ready);
    ready.then(done, (error) => {
      done();
      // Reported once: to `ready` when it was read, else to onError.
      if (!sub.observed) onError(error);
      sub.unsubscribe();
    });
  }

  protected _detach(sub: BusSubscription): void {
    const handles = this.#consumers.get(sub) ?? [];
    this.#consumers.delete(sub);
    for (const handle of handles) {
      const stopping = handle.stop();
      this.#stopping.add(stopping);
      stopping.finally(() => this.#stopping.delete(stopping));
    }
  }

  #onFanout(sub: BusSubscription, msg: Received): void {
    if (!sub.active || isDeadLetter(this.#subjects, msg.subject)) return;
    const inbound = this.#decode(sub, msg);
    if (inbound.ok) this.deliver(sub, inbound.event);
  }

  /**
   * Decodes and validates `msg`: an invalid one is counted and reported; a
   * valid one remembers its stream position.
   */
  #decode(sub: BusSubscription, msg: Received): Inbound {
    const inbound = decodeInbound(
      this.catalog,
      this.#subjects,
      msg,
      this.#config.maxEventBytes,
    );
    if (!inbound.ok) {
      this.counters.invalid++;
      this.report(
        new Error(`Invalid message on "${msg.subject}": ${inbound.reason}`),
        { kind: "invalid", pattern: sub.pattern, subject: msg.subject },
      );
    } else if (msg.seq !== undefined) {
      this.#positions.set(inbound.event, msg.seq);
    }
    return inbound;
  }

  async #onGroup(
    sub: BusSubscription,
    msg: Received,
    attempt: number,
  ): Promise<GroupOutcome> {
    if (isDeadLetter(this.#subjects, msg.subject)) return "ack";
    const inbound = this.#decode(sub, msg);
    let reason: string;
    if (!inbound.ok) reason = inbound.reason;
    else if (!sub.active) return { nak: 0 };
    else if (attempt > this.#config.maxDeliver) {
      reason = "delivery attempts exhausted";
    } else {
      const error = await this.deliverAndWait(sub, inbound.event);
      if (error === undefined) return "ack";
      if (attempt < this.#config.maxDeliver) {
        return { nak: retryDelay(attempt) };
      }
      reason = String((error as Error)?.message ?? error);
    }
    await deadLetter(this.#js, this.#subjects, msg, {
      group: sub.group!,
      reason,
      attempts: attempt,
      seq: msg.seq,
    });
    return "term";
  }

  protected _hasSubscribers(type: string): boolean {
    for (const sub of this.#consumers.keys()) {
      if (sub.active && sub.types.includes(type)) return true;
    }
    return false;
  }

  protected async _shutdown(): Promise<void> {
    await Promise.allSettled([...this.#stopping]);
    await this.#publisher.settled();
    if (this.connection.isClosed()) return;
    await this.connection.flush().catch(() => {});
    if (this.#owned) await this.connection.close();
    this.#status.end();
  }

  health(): BusHealth {
    const status = this.closed ? "closed" : this.#status.current;
    return {
      transport: "nats",
      ok: status === "connected",
      status,
      subscriptions: this.subscriptionCount,
      stats: this.stats(),
      details: {
        server: this.connection.getServer(),
        stream: this.#config.stream,
        subjectPrefix: this.#subjects.prefix,
        publishesInFlight: this.#publisher.inflight,
        ...(this.#status.lastError
          ? { lastError: this.#status.lastError }
          : {}),
      },
    };
  }
}
