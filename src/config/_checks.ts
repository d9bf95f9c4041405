// Plain checks of configuration values, driven by the settings table
// (settings.ts): each row names its kind (`type`, `min`, `values`, `test`)
// and `checkSetting` checks a value against it. The JSON Schema is derived
// from the same kinds by the schema generator (json_schema.ts), which is not
// on this path. No schema library: this code ships in browser bundles.

import { closest } from "../core/_suggest.ts";
import { expected, kindOf } from "../core/_issues.ts";
import { redactUrl } from "../core/redact.ts";
import { Secret } from "../core/secret.ts";
import type { Setting, Settings } from "./settings.ts";

/** Problems below a checked value: the path from it, and the message. */
export type Found = [path: PropertyKey[], message: string][];

const UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5 };

/**
 * The milliseconds a duration setting's value stands for: a number as is, a
 * string of digits with an optional unit (`"500"`, `"500ms"`, `"30s"`,
 * `"2m"`, `"1h"`) converted; NaN for anything else.
 */
export function durationMs(v: unknown): number {
  const m = typeof v === "string" && /^(\d+)(ms|s|m|h)?$/.exec(v);
  return typeof v === "number" ? v : m ? +m[1] * UNITS[m[2] || "ms"] : NaN;
}

const notEmpty = (v: string) =>
  v === "" ? "expected at least 1 characters" : undefined;

function wsUrl(value: string): string | undefined {
  const shown = JSON.stringify(redactUrl(value));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected a ws:// or wss:// URL, got ${shown}`;
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    return `expected a ws:// or wss:// URL (the nats transport connects over WebSocket), got ${shown}`;
  }
  if (url.username !== "" || url.password !== "") {
    return `credentials inside a server URL are not accepted (they would be logged); use nats.user and nats.pass, got ${shown}`;
  }
}

function serverList(list: unknown[]): string | Found {
  if (list.length === 0) return "expected at least one ws:// or wss:// URL";
  const found: Found = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const problem = typeof item === "string"
      ? wsUrl(item)
      : expected("string", item);
    if (problem !== undefined) found.push([[i], problem]);
  }
  return found;
}

/**
 * What is wrong with a value of a setting (one message, or problems below
 * it), or undefined when it is fine. Messages never show a secret's value.
 */
export function checkSetting(
  setting: Setting,
  v: unknown,
): string | Found | undefined {
  switch (setting.type) {
    case "string":
      return typeof v === "string" ? setting.test?.(v) : expected("string", v);
    case "nonEmpty":
      return typeof v === "string" ? notEmpty(v) : expected("string", v);
    case "secret":
      return v instanceof Secret
        ? undefined
        : typeof v === "string"
        ? notEmpty(v)
        : "expected a non-empty string or a Secret";
    case "boolean":
      return typeof v === "boolean" ? undefined : expected("boolean", v);
    case "int": {
      const min = setting.min ?? 0;
      return kindOf(v) !== "number" // NaN is of kind "NaN"
        ? expected("number", v)
        : Number.isInteger(v) && (v as number) >= min
        ? undefined
        : `expected an integer >= ${min}, got ${v}`;
    }
    case "duration": {
      const min = setting.min ?? 0;
      const ms = durationMs(v);
      return Number.isInteger(ms) && ms >= min
        ? undefined
        : `expected milliseconds as a number >= ${min} or a duration string like "30s", got ${
          JSON.stringify(v)
        }`;
    }
    case "enum":
      return setting.values!.includes(v as string)
        ? undefined
        : `expected ${
          setting.values!.map((x) => JSON.stringify(x)).join(" or ")
        }, got ${JSON.stringify(v)}`;
    case "function":
      return typeof v === "function" ? undefined : "expected a function";
    case "servers":
      return typeof v === "string"
        ? wsUrl(v)
        : Array.isArray(v)
        ? serverList(v)
        : expected("string or array", v);
    case "object":
      return kindOf(v) === "object"
        ? walk(v as object, setting.fields!)
        : expected("object", v);
  }
}

/**
 * Every problem of an object, in the settings' order: each bad value, each
 * missing required key, then the unknown keys.
 */
export function walk(value: object, settings: Settings): Found {
  const found: Found = [];
  for (const [key, setting] of Object.entries(settings)) {
    const v = (value as Record<string, unknown>)[key];
    const problem = v === undefined && !setting.required
      ? undefined
      : checkSetting(setting, v);
    if (typeof problem === "string") found.push([[key], problem]);
    for (const [path, message] of Array.isArray(problem) ? problem : []) {
      found.push([[key, ...path], message]);
    }
  }
  const unknown = Object.keys(value).filter((k) => !Object.hasOwn(settings, k));
  if (unknown.length > 0) {
    found.push([
      [],
      `unexpected keys ${
        unknown.map((k) => {
          const near = closest(k, Object.keys(settings));
          return JSON.stringify(k) + (near ? ` (did you mean "${near}"?)` : "");
        }).join(", ")
      }`,
    ]);
  }
  return found;
}

/** A copy of the object's known keys, in the settings' order. */
export function pick(
  value: Record<string, unknown>,
  settings: Settings,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in settings) if (key in value) out[key] = value[key];
  return out;
}
