/**
 * The CloudEvents 1.0 envelope every event travels in, its validation and
 * its JSON (structured mode) encoding.
 *
 * @module
 */

import { ValidationError, type ValidationIssue } from "./errors.ts";
import { assertEventType } from "./subject.ts";

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

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const URI_REFERENCE = /^[^\s"<>\\^`{|}]+$/;

/** Whether `value` is an RFC 3339 timestamp of a real instant. */
export function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

/** zod-style name of a value's kind: "null", "array", "number", ... */
function kind(value: unknown): string {
  return value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value;
}

/** A problem with a string attribute, or undefined when it is fine. */
function stringProblem(
  value: unknown,
  required: boolean,
  test?: (v: string) => boolean,
  expected = "a non-empty string",
): string | undefined {
  if (value === undefined) {
    return required ? "expected string, but it is missing" : undefined;
  }
  if (typeof value !== "string") {
    return `expected string, received ${kind(value)}`;
  }
  if (required && value === "") return "expected a non-empty string";
  return test && !test(value) ? `expected ${expected}` : undefined;
}

function typeProblem(value: unknown): string | undefined {
  const problem = stringProblem(value, true);
  if (problem !== undefined) return problem;
  try {
    assertEventType(value as string);
  } catch (error) {
    return (error as Error).message;
  }
}

const uri = (v: string) => URI_REFERENCE.test(v);

/**
 * Every problem of an envelope that failed the fast path, one per
 * attribute, in the attributes' order. Plain checks, no schema library.
 */
function envelopeIssues(value: unknown): ValidationIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [{
      path: "",
      message: value === undefined
        ? "expected object, but it is missing"
        : `expected object, received ${kind(value)}`,
    }];
  }
  const e = value as Record<string, unknown>;
  const problems: [string, string | undefined][] = [
    [
      "specversion",
      e.specversion === "1.0" ? undefined : 'expected "1.0"',
    ],
    ["id", stringProblem(e.id, true)],
    ["source", stringProblem(e.source, true, uri, "a URI-reference")],
    ["type", typeProblem(e.type)],
    [
      "time",
      stringProblem(e.time, false, isRfc3339, "an RFC 3339 timestamp"),
    ],
    [
      "datacontenttype",
      stringProblem(
        e.datacontenttype,
        false,
        (v) => JSON_MEDIA.test(v),
        "application/json",
      ),
    ],
    ["subject", stringProblem(e.subject, false)],
    ["dataschema", stringProblem(e.dataschema, false, uri, "a URI")],
    [
      "traceparent",
      stringProblem(
        e.traceparent,
        false,
        (v) => TRACEPARENT.test(v),
        "00-<32 hex>-<16 hex>-<2 hex>",
      ),
    ],
    ["tracestate", stringProblem(e.tracestate, false)],
  ];
  return problems.filter((p) => p[1] !== undefined).map(([path, message]) => ({
    path,
    message: message!,
  }));
}

function fail(type: string, path: string, message: string): never {
  throw new ValidationError(type, [{ path, message }]);
}

/**
 * Checks publish options cheaply (no schema) and copies the ones given onto
 * `event`. Only called when options were passed.
 */
export function applyEnvelopeOptions(
  event: Record<string, unknown>,
  type: string,
  options: EnvelopeOptions,
): void {
  const { id, source, time, subject, dataschema, traceparent, tracestate } =
    options;
  if (id !== undefined) {
    if (typeof id !== "string" || id === "") {
      fail(type, "id", "expected a non-empty string");
    }
    event.id = id;
  }
  if (source !== undefined) {
    if (typeof source !== "string" || !URI_REFERENCE.test(source)) {
      fail(type, "source", "expected a URI-reference");
    }
    event.source = source;
  }
  if (time !== undefined) {
    if (time instanceof Date && !Number.isNaN(time.getTime())) {
      event.time = time.toISOString();
    } else if (typeof time === "string" && isRfc3339(time)) {
      event.time = time;
    } else fail(type, "time", "expected a valid Date or an RFC 3339 string");
  }
  if (subject !== undefined) {
    if (typeof subject !== "string") fail(type, "subject", "expected a string");
    event.subject = subject;
  }
  if (dataschema !== undefined) {
    if (typeof dataschema !== "string" || !URI_REFERENCE.test(dataschema)) {
      fail(type, "dataschema", "expected a URI");
    }
    event.dataschema = dataschema;
  }
  if (traceparent !== undefined) {
    if (typeof traceparent !== "string" || !TRACEPARENT.test(traceparent)) {
      fail(type, "traceparent", "expected 00-<32 hex>-<16 hex>-<2 hex>");
    }
    event.traceparent = traceparent;
  }
  if (tracestate !== undefined) {
    if (typeof tracestate !== "string") {
      fail(type, "tracestate", "expected a string");
    }
    event.tracestate = tracestate;
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
  // Valid envelopes (nearly all of them) pass the fast check; the slow one
  // then explains what is wrong with the others. Both apply the same rules.
  const fast = validEnvelope(value);
  if (fast !== undefined) return fast;
  const type = typeof (value as { type?: unknown })?.type === "string"
    ? (value as { type: string }).type
    : "(unknown)";
  const issues = envelopeIssues(value);
  // Both checks apply the same rules; this only guards against a drift.
  if (issues.length === 0) {
    issues.push({ path: "", message: "not a CloudEvents 1.0 envelope" });
  }
  throw new ValidationError(type, issues);
}

const VALID_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$/;
const JSON_MEDIA = /^application\/(.+\+)?json(;.*)?$/i;

const optionalString = (v: unknown) => v === undefined || typeof v === "string";

/** The envelope if `value` passes every rule, else `undefined`. */
function validEnvelope(value: unknown): CloudEvent | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return undefined;
  }
  const {
    specversion,
    id,
    source,
    type,
    time,
    datacontenttype,
    subject,
    dataschema,
    traceparent,
    tracestate,
    data,
  } = value as Record<string, unknown>;
  if (
    specversion !== "1.0" || typeof id !== "string" || id === "" ||
    typeof source !== "string" || !URI_REFERENCE.test(source) ||
    typeof type !== "string" || type.length > 256 || !VALID_TYPE.test(type) ||
    !(time === undefined || (typeof time === "string" && isRfc3339(time))) ||
    !(datacontenttype === undefined ||
      (typeof datacontenttype === "string" &&
        JSON_MEDIA.test(datacontenttype))) ||
    !optionalString(subject) || !optionalString(tracestate) ||
    !(dataschema === undefined ||
      (typeof dataschema === "string" && URI_REFERENCE.test(dataschema))) ||
    !(traceparent === undefined ||
      (typeof traceparent === "string" && TRACEPARENT.test(traceparent)))
  ) return undefined;
  const event: Record<string, unknown> = {
    specversion,
    id,
    source,
    type,
    time: time ?? new Date().toISOString(),
    datacontenttype: "application/json",
  };
  if (subject !== undefined) event.subject = subject;
  if (dataschema !== undefined) event.dataschema = dataschema;
  if (traceparent !== undefined) event.traceparent = traceparent;
  if (tracestate !== undefined) event.tracestate = tracestate;
  event.data = data;
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
