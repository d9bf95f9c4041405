/**
 * The nats transport: the `EventBus` contract over NATS WebSocket, with
 * JetStream for persistence, acknowledgement, replay and de-duplication.
 *
 * @module
 */

import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";
import {
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
} from "@nats-io/jetstream";
import { BaseEventBus, type BusOptions } from "../core/base_bus.ts";
import type { BusSubscription } from "../core/subscription.ts";
import type { BusHealth, StartFrom } from "../core/bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import type { CloudEvent } from "../core/envelope.ts";
import { EventTypeError, ValidationError } from "../core/errors.ts";
import { encodeBare, encodeBinary, tooDeep } from "./codec.ts";
import { connectNats, type ConnectTuning } from "./connect.ts";
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
  DLQ_TOKEN,
  isDeadLetter,
  type Subjects,
} from "./inbound.ts";
import type { NatsConfig } from "./options.ts";
import { DurablePublisher } from "./publisher.ts";
import { ensureStream } from "./stream.ts";
import { type ConnectionStatus, StatusTracker } from "./status.ts";
import type { NatsConnectionLike, NatsEventBus } from "./types.ts";

/** Everything `openNatsEventBus` needs besides the catalog. */
export interface NatsBusOptions extends BusOptions, ConnectTuning {
  /** Validated settings (see `parseConfig`). */
  config: NatsConfig;
  /** An open `NatsConnection` to use instead of connecting; `close()` leaves it open. */
  connection?: NatsConnectionLike;
  /** Called on every connection status change. */
  onStatus?: (status: ConnectionStatus) => void;
}

/** Deepest nesting of `data` that receivers accept (see the codec). */
const MAX_DEPTH = 64;

/** Bytes NATS counts for `headers` against `max_payload`. */
function headerBytes(headers: MsgHdrs | undefined): number {
  if (headers === undefined) return 0;
  let bytes = 12; // "NATS/1.0\r\n" and the closing "\r\n"
  for (const [key, values] of headers) {
    for (const value of values) bytes += key.length + value.length + 4;
  }
  return bytes;
}

/** Delay before a failed group delivery is retried: 250 ms, doubling, at most 10 s. */
function retryDelay(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 10_000);
}

