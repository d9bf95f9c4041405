/**
 * `events()` and `once()`, built on a bus's subscribe, the same for every
 * transport.
 *
 * @module
 */

import type { ErrorContext, EventsOptions, OnceOptions } from "./bus.ts";
import type { CloudEvent } from "./envelope.ts";
import { BusClosedError, TimeoutError } from "./errors.ts";
import { EventQueue } from "./event_queue.ts";
import type { BusSubscription } from "./subscription.ts";
import type { SubscribeOptions } from "./bus.ts";

/** What the helpers need from a bus. */
export interface StreamHost {
  /** Subscribes; `onEnd` learns whether the bus closed. */
  subscribe(
    pattern: string,
    handler: (event: CloudEvent) => void,
    options: SubscribeOptions,
    onEnd: (busClosed: boolean) => void,
  ): BusSubscription;
  /** Counts one dropped event. */
  dropped(): void;
  /** Reports an isolated error. */
  report(error: unknown, context: ErrorContext): void;
}

/** An iterator over matching events with a bounded buffer. */
export function createEventStream(
  host: StreamHost,
  pattern: string,
  options: EventsOptions | undefined,
): EventQueue<CloudEvent> {
  const buffer = options?.buffer ?? 1024;
  if (!Number.isInteger(buffer) || buffer < 1) {
    throw new RangeError(
      `events("${pattern}"): buffer must be a positive integer, got ${buffer}`,
    );
  }
  const overflow = options?.overflow ?? "drop-oldest";
  if (overflow !== "drop-oldest" && overflow !== "error") {
    throw new TypeError(
      `events("${pattern}"): overflow must be "drop-oldest" or "error", got ${
        JSON.stringify(overflow)
      }`,
    );
  }
  const queue = new EventQueue<CloudEvent>(
    pattern,
    buffer,
    overflow,
    (first) => {
      host.dropped();
      if (first) {
        host.report(
          new Error(
            `events("${pattern}") is dropping its oldest events: the reader is more than ${buffer} behind`,
          ),
          { kind: "overflow", pattern },
        );
      }
    },
    () => sub.unsubscribe(),
  );
  const sub = host.subscribe(
    pattern,
    (event) => queue.push(event),
    {
      signal: options?.signal,
      group: options?.group,
      from: options?.from,
      onGap: options?.onGap,
    },
    () => queue.end(),
  );
  queue.sub = sub;
  (queue.caughtUp = sub.caughtUp.then((caught) => queue.passed(caught)))
    .catch(() => {});
  if (!sub.active) queue.end();
  return queue;
}

/** The next matching event; rejects on timeout, abort or bus close. */
export function waitForEvent(
  host: StreamHost,
  pattern: string,
  options: OnceOptions | undefined,
): Promise<CloudEvent> {
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      sub.unsubscribe();
      reject(signal!.reason);
    };
    const sub = host.subscribe(
      pattern,
      (event) => {
        cleanup();
        resolve(event);
      },
      { once: true },
      (busClosed) => {
        if (!busClosed) return;
        cleanup();
        reject(new BusClosedError(`wait for "${pattern}"`));
      },
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    const timeout = options?.timeout;
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        sub.unsubscribe();
        reject(new TimeoutError(`an event matching "${pattern}"`, timeout));
      }, timeout);
    }
  });
}
