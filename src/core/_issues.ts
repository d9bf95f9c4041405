// Turns zod issues into ValidationIssue objects whose messages do not depend
// on the zod locale (zod/mini loads none, so its own messages say only
// "Invalid input").
import type * as z from "zod/v4/core";
import type { ValidationIssue } from "./errors.ts";

/** Formats a path array as `root.a.b[2]`. */
export function formatPath(
  root: string,
  path: readonly PropertyKey[],
): string {
  let out = root;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) {
      out += out === "" ? key : `.${key}`;
    } else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Describes the JSON-ish kind of a value: `string`, `array`, `null`, ... */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value;
}

/** `expected <what>, received <kind>`, or `..., but it is missing`. */
export function expected(what: string, value: unknown): string {
  return `expected ${what}, ${
    value === undefined ? "but it is missing" : `received ${kindOf(value)}`
  }`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

// zod's own messages (any locale loaded, or none); anything else was written
// by the schema's author and is kept as is.
const ZOD_DEFAULT = /^(Invalid|Too (small|big)|Unrecognized|Expected)\b/;

function describe(issue: z.$ZodIssue, input: unknown): string {
  if (issue.message && !ZOD_DEFAULT.test(issue.message)) return issue.message;
  const received = kindOf(valueAt(input, issue.path));
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "int" && received === "number") {
        return `expected an integer, received ${
          String(valueAt(input, issue.path))
        }`;
      }
      return expected(issue.expected, valueAt(input, issue.path));
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = String(small ? issue.minimum : issue.maximum);
      const strict = !issue.inclusive;
      if (issue.origin === "string" || issue.origin === "array") {
        const unit = issue.origin === "string" ? "characters" : "items";
        const bound = small
          ? (strict ? "more than" : "at least")
          : (strict ? "fewer than" : "at most");
        return `expected ${bound} ${limit} ${unit}`;
      }
      const cmp = small ? (strict ? ">" : ">=") : (strict ? "<" : "<=");
      return `expected a ${issue.origin} ${cmp} ${limit}, received ${
        typeof valueAt(input, issue.path) === "number"
          ? String(valueAt(input, issue.path))
          : received
      }`;
    }
    case "invalid_format":
      return `expected a string in ${issue.format} format`;
    case "invalid_value":
      return `expected one of ${
        issue.values.map((v) => JSON.stringify(v)).join(", ")
      }`;
    case "unrecognized_keys":
      return `unexpected keys ${
        issue.keys.map((k) => JSON.stringify(k)).join(", ")
      }`;
    case "not_multiple_of":
      return `expected a multiple of ${String(issue.divisor)}`;
    case "invalid_union":
      return `matches none of the allowed shapes`;
    default:
      return issue.message && issue.message !== "Invalid input"
        ? issue.message
        : `invalid (${issue.code}), received ${received}`;
  }
}

/** Converts zod issues for a value under `root` into ValidationIssues. */
export function toValidationIssues(
  root: string,
  issues: readonly z.$ZodIssue[],
  input: unknown,
  prefix: readonly PropertyKey[] = [],
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Report the branch that got furthest: the one whose issues are not
      // all a plain type mismatch at the union's own location.
      const branch = issue.errors.find((b) =>
        b.some((i) => i.code !== "invalid_type" || i.path.length > 0)
      );
      if (branch !== undefined) {
        out.push(...toValidationIssues(root, branch, input, path));
        continue;
      }
      // Every branch wants another type here: list them.
      const wanted = issue.errors.flatMap((b) =>
        b.map((i) => i.code === "invalid_type" ? i.expected : i.code)
      );
      out.push({
        path: formatPath(root, path),
        message: expected(
          [...new Set(wanted)].join(" or "),
          valueAt(input, path),
        ),
      });
      continue;
    }
    out.push({
      path: formatPath(root, path),
      message: describe({ ...issue, path } as z.$ZodIssue, input),
    });
  }
  return out;
}
