// The rules of a CloudEvents 1.0 envelope, one table for every check: the
// validation of an envelope (which explains, attribute by attribute, what
// is wrong) and the cheap checks of publish options. Plain checks, no
// schema library, so they add little to a bundle.
import type { ValidationIssue } from "./errors.ts";
import { expected, kindOf } from "./_issues.ts";
import { assertEventType } from "./subject.ts";

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
export const TRACEPARENT =
  /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
export const URI_REFERENCE = /^[^\s"<>\\^`{|}]+$/;
const JSON_MEDIA = /^application\/(.+\+)?json(;.*)?$/i;

/** Whether `value` is an RFC 3339 timestamp of a real instant. */
export function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

/** The problem of a string attribute's value, or undefined. */
type Check = (value: string) => string | undefined;

/* @__NO_SIDE_EFFECTS__ */
const matches = (test: (v: string) => boolean, what: string): Check => (v) =>
  test(v) ? undefined : `expected ${what}`;

const uri = (v: string) => URI_REFERENCE.test(v);

/**
 * The string attributes, in order, with the check of their value: the
 * first {@linkcode REQUIRED} are required and must not be empty.
 */
const CHECKS: Record<string, Check | undefined> = {
  id: undefined,
  source: matches(uri, "a URI-reference"),
  type: (v) => {
    try {
      assertEventType(v);
    } catch (error) {
      return (error as Error).message;
    }
  },
  time: matches(isRfc3339, "an RFC 3339 timestamp"),
  datacontenttype: matches((v) => JSON_MEDIA.test(v), "application/json"),
  subject: undefined,
  dataschema: matches(uri, "a URI"),
  traceparent: matches(
    (v) => TRACEPARENT.test(v),
    "00-<32 hex>-<16 hex>-<2 hex>",
  ),
  tracestate: undefined,
};

/** The envelope's string attributes, in order. */
export const ATTRIBUTES: readonly string[] = /* @__PURE__ */ Object.keys(
  CHECKS,
);

/** How many of {@linkcode ATTRIBUTES} (the first ones) are required. */
const REQUIRED = 3;

/**
 * The problem of the value of string attribute `name`, or undefined when
 * it is fine. `required`: absent or empty is a problem.
 */
export function attributeProblem(
  name: string,
  value: unknown,
  required: boolean,
): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string") return expected("string", value);
  if (required && value === "") return "expected a non-empty string";
  return CHECKS[name]?.(value);
}

/**
 * Every problem of an envelope, one per attribute, in the attributes'
 * order; none when it is valid.
 */
export function envelopeIssues(value: unknown): ValidationIssue[] {
  if (kindOf(value) !== "object") {
    return [{ path: "", message: expected("object", value) }];
  }
  const e = value as Record<string, unknown>;
  const issues: ValidationIssue[] = e.specversion === "1.0"
    ? []
    : [{ path: "specversion", message: 'expected "1.0"' }];
  ATTRIBUTES.forEach((path, i) => {
    const message = attributeProblem(path, e[path], i < REQUIRED);
    if (message !== undefined) issues.push({ path, message });
  });
  return issues;
}
