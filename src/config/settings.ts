/**
 * The settings table: one row per configuration key. Parsing (`parseConfig`),
 * the environment (`configFromEnv`), files (`loadConfig`), the JSON Schema
 * (`deno task schema`) and the README's settings table all come from it.
 *
 * A row holds what the runtime needs: how the value is checked (`type`,
 * `min`, `values`, `test`; `secret` values become {@linkcode Secret}s), its
 * default, its environment variable and legacy alias. Its file keys follow
 * from the key: the key itself and its snake_case form, plus `<key>File`
 * for a secret; `function` settings cannot be set in files. The words
 * (descriptions, shown defaults) are in settings_docs.ts, keyed by the same
 * rows (the compiler checks both tables have the same keys), so they stay
 * out of bundles that only parse a configuration.
 *
 * @module
 */

import type { NatsConfig } from "../nats/options.ts";
import { URI_REFERENCE } from "../core/_envelope_rules.ts";
import {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  streamNameProblem,
  subjectPrefixProblem,
} from "../nats/subjects.ts";

/** One setting: how it is checked, its default and environment variable. */
export interface Setting {
  /**
   * How the value is checked: a string (`test` says what else is wrong),
   * a non-empty string, a secret (a non-empty string or a `Secret`), a
   * boolean, an integer >= `min`, a duration (milliseconds >= `min`: a
   * number or a whole number with a unit, `"30s"`), one of `values`, a
   * function (not in files), ws:// URLs, or an object of `fields`.
   */
  type:
    | "string"
    | "nonEmpty"
    | "secret"
    | "boolean"
    | "int"
    | "duration"
    | "enum"
    | "function"
    | "servers"
    | "object";
  /** `int`, `duration`: the least value (0 when not given). */
  min?: number;
  /** `enum`: the accepted values. */
  values?: readonly string[];
  /** `string`: what else is wrong with the value, if anything. */
  test?: (value: string) => string | undefined;
  /** `object`: its settings. */
  fields?: Settings;
  /** The key must be present. */
  required?: boolean;
  /** Used when the key is missing (the nats settings are filled in). */
  default?: unknown;
  /**
   * It has an environment variable: `MCB_EVENT_BUS_`, `NATS_` for a `nats`
   * setting, then the key in upper snake case (`MCB_EVENT_BUS_NATS_NKEY_SEED`).
   */
  env?: boolean;
  /** A variable of the seed system read when ours is unset. */
  alias?: string;
  /** Only for this transport. */
  only?: TransportName;
}

/** Settings by key, in the order they are checked and documented. */
export type Settings = Record<string, Setting>;

/** The transports a config may name. */
export const TRANSPORTS = ["local", "nats"] as const;
/** A transport name. */
export type TransportName = typeof TRANSPORTS[number];

/** The settings of the `nats` section. */
export const NATS_SETTINGS = {
  servers: { type: "servers", env: true, alias: "MCP_NATS_URL" },
  token: { type: "secret", env: true },
  user: { type: "nonEmpty", env: true },
  pass: { type: "secret", env: true },
  nkeySeed: { type: "secret", env: true },
  creds: { type: "secret", env: true },
  stream: {
    type: "string",
    test: streamNameProblem,
    default: DEFAULT_STREAM,
    env: true,
  },
  subjectPrefix: {
    type: "string",
    test: subjectPrefixProblem,
    default: DEFAULT_SUBJECT_PREFIX,
    env: true,
  },
  // Its default, `<subjectPrefix>_ephemeral`, is computed.
  ephemeralPrefix: { type: "string", test: subjectPrefixProblem },
  ephemeralEncoding: {
    type: "enum",
    values: ["structured", "binary"],
    default: "structured",
  },
  provision: { type: "boolean", default: true },
  duplicateWindow: { type: "duration", min: 1, default: 120_000 },
  maxAge: { type: "duration", default: 0 },
  maxMsgs: { type: "int", min: -1, default: -1 },
  maxBytes: { type: "int", min: -1, default: -1 },
  storage: { type: "enum", values: ["file", "memory"], default: "file" },
  replicas: { type: "int", min: 1, default: 1 },
  publishTimeout: { type: "duration", min: 1, default: 10_000 },
  ackWait: { type: "duration", min: 1, default: 30_000 },
  maxDeliver: { type: "int", min: 1, default: 5 },
  maxEventBytes: { type: "int", min: 1, default: 1_048_576 },
  name: { type: "string" },
  connectTimeout: { type: "duration", min: 1, default: 5000 },
  reconnectTimeWait: { type: "duration", default: 1000 },
  reconnectJitter: { type: "duration", default: 500 },
  maxReconnectAttempts: { type: "int", min: -1, default: -1 },
} as const satisfies Record<keyof NatsConfig, Setting>;

/** The settings of the event bus (the top level). */
export const BUS_SETTINGS = {
  transport: {
    type: "enum",
    values: TRANSPORTS,
    default: "local",
    env: true,
    alias: "MCP_EVENT_BUS_TYPE",
  },
  source: {
    type: "string",
    test: (v: string) =>
      URI_REFERENCE.test(v)
        ? undefined
        : `expected a URI-reference such as "/my-app/instance-1", got ${
          JSON.stringify(v)
        }`,
    env: true,
  },
  validate: { type: "boolean", default: true },
  onError: { type: "function" },
  history: { type: "int", default: 0, only: "local" },
  nats: {
    type: "object",
    fields: NATS_SETTINGS,
    required: true,
    only: "nats",
  },
} as const satisfies Settings;

/** The environment variable of a setting of a section ("" or "nats"). */
export function envName(section: string, key: string): string {
  const words = `${section}${section ? "_" : ""}${key}`
    .replace(/[A-Z]/g, (c) => `_${c}`);
  return `MCB_EVENT_BUS_${words.toUpperCase()}`;
}

/**
 * The settings a transport's config is checked against, in the order of
 * its problems: `transport`, the transport's own settings, the common ones.
 */
export function settingsOf(transport: TransportName): Settings {
  const out: Settings = { transport: BUS_SETTINGS.transport };
  for (const pass of [transport, undefined]) {
    for (const [key, row] of Object.entries(BUS_SETTINGS as Settings)) {
      if (row.only === pass) out[key] ??= row;
    }
  }
  return out;
}
