/**
 * The CloudEvents 1.0 envelope every event travels in, its validation and
 * its JSON (structured mode) encoding.
 *
 * @module
 */

import { ValidationError } from "./errors.ts";
import {
  ATTRIBUTES,
  envelopeIssues,
  isRfc3339,
  TRACEPARENT,
  URI_REFERENCE,
} from "./_envelope_rules.ts";

export { isRfc3339 };

/** The media type of a structured-mode CloudEvent in JSON. */
export const CLOUDEVENTS_JSON = "application/cloudevents+json";

/**
 * A CloudEvents 1.0 event (JSON format) with typed `type` and `data`.
 *
 * @typeParam T The event type name.
 * @typeParam D The type of `data`.
 */
export interface CloudEvent<T extends string = string, D = unknown> {
  /** Always `"1.0"`. */
  readonly specversion: "1.0";
  /** Unique per `source`; generated unless given at publish. */
  readonly id: string;
  /** URI-reference naming the publishing instance. */
  readonly source: string;
  /** The event type, e.g. `context.updated`. */
  readonly type: T;
  /** When it happened, RFC 3339. */
  readonly time: string;
  /** Always `"application/json"` for events of this library. */
  readonly datacontenttype: "application/json";
  /** What the event is about inside the source, e.g. a path. */
  readonly subject?: string;
  /** URI of the schema `data` adheres to. */
  readonly dataschema?: string;
  /** W3C trace context `traceparent` (distributed-tracing extension). */
  readonly traceparent?: string;
  /** W3C trace context `tracestate` (distributed-tracing extension). */
  readonly tracestate?: string;
  /** The payload, validated against the catalog schema of `type`. */
  readonly data: D;
}

/** Envelope attributes a publisher may set; the rest are generated. */
export interface EnvelopeOptions {
  /** Event id. Must be unique per source. @default {a generated id} */
  id?: string;
  /** Overrides the bus's `source` for this event. */
  source?: string;
  /** Event time. @default {now} */
  time?: Date | string;
  /** CloudEvents `subject`. */
  subject?: string;
  /** CloudEvents `dataschema` (a URI). */
  dataschema?: string;
  /** W3C `traceparent`, e.g. `00-<32 hex>-<16 hex>-01`. */
  traceparent?: string;
  /** W3C `tracestate`. */
  tracestate?: string;
}

const uri = (v: string) => URI_REFERENCE.test(v);
const anyString = () => true;

/** The publish options, in order: the test of a string and the problem. */
const OPTION_RULES: [string, (v: string) => boolean, string][] = [
  ["id", (v) => v !== "", "expected a non-empty string"],
  ["source", uri, "expected a URI-reference"],
  ["time", isRfc3339, "expected a valid Date or an RFC 3339 string"],
  ["subject", anyString, "expected a string"],
  ["dataschema", uri, "expected a URI"],
  [
    "traceparent",
    (v) => TRACEPARENT.test(v),
    "expected 00-<32 hex>-<16 hex>-<2 hex>",
  ],
  ["tracestate", anyString, "expected a string"],
];

/**
 * Checks publish options cheaply (no schema) and copies the ones given onto
 * `event`. Only called when options were passed.
 */
export function applyEnvelopeOptions(
  event: Record<string, unknown>,
  type: string,
  options: EnvelopeOptions,
): void {
  for (const [path, test, message] of OPTION_RULES) {
    const value = (options as Record<string, unknown>)[path];
    if (value === undefined) continue;
    if (
      path === "time" && value instanceof Date && !Number.isNaN(value.getTime())
    ) {
      event.time = value.toISOString();
      continue;
    }
    if (typeof value !== "string" || !test(value)) {
      throw new ValidationError(type, [{ path, message }]);
    }
    event[path] = value;
  }
}

/**
 * Validates an unknown value as a CloudEvents 1.0 envelope. `data` is not
 * checked against a catalog here; buses do that.
 *
 * @param value A parsed JSON object.
 * @returns The envelope, with `time` and `datacontenttype` filled in if absent.
 * @throws {ValidationError} listing every failing attribute.
 *
 * @example
 * ```ts
 * import { parseCloudEvent } from "@mcb/event-bus";
 * const event = parseCloudEvent({
 *   specversion: "1.0", id: "1", source: "/x", type: "a.b", data: { n: 1 },
 * });
 * console.log(event.type); // "a.b"
 * ```
 */
export function parseCloudEvent(value: unknown): CloudEvent {
  const issues = envelopeIssues(value);
  const e = value as Record<string, unknown>;
  if (issues.length > 0) {
    throw new ValidationError(
      typeof e?.type === "string" ? e.type : "(unknown)",
      issues,
    );
  }
  const event: Record<string, unknown> = {
    specversion: "1.0",
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time ?? new Date().toISOString(),
    datacontenttype: "application/json",
  };
  // subject, dataschema, traceparent, tracestate: those present.
  for (const name of ATTRIBUTES.slice(5)) {
    if (e[name] !== undefined) event[name] = e[name];
  }
  event.data = e.data;
  return event as unknown as CloudEvent;
}

/**
 * Encodes an event in the CloudEvents JSON format (structured mode).
 *
 * @param event The event.
 * @returns A JSON string.
 */
export function encodeCloudEvent(event: CloudEvent): string {
  return JSON.stringify(event);
}

/**
 * Decodes a CloudEvents JSON string (structured mode) and validates the
 * envelope.
 *
 * @param json The JSON text.
 * @returns The envelope.
 * @throws {ValidationError} on malformed JSON or a malformed envelope.
 *
 * @example Round trip
 * ```ts
 * import { decodeCloudEvent, encodeCloudEvent } from "@mcb/event-bus";
 * const json = '{"specversion":"1.0","id":"1","source":"/x","type":"a.b","data":1}';
 * console.log(encodeCloudEvent(decodeCloudEvent(json)).includes('"type":"a.b"')); // true
 * ```
 */
export function decodeCloudEvent(json: string): CloudEvent {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ValidationError("(unknown)", [{
      path: "",
      message: `not valid JSON (${(error as Error).message})`,
    }]);
  }
  return parseCloudEvent(value);
}
