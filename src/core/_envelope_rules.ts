// The rules of a CloudEvents 1.0 envelope, in one pass that either builds
// the envelope or explains, attribute by attribute, what is wrong. Plain
// checks, no schema library, so they add little to a bundle.
import type { ValidationIssue } from "./errors.ts";
import { kindOf } from "./_issues.ts";
import { assertEventType } from "./subject.ts";
import type { CloudEvent } from "./envelope.ts";

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

const JSON_MEDIA = /^application\/(.+\+)?json(;.*)?$/i;

/**
 * Reads `value` as a CloudEvents 1.0 envelope: the envelope (with `time` and
 * `datacontenttype` filled in) when every attribute is valid, else one
 * problem per invalid attribute, in the attributes' order.
 */
export function readEnvelope(value: unknown): CloudEvent | ValidationIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [{
      path: "",
      message: value === undefined
        ? "expected object, but it is missing"
        : `expected object, received ${kindOf(value)}`,
    }];
  }
  const e = value as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const check = (path: string, message: string | undefined) => {
    if (message !== undefined) issues.push({ path, message });
  };
  check("specversion", e.specversion === "1.0" ? undefined : 'expected "1.0"');
  check("id", stringProblem(e.id, true));
  check("source", stringProblem(e.source, true, uri, "a URI-reference"));
  check("type", typeProblem(e.type));
  check(
    "time",
    stringProblem(e.time, false, isRfc3339, "an RFC 3339 timestamp"),
  );
  check(
    "datacontenttype",
    stringProblem(
      e.datacontenttype,
      false,
      (v) => JSON_MEDIA.test(v),
      "application/json",
    ),
  );
  check("subject", stringProblem(e.subject, false));
  check("dataschema", stringProblem(e.dataschema, false, uri, "a URI"));
  check(
    "traceparent",
    stringProblem(
      e.traceparent,
      false,
      (v) => TRACEPARENT.test(v),
      "00-<32 hex>-<16 hex>-<2 hex>",
    ),
  );
  check("tracestate", stringProblem(e.tracestate, false));
  if (issues.length > 0) return issues;
  const event: Record<string, unknown> = {
    specversion: "1.0",
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time ?? new Date().toISOString(),
    datacontenttype: "application/json",
  };
  for (const key of ["subject", "dataschema", "traceparent", "tracestate"]) {
    if (e[key] !== undefined) event[key] = e[key];
  }
  event.data = e.data;
  return event as unknown as CloudEvent;
}
