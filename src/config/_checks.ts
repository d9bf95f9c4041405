// Plain, table-driven checks of the configuration. A config object is
// described by a table of fields; each field checks a value and carries the
// JSON Schema of it, so validation and the published schema
// (src/config_file/json_schema.ts) come from the same table. No schema
// library: this code ships in browser bundles.

import { kindOf } from "../core/_issues.ts";
import { Secret } from "../core/secret.ts";

/** Problems below a checked value: the path from it, and the message. */
export type Found = [path: PropertyKey[], message: string][];

/**
 * Checks a value: what is wrong with it (one message, or problems below
 * it), or undefined when it is fine. Messages never show a secret's value.
 */
export type Check = (value: unknown) => string | Found | undefined;

/** One key of a config object. */
export interface Field {
  /** Checks the value when present (and when missing, if `required`). */
  check: Check;
  /** The JSON Schema of the value, as a config file holds it. */
  json: Record<string, unknown>;
  /** The key must be present. */
  required?: boolean;
  /** The value used when the key is missing. */
  default?: unknown;
}

/** The keys of a config object, in the order they are checked. */
export type Fields = Record<string, Field>;

/** `expected <what>, received <kind>`, or `..., but it is missing`. */
export function expected(what: string, value: unknown): string {
  return `expected ${what}, ${
    value === undefined ? "but it is missing" : `received ${kindOf(value)}`
  }`;
}

/** A string; `test` returns what else is wrong with it, if anything. */
export function string(
  test?: (value: string) => string | undefined,
  json: Record<string, unknown> = { type: "string" },
): Field {
  return {
    check: (v) => typeof v === "string" ? test?.(v) : expected("string", v),
    json,
  };
}

const notEmpty = (v: string) =>
  v === "" ? "expected at least 1 characters" : undefined;

/** A non-empty string. */
export function nonEmpty(): Field {
  return string(notEmpty, { type: "string", minLength: 1 });
}

/** A secret: a non-empty string or a {@linkcode Secret}. */
export function secret(): Field {
  return {
    check: (v) =>
      v instanceof Secret
        ? undefined
        : typeof v === "string"
        ? notEmpty(v)
        : "expected a non-empty string or a Secret",
    json: { type: "string", minLength: 1 },
  };
}

/** A boolean. */
export function boolean(): Field {
  return {
    check: (v) => typeof v === "boolean" ? undefined : expected("boolean", v),
    json: { type: "boolean" },
  };
}

/** An integer >= `min`. */
export function int(min: number): Field {
  return {
    check: (v) =>
      kindOf(v) !== "number" // NaN is of kind "NaN"
        ? expected("number", v)
        : Number.isInteger(v) && (v as number) >= min
        ? undefined
        : `expected an integer >= ${min}, got ${v}`,
    json: { type: "integer", minimum: min },
  };
}

/** One of a few strings. */
export function oneOf(values: readonly string[]): Field {
  return {
    check: (v) =>
      values.includes(v as string)
        ? undefined
        : `expected one of ${values.map((x) => JSON.stringify(x)).join(", ")}`,
    json: { type: "string", enum: [...values] },
  };
}

/** A function (not representable in a file). */
export function func(): Field {
  return {
    check: (v) => typeof v === "function" ? undefined : "expected a function",
    json: {},
  };
}

/** An object with exactly these fields (see {@linkcode walk}). */
export function strictObject(fields: Fields): Field {
  return {
    check: (v) =>
      kindOf(v) === "object"
        ? walk(v as object, fields)
        : expected("object", v),
    json: { type: "object" },
  };
}

/**
 * Every problem of an object, in the fields' order: each bad value, each
 * missing required key, then the unknown keys.
 */
export function walk(value: object, fields: Fields): Found {
  const found: Found = [];
  for (const [key, field] of Object.entries(fields)) {
    const v = (value as Record<string, unknown>)[key];
    const problem = v === undefined && !field.required
      ? undefined
      : field.check(v);
    if (typeof problem === "string") found.push([[key], problem]);
    for (const [path, message] of Array.isArray(problem) ? problem : []) {
      found.push([[key, ...path], message]);
    }
  }
  const unknown = Object.keys(value).filter((k) => !Object.hasOwn(fields, k));
  if (unknown.length > 0) {
    found.push([
      [],
      `unexpected keys ${unknown.map((k) => JSON.stringify(k)).join(", ")}`,
    ]);
  }
  return found;
}

/** A copy of the object's known keys, in the fields' order. */
export function pick(
  value: Record<string, unknown>,
  fields: Fields,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) if (key in value) out[key] = value[key];
  return out;
}
