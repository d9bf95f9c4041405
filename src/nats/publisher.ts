/**
 * Durable publishing: a JetStream publish that resolves only on the
 * server's acknowledgement and retries with the same message id until a
 * deadline, so retries never store an event twice.
 *
 * @module
 */

import type { JetStreamClient } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/nats-core";
import { PublishRejectedError, PublishTimeoutError } from "./errors.ts";
import {
  isNoResponders,
  isPermissionDenied,
  isRetryable,
} from "./nats_errors.ts";

/** Longest wait for one attempt's acknowledgement, ms. */
const ATTEMPT_TIMEOUT = 2000;

/** Publishes to JetStream with retries; counts what is in flight. */
export class DurablePublisher {
  #js: JetStreamClient;
  #timeout: number;
  #inflight = new Set<Promise<unknown>>();

  /**
   * @param js The JetStream client.
   * @param timeout Deadline of one `publish`, ms.
   */
  constructor(js: JetStreamClient, timeout: number) {
    this.#js = js;
    this.#timeout = timeout;
  }

  /** Publishes still waiting for an acknowledgement. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /**
   * Resolves with the message's stream sequence once JetStream stored it
   * (or found it a duplicate: then the sequence of the stored original; a
   * "duplicate" without a sequence is a message still being replicated, and
   * is retried like a timeout).
   *
   * @throws {PublishTimeoutError} after the deadline.
   * @throws {PublishRejectedError} for a non-retryable refusal.
   */
  publish(
    type: string,
    subject: string,
    payload: Uint8Array,
    headers: MsgHdrs,
    id: string,
  ): Promise<number> {
    const p = this.#publish(type, subject, payload, headers, id);
    this.#inflight.add(p);
    const done = () => this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async #publish(
    type: string,
    subject: string,
    payload: Uint8Array,
    headers: MsgHdrs,
    id: string,
  ): Promise<number> {
    const deadline = Date.now() + this.#timeout;
    let attempts = 0;
    let last: unknown;
    while (true) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        // nats.js reports "no responders" to a JetStream publish as
        // "jetstream is not enabled"; what is missing is a stream.
        throw new PublishTimeoutError(type, id, attempts, this.#timeout, {
          cause: last,
          reason: isNoResponders(last)
            ? `no JetStream stream stores subject "${subject}" (it is created at start unless nats.provision is false)`
            : undefined,
        });
      }
      attempts++;
      try {
        const ack = await this.#js.publish(subject, payload, {
          msgID: id,
          headers,
          timeout: Math.min(remaining, ATTEMPT_TIMEOUT),
        });
        if (ack.seq > 0) return ack.seq;
        // A clustered stream leader (nats-server 2.10+) stages a message id
        // with sequence 0 when it proposes the message and answers a retry
        // of it "duplicate, seq 0" before the proposal is committed. A
        // leader cut off from its quorum never commits it, so this is not
        // an acknowledgement: try again until a stored sequence comes back.
        last = new Error("staged (seq 0), not stored");
      } catch (error) {
        if (!isRetryable(error)) {
          // Our words come with the client's error as cause; its own text
          // is quoted instead of attached (a cause would repeat it).
          throw isPermissionDenied(error)
            ? new PublishRejectedError(
              type,
              `the server denied publishing to "${subject}" (does this user have publish permission?)`,
              { cause: error },
            )
            : new PublishRejectedError(
              type,
              (error as Error)?.message ?? String(error),
            );
        }
        last = error;
      }
      const pause = Math.min(50 * 2 ** attempts, 1000, deadline - Date.now());
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Resolves when every publish in flight has settled. */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) {
      await Promise.allSettled([...this.#inflight]);
    }
  }
}
