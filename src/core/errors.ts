/**
 * Error classes thrown or reported by every transport.
 *
 * Each class sets `name`, so callers can branch on `error.name` as well as
 * with `instanceof` (which fails across bundle copies of this library).
 *
 * @module
 */

/** One failing location inside a validated value. */
export interface ValidationIssue {
  /** Dotted path from the validated root, e.g. `data.path` or `data.items[2]`. */
  readonly path: string;
  /** What was expected and what was received. */
  readonly message: string;
}

/**
 * Event data (or an envelope) failed its schema. Lists every failing path.
 * Such an event never reaches a subscriber.
 *
 * @example Catching a validation error
 * ```ts
 * import { createLocalEventBus, defineEvents, ValidationError } from "@mcb/event-bus";
 * import { z } from "zod";
 *
 * const bus = createLocalEventBus(defineEvents({ "a.b": z.object({ n: z.number() }) }));
 * try {
 *   const untrusted: unknown = JSON.parse('{"n":"1"}');
 *   await bus.publish("a.b", untrusted as { n: number });
 * } catch (error) {
 *   if (!(error instanceof ValidationError)) throw error;
 *   console.log(error.issues[0].path); // "data.n"
 * }
 * await bus.close();
 * ```
 */
export class ValidationError extends Error {
  /** The event type whose data was rejected. */
  declare readonly type: string;
  /** Every failing path with its message. */
  declare readonly issues: readonly ValidationIssue[];

  /**
   * Creates the error; the message lists every issue.
   *
   * @param type The event type being validated.
   * @param issues The failing paths.
   * @param options `cause` (the schema library's own error).
   */
  constructor(
    type: string,
    issues: readonly ValidationIssue[],
    options?: ErrorOptions,
  ) {
    const detail = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    super(`Invalid "${type}" event: ${detail}`, options);
    this.type = type;
    this.issues = issues;
    this.name = "ValidationError";
  }
}

/**
 * An event type or pattern was rejected. The message starts with what is
 * wrong: `Invalid event type` / `Invalid event pattern` (malformed: catalog
 * definition, publish, subscribe), `Unknown event type` (well-formed but not
 * in the bus's catalog: publish, parse) or `Unmatched event pattern`
 * (well-formed but selecting no type of the catalog: subscribe, events,
 * once, sseResponse's `types`). The last two suggest the closest catalog
 * type (`did you mean "context.updated"?`) when one is close.
 */
export class EventTypeError extends TypeError {
  /** The offending type or pattern, truncated to 300 characters. */
  declare readonly input: string;

  /**
   * Creates the error; the message reads `<what> "<input>": <reason>`.
   *
   * @param input The rejected type or pattern.
   * @param reason Why it was rejected.
   * @param what What is wrong, the message's start.
   */
  constructor(
    input: string,
    reason: string,
    what = "Invalid event type or pattern",
  ) {
    const shown = input.length > 300 ? `${input.slice(0, 300)}...` : input;
    super(`${what} "${shown}": ${reason}`);
    this.input = shown;
    this.name = "EventTypeError";
  }
}

/** An operation was attempted on a bus after `close()` was called. */
export class BusClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param operation The rejected operation, e.g. `publish("a.b")`.
   */
  constructor(operation: string) {
    super(`Cannot ${operation}: the event bus is closed`);
    this.name = "BusClosedError";
  }
}

/** `once()` (or another wait) reached its timeout. */
export class TimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param what What was awaited.
   * @param ms The timeout in milliseconds.
   */
  constructor(what: string, ms: number) {
    super(`Timed out after ${ms} ms waiting for ${what}`);
    this.name = "TimeoutError";
  }
}

/**
 * An `events()` iterator with `overflow: "error"` fell more than its buffer
 * behind the publishers. The iterator ends with this error.
 */
export class OverflowError extends Error {
  /** The iterator's buffer size. */
  declare readonly buffer: number;

  /**
   * Creates the error.
   *
   * @param pattern The iterator's pattern.
   * @param buffer The iterator's buffer size.
   */
  constructor(pattern: string, buffer: number) {
    super(
      `events("${pattern}") fell more than ${buffer} events behind (overflow: "error")`,
    );
    this.buffer = buffer;
    this.name = "OverflowError";
  }
}

/**
 * A configuration value is missing or malformed. The message names the field
 * and the expected form; it never contains a secret's value.
 */
export class ConfigError extends Error {
  /** Every failing field, as `path: message`. */
  declare readonly issues: readonly ValidationIssue[];

  /**
   * Creates the error; the message lists every failing field.
   *
   * @param issues The failing fields.
   * @param options `cause`.
   */
  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(
      `Invalid event bus configuration: ${
        issues.map((i) => `${i.path}: ${i.message}`).join("; ")
      }`,
      options,
    );
    this.issues = issues;
    this.name = "ConfigError";
  }
}
