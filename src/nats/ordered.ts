/**
 * Fan-out delivery: an ordered consumer per subscription that keeps its
 * place in the stream across server restarts.
 *
 * @module
 */

import type { ConsumerMessages, JetStreamClient } from "@nats-io/jetstream";
import type { StartFrom } from "../core/bus.ts";
import {
  type ConsumerHandle,
  type Received,
  startOptions,
} from "./consumers.ts";

/** Wait between attempts to reopen the consumer after a reconnect, ms. */
const REOPEN_PAUSE = 250;
/**
 * How long one pull waits, ms; the server heartbeats at half of it, so a
 * silent consumer is noticed after about this long (nats.js: 30 s).
 */
const PULL_EXPIRES = 5000;
/**
 * How long the server keeps a consumer nobody pulls from, ms. Each reopen
 * deletes the consumer it replaces; one it could not delete (its node was
 * down) goes after this long. nats.js's default, 5 minutes, never expired
 * on a cluster whose nodes restart more often (the soak test: orphans
 * accumulated on a node restarted every 3 minutes).
 */
const INACTIVE = 60_000;

/**
 * An ordered consumer on `filter` (every instance gets every event),
 * delivered one by one to `onMessage` without acks. It remembers the last
 * stream sequence delivered; after each reconnect it reopens itself from
 * the next one and skips anything at or below it. (nats.js 3.4's own
 * recovery of `consume()` after a server restart can stall for the length
 * of its heartbeat timeout, ~45 s.)
 *
 * @param from Where to start; a promise when the start must be looked up
 * first (resuming after a position).
 * @param onReconnect Registers a callback for each reconnect; returns its
 * removal.
 * @param onError Told of errors while reading; reading goes on. A failure
 * to start rejects `ready` instead.
 * @param onCaughtUp Called once, after `onMessage` of the last message
 * that was pending when the consumer was created (counted down from its
 * `num_pending`, or the server reporting none left), or at once when none
 * was: the history is delivered.
 */
export function startOrdered(
  js: JetStreamClient,
  stream: string,
  filter: string,
  from: StartFrom | Promise<StartFrom>,
  onReconnect: (listener: () => void) => () => void,
  onMessage: (msg: Received) => void,
  onError: (error: unknown) => void,
  onCaughtUp: () => void,
): ConsumerHandle {
  let stopped = false;
  let lastSeq = 0;
  /** Messages of the history still to deliver; 0 once caught up. */
  let behind = 0;
  let iter: ConsumerMessages | undefined;
  let current: { delete(): Promise<unknown> } | undefined;
  // Deletes the consumer this one replaces, or the last one at stop.
  const drop = () => current?.delete().catch(() => {});
  let reading: Promise<void> = Promise.resolve();
  let reopening: Promise<void> = Promise.resolve();

  const open = async (start: StartFrom, first: boolean): Promise<void> => {
    const consumer = await js.consumers.get(stream, {
      filter_subjects: filter,
      inactive_threshold: INACTIVE,
      ...startOptions(start),
    });
    current = consumer;
    if (first) {
      // The info the server returned when creating the consumer.
      ({ delivered: { stream_seq: lastSeq }, num_pending: behind } =
        await consumer.info(true));
      if (!behind) onCaughtUp();
    }
    const messages = await consumer.consume({
      max_messages: 512,
      expires: PULL_EXPIRES,
    });
    iter = messages;
    if (stopped) messages.stop();
    // A stream leader that dies (in a cluster) leaves the consumer silent
    // without a reconnect of ours: missed heartbeats mean "reopen".
    (async () => {
      for await (const status of messages.status()) {
        if (status.type === "heartbeats_missed" && iter === messages) {
          reopen();
          return;
        }
      }
    })().catch(() => {});
    reading = (async () => {
      for await (const m of messages) {
        if (m.seq <= lastSeq) continue;
        lastSeq = m.seq;
        onMessage({
          subject: m.subject,
          data: m.data,
          headers: m.headers,
          seq: m.seq,
        });
        // `pending`: matching messages left in the stream after this one.
        if (behind && (!--behind || !m.info.pending)) {
          behind = 0;
          onCaughtUp();
        }
      }
    })().catch((error) => {
      // Not fatal: report it and read on from the next sequence.
      if (stopped) return;
      onError(error);
      reopen();
    });
  };

  const ready = Promise.resolve(from).then((start) => open(start, true));
  const reopen = () => {
    reopening = reopening.then(async () => {
      await ready.catch(() => {});
      if (stopped) return;
      iter?.stop();
      await reading;
      drop();
      while (!stopped) {
        try {
          await open({ sequence: lastSeq + 1 }, false);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, REOPEN_PAUSE));
        }
      }
    });
  };
  const unlisten = onReconnect(reopen);

  return {
    ready,
    async stop() {
      stopped = true;
      unlisten();
      iter?.stop();
      await ready.catch(() => {});
      await reopening;
      iter?.stop();
      await reading;
      drop();
    },
  };
}
