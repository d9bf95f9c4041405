/**
 * The options every transport accepts, and where errors go by default.
 *
 * @module
 */

import type { ErrorContext, ErrorHandler } from "./bus.ts";

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

/** The `onError` of a bus created without one: `console.error`. */
export function defaultOnError(error: unknown, context: ErrorContext): void {
  console.error(
    `[@mcb/event-bus] ${context.kind} error` +
      (context.pattern ? ` in subscription "${context.pattern}"` : "") +
      (context.event
        ? ` for event ${context.event.type} ${context.event.id}`
        : ""),
    error,
  );
}
