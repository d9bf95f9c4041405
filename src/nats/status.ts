/**
 * Connection status: the NATS client's status events mapped to a small
 * union, kept for `health()` and offered as a stream and a callback.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/nats-core";
import { EventQueue } from "../core/event_queue.ts";
import { redactUrl } from "../core/redact.ts";

/** A change of the connection's state. */
export type ConnectionStatus =
  | { type: "connected"; server: string }
  | { type: "disconnected"; server: string }
  | { type: "reconnecting"; attempt: number }
  | { type: "reconnected"; server: string }
  | { type: "error"; error: string }
  | { type: "closed" };

/** Follows `nc.status()` until the connection closes. */
export class StatusTracker {
  /** `connected`, `disconnected`, `reconnecting` or `closed`. */
  current: "connected" | "disconnected" | "reconnecting" | "closed" =
    "connected";
  /** The last error the server or client reported, redacted. */
  declare lastError: string | undefined;
  #listeners = new Set<EventQueue<ConnectionStatus>>();
  #onStatus: ((status: ConnectionStatus) => void) | undefined;
  #attempt = 0;
  #reconnectListeners = new Set<() => void>();

  constructor(
    nc: NatsConnection,
    onStatus: ((status: ConnectionStatus) => void) | undefined,
    onError: (error: unknown) => void,
  ) {
    this.#onStatus = onStatus;
    this.#emit({ type: "connected", server: redactUrl(nc.getServer()) });
    (async () => {
      for await (const s of nc.status()) {
        switch (s.type) {
          case "disconnect":
            this.current = "disconnected";
            this.#emit({ type: "disconnected", server: redactUrl(s.server) });
            break;
          case "reconnecting":
            this.current = "reconnecting";
            this.#emit({ type: "reconnecting", attempt: ++this.#attempt });
            break;
          case "reconnect":
            this.current = "connected";
            this.#attempt = 0;
            for (const listener of this.#reconnectListeners) listener();
            this.#emit({ type: "reconnected", server: redactUrl(s.server) });
            break;
          case "error":
            this.lastError = s.error?.message ?? String(s.error);
            this.#emit({ type: "error", error: this.lastError });
            onError(s.error);
            break;
          case "close":
            this.end();
            break;
        }
      }
    })().catch(onError);
    nc.closed().then(() => this.end(), () => this.end());
  }

  #emit(status: ConnectionStatus): void {
    try {
      this.#onStatus?.(status);
    } catch {
      // A throwing onStatus must not stop status tracking.
    }
    for (const queue of this.#listeners) queue.push(status);
  }

  /** Calls `listener` after each reconnect; returns its removal. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** A new stream of status changes (buffer 64, oldest dropped). */
  stream(): AsyncIterableIterator<ConnectionStatus> {
    const queue: EventQueue<ConnectionStatus> = new EventQueue(
      "status",
      64,
      "drop-oldest",
      () => {},
      () => this.#listeners.delete(queue),
    );
    if (this.current === "closed") queue.end();
    else this.#listeners.add(queue);
    return queue;
  }

  /** Marks the connection closed and ends every stream. */
  end(): void {
    if (this.current === "closed") return;
    this.current = "closed";
    this.#emit({ type: "closed" });
    for (const queue of [...this.#listeners]) queue.end();
  }
}
