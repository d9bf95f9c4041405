// The rules of a CloudEvents 1.0 envelope, checked twice over: a fast
// check for the valid envelopes (nearly all of them), and a slow one that
// explains, attribute by attribute, what is wrong with the others. Plain
// checks, no schema library, so they add little to a bundle.
import type { ValidationIssue } from "./errors.ts";
import { kindOf } from "./_issues.ts";
import { assertEventType } from "./subject.ts";

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
export const TRACEPARENT =
  /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
export const URI_REFERENCE = /^[^\s"<>\\^`{|}]+$/;

/** Whether `value` is an RFC 3339 timestamp of a real instant. */
export function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
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
    return `expected string, received ${kindOf(value)}`;
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
export function envelopeIssues(value: unknown): ValidationIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [{
      path: "",
      message: value === undefined
        ? "expected object, but it is missing"
        : `expected object, received ${kindOf(value)}`,
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

const VALID_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$/;
const JSON_MEDIA = /^application\/(.+\+)?json(;.*)?$/i;

const optionalString = (v: unknown) => v === undefined || typeof v === "string";

/**
 * The envelope's attributes if `value` passes every rule (`time` and
 * `datacontenttype` filled in), else `undefined`. Typed by its caller,
 * `parseCloudEvent` in `envelope.ts`, which owns the `CloudEvent` type.
 */
export function validEnvelope(
  value: unknown,
): Record<string, unknown> | undefined {
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
  return event;
}
