/**
 * The three ways the nats transport receives events: an ordered consumer
 * (fan-out of persistent types), a core subscription (ephemeral types) and
 * a durable consumer shared by a group (competing consumers, acked).
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/nats-core";
import { nanos } from "./client.ts";
import type {
  ConsumerConfig,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from "@nats-io/jetstream";
import { AckPolicy, DeliverPolicy, JetStreamApiCodes } from "./client.ts";
import type { StartFrom } from "../core/bus.ts";
import { GroupConfigError } from "./errors.ts";
import { isPermissionDenied } from "./nats_errors.ts";
import { ensureCreated } from "./stream.ts";

/** A running consumer. */
export interface ConsumerHandle {
  /** Resolves once the server delivers to it. */
  readonly ready: Promise<void>;
  /** Stops it; resolves after the message in hand was handled (and acked). */
  stop(): Promise<void>;
}

/** A received message, whatever the consumer kind. */
export interface Received {
  subject: string;
  data: Uint8Array;
  headers?: JsMsg["headers"];
  /** Stream sequence, for persistent events. */
  seq?: number;
}

export function startOptions(from: StartFrom): Partial<ConsumerConfig> {
  if (from === "new") return { deliver_policy: DeliverPolicy.New };
  if (from === "all") return { deliver_policy: DeliverPolicy.All };
  if ("after" in from) {
    // The bus turns { after } into { sequence } (see NatsBus) first.
    throw new TypeError("from.after is unresolved");
  }
  if ("sequence" in from) {
    return {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from.sequence,
    };
  }
  return {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(from.time).toISOString(),
  };
}

/**
 * Ephemeral types: a core NATS subscription, at-most-once. With `queue`,
 * members of the queue group share the messages.
 */
export function startCore(
  nc: NatsConnection,
  subject: string,
  onMessage: (msg: Received) => void,
  queue?: string,
): ConsumerHandle {
  const sub = nc.subscribe(subject, {
    queue,
    callback: (error, msg) => {
      if (error === null) {
        onMessage({
          subject: msg.subject,
          data: msg.data,
          headers: msg.headers,
        });
      }
    },
  });
  return {
    ready: nc.flush(),
    async stop() {
      if (!sub.isClosed()) sub.unsubscribe();
      await sub.closed.catch(() => {});
    },
  };
}

/** What a group consumer does with a message it handles. */
export type GroupOutcome = "ack" | { nak: number } | "term";

/** Options of {@linkcode startGroup}. */
export interface GroupOptions {
  stream: string;
  group: string;
  filter: string;
  from: StartFrom;
  ackWait: number;
  /** Server-side delivery limit; the bus dead-letters one attempt earlier. */
  maxDeliver: number;
}

/** Messages one fetch may bring to a group member. */
const PREFETCH = 16;
/** How long one fetch waits for messages, ms (the server's minimum is 1 s). */
const FETCH_EXPIRES = 1000;
/** Wait before fetching again after a failed fetch, ms. */
const RETRY_PAUSE = 500;

/**
 * A durable consumer named after the group, created if missing; every
 * instance using the same name shares it. `handle` decides each message's
 * fate, one message at a time.
 *
 * Messages come in fetches of at most 16. While one is handled, every
 * message of the fetch still waiting is kept claimed (`working()`), so a
 * slow handler does not make the server redeliver the waiting ones to
 * another member. On stop no new fetch starts, the open one is read to its
 * end and every message not handled is handed back at once (`nak`), so
 * another member gets it without waiting for `ackWait`.
 */
export function startGroup(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: GroupOptions,
  handle: (msg: Received, attempt: number) => Promise<GroupOutcome>,
  onError: (error: unknown) => void,
  onFatal: (error: unknown) => void,
): ConsumerHandle {
  let stopped = false;
  const ready = ensureDurable(jsm, options)
    .then(() => js.consumers.get(options.stream, options.group));
  const done = ready.then(async (consumer) => {
    while (!stopped) {
      try {
        const batch = await consumer.fetch({
          max_messages: PREFETCH,
          expires: FETCH_EXPIRES,
        });
        await drainBatch(
          batch,
          () => stopped,
          options.ackWait,
          handle,
          onError,
        );
      } catch (error) {
        if (stopped) break;
        if (isPermissionDenied(error)) {
          // Retrying cannot fix a refusal: end the group subscription.
          onFatal(error);
          break;
        }
        // A disconnect or a server restart: report it and fetch again.
        onError(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE));
      }
    }
  }, () => {});
  return {
    ready: ready.then(() => {}),
    async stop() {
      stopped = true;
      await ready.catch(() => {});
      await done;
    },
  };
}

/** Handles one fetch's messages in order; see {@linkcode startGroup}. */
async function drainBatch(
  batch: ConsumerMessages,
  stopped: () => boolean,
  ackWait: number,
  handle: (msg: Received, attempt: number) => Promise<GroupOutcome>,
  onError: (error: unknown) => void,
): Promise<void> {
  const waiting: JsMsg[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const pump = (async () => {
    for await (const m of batch) {
      waiting.push(m);
      wake?.();
    }
  })().catch((error) => {
    failure = error ?? new Error("fetch failed");
  }).finally(() => {
    ended = true;
    wake?.();
  });
  const heartbeat = setInterval(() => {
    for (const m of waiting) m.working();
  }, Math.max(ackWait / 3, 100));
  try {
    while (waiting.length > 0 || !ended) {
      if (waiting.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const m = waiting[0];
      if (stopped()) {
        m.nak();
        waiting.shift();
        continue;
      }
      const outcome = await handle(
        { subject: m.subject, data: m.data, headers: m.headers, seq: m.seq },
        m.info.deliveryCount,
      );
      if (outcome === "ack") await m.ackAck().catch(onError);
      else if (outcome === "term") m.term();
      else m.nak(outcome.nak);
      waiting.shift();
    }
  } finally {
    clearInterval(heartbeat);
  }
  // The fetch itself failed (e.g. refused): let the caller decide.
  await pump;
  if (failure !== undefined) throw failure;
}

async function ensureDurable(
  jsm: JetStreamManager,
  options: GroupOptions,
): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    durable_name: options.group,
    ack_policy: AckPolicy.Explicit,
    filter_subject: options.filter,
    ack_wait: nanos(options.ackWait),
    max_deliver: options.maxDeliver,
    ...startOptions(options.from),
  };
  const existing = await ensureCreated(
    () => jsm.consumers.info(options.stream, options.group),
    () => jsm.consumers.add(options.stream, wanted),
    JetStreamApiCodes.ConsumerNotFound,
  );
  if (existing !== undefined && existing.filter_subject !== options.filter) {
    throw new GroupConfigError(
      options.group,
      `its durable consumer reads "${existing.filter_subject}" but this subscription asks for "${options.filter}"; delete the group to change what it reads (deleteGroup, or the CLI's group delete), or use another name`,
    );
  }
}