class NatsBus<C extends EventCatalog> extends BaseEventBus<C>
  implements NatsEventBus<C> {
  readonly transport = "nats";
  readonly connection: NatsConnection;
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
  /** `n:<stream>:`, the prefix of positions in this bus's stream. */
  #positionPrefix: string;

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
    this.#positionPrefix = `n:${options.config.stream}:`;
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
    const message = String((error as Error)?.message ?? error);
    const pull = /Permissions Violation .*MSG\.NEXT\.([^."]+)\.([^."]+)/i
      .exec(message);
    if (pull !== null && pull[1] === this.#config.stream) {
      for (const sub of this.#consumers.keys()) {
        if (sub.active && sub.group === pull[2]) {
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
    const { payload, headers } = this.#encode(event, ephemeral);
    if (ephemeral) {
      const subject = `${this.#subjects.ephemeral}.${event.type}`;
      try {
        this.connection.publish(subject, payload, headers && { headers });
      } catch (error) {
        throw new PublishRejectedError(
          event.type,
          String((error as Error)?.message ?? error),
          {
            cause: error,
          },
        );
      }
      return;
    }
    return this.#publisher.publish(
      event.type,
      `${this.#subjects.prefix}.${event.type}`,
      payload,
      headers!,
      event.id,
    ).then((seq) => {
      this.#positions.set(event, seq);
    });
  }

  override position(event: CloudEvent): string | undefined {
    const seq = this.#positions.get(event);
    return seq === undefined ? undefined : this.#positionPrefix + seq;
  }

  /**
   * Turns `from: { after }` into the stream sequence to start at, telling
   * `onGap` when the stream cannot serve it exactly: a position of another
   * stream or a malformed one starts with new events; one past the
   * stream's end (the stream was recreated?) starts after its end; one
   * older than the stream's first message starts there (JetStream does).
   */
  async #resolveAfter(sub: BusSubscription, after: string): Promise<StartFrom> {
    const prefix = this.#positionPrefix;
    const digits = after.startsWith(prefix) ? after.slice(prefix.length) : "";
    if (!/^\d{1,15}$/.test(digits)) {
      this.reportGap(sub, {
        after,
        reason: "unknown",
        message:
          `"${after}" is not a position in stream ${this.#config.stream} (expected "${prefix}<sequence>"); starting with new events`,
      });
      return "new";
    }
    const seq = Number(digits);
    let state: { first_seq: number; last_seq: number };
    try {
      state = (await this.#jsm.streams.info(this.#config.stream)).state;
    } catch (error) {
      // Without the stream's bounds, resume blindly; reading reports why
      // the stream is unreachable if it is.
      this.report(error, { kind: "transport", pattern: sub.pattern });
      return { sequence: seq + 1 };
    }
    if (seq > state.last_seq) {
      this.reportGap(sub, {
        after,
        reason: "unknown",
        message:
          `"${after}" is past the end of stream ${this.#config.stream} (last sequence ${state.last_seq}; was the stream recreated?); starting with new events`,
      });
      return { sequence: state.last_seq + 1 };
    }
    if (seq + 1 < state.first_seq) {
      this.reportGap(sub, {
        after,
        reason: "expired",
        message: `stream ${this.#config.stream} no longer holds sequences ${
          seq + 1
        } to ${
          state.first_seq - 1
        } (limits or a purge removed them); resuming from ${state.first_seq}`,
      });
    }
    return { sequence: seq + 1 };
  }

  /**
   * Encodes `event` for the wire, refusing what receivers would refuse or
   * the server would reject: nesting deeper than receivers accept, data JSON
   * cannot encode, and messages (headers included) above `max_payload`.
   */
  #encode(
    event: CloudEvent,
    ephemeral: boolean,
  ): { payload: Uint8Array; headers?: MsgHdrs } {
    if (tooDeep(event.data, MAX_DEPTH)) {
      throw new ValidationError(event.type, [{
        path: "data",
        message:
          `nested deeper than ${MAX_DEPTH} levels, which receivers refuse`,
      }]);
    }
    let wire: { payload: Uint8Array; headers?: MsgHdrs };
    try {
      wire = ephemeral && this.#config.ephemeralEncoding === "structured"
        ? { payload: encodeBare(event) }
        : encodeBinary(event);
    } catch (error) {
      throw new ValidationError(event.type, [{
        path: "data",
        message: `cannot be encoded as JSON (${(error as Error)?.message})`,
      }], { cause: error });
    }
    const max = this.connection.info?.max_payload;
    const size = wire.payload.length + headerBytes(wire.headers) +
      (ephemeral ? 0 : 15 + event.id.length); // + "Nats-Msg-Id: <id>\r\n"
    if (max !== undefined && size > max) {
      throw new PublishRejectedError(
        event.type,
        `the event is ${size} bytes with its headers, above the server's max_payload of ${max}`,
      );
    }
    return wire;
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
      const filter = `${this.#subjects.prefix}.${sub.pattern}`;
      const from = sub.from;
      handles.push(
        sub.group === undefined
          ? startOrdered(
            this.#js,
            this.#config.stream,
            filter,
            typeof from === "object" && "after" in from
              ? this.#resolveAfter(sub, from.after)
              : from,
            (listener) => this.#status.onReconnect(listener),
            (m) => this.#onFanout(sub, m),
            onError,
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
    if (ephemeral) {
      const subject = `${this.#subjects.ephemeral}.${sub.pattern}`;
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
    sub.ready = ready;
    this.#pendingReady.add(ready);
    const done = () => this.#pendingReady.delete(ready);
    ready.then(done, (error) => {
      done();
      onError(error);
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
    const inbound = decodeInbound(
      this.catalog,
      this.#subjects,
      msg,
      this.#config.maxEventBytes,
    );
    if (!inbound.ok) {
      this.#invalid(sub, msg, inbound.reason);
      return;
    }
    if (msg.seq !== undefined) this.#positions.set(inbound.event, msg.seq);
    this.deliver(sub, inbound.event);
  }

  async #onGroup(
    sub: BusSubscription,
    msg: Received,
    attempt: number,
  ): Promise<GroupOutcome> {
    if (isDeadLetter(this.#subjects, msg.subject)) return "ack";
    const group = sub.group!;
    const inbound = decodeInbound(
      this.catalog,
      this.#subjects,
      msg,
      this.#config.maxEventBytes,
    );
    if (!inbound.ok) {
      this.#invalid(sub, msg, inbound.reason);
      await this.#deadLetter(msg, group, inbound.reason, attempt);
      return "term";
    }
    if (!sub.active) return { nak: 0 };
    if (msg.seq !== undefined) this.#positions.set(inbound.event, msg.seq);
    if (attempt > this.#config.maxDeliver) {
      await this.#deadLetter(
        msg,
        group,
        "delivery attempts exhausted",
        attempt,
      );
      return "term";
    }
    const error = await this.deliverAndWait(sub, inbound.event);
    if (error === undefined) return "ack";
    if (attempt >= this.#config.maxDeliver) {
      await this.#deadLetter(
        msg,
        group,
        String((error as Error)?.message ?? error),
        attempt,
      );
      return "term";
    }
    return { nak: retryDelay(attempt) };
  }

  async #deadLetter(
    msg: Received,
    group: string,
    reason: string,
    attempts: number,
  ) {
    await deadLetter(this.#js, this.#subjects, msg, {
      group,
      reason,
      attempts,
      seq: msg.seq,
    });
  }

  #invalid(sub: BusSubscription, msg: Received, reason: string): void {
    this.counters.invalid++;
    this.report(new Error(`Invalid message on "${msg.subject}": ${reason}`), {
      kind: "invalid",
      pattern: sub.pattern,
      subject: msg.subject,
    });
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

/**
 * Connects (or borrows `options.connection`), provisions the stream and
 * returns a ready bus.
 *
 * @throws {NatsConnectionError} when it cannot connect.
 * @throws {StreamConfigError} when the stream exists with other settings.
 */
export async function openNatsEventBus<C extends EventCatalog>(
  catalog: C,
  options: NatsBusOptions,
): Promise<NatsEventBus<C>> {
  for (const type of catalog.types) {
    if (type === DLQ_TOKEN || type.startsWith(`${DLQ_TOKEN}.`)) {
      throw new EventTypeError(
        type,
        `the first token "${DLQ_TOKEN}" is reserved for dead letters by the nats transport`,
      );
    }
  }
  const config = {
    ...options.config,
    name: options.config.name ?? options.source,
  };
  const owned = options.connection === undefined;
  const nc = (options.connection as NatsConnection | undefined) ??
    await connectNats(config, options);
  try {
    const jsm = await jetstreamManager(nc);
    if (config.provision) await ensureStream(jsm, config);
    return new NatsBus(catalog, nc, owned, jsm, { ...options, config });
  } catch (error) {
    if (owned) await nc.close().catch(() => {});
    throw error;
  }
}
