/**
 * Settings of the nats transport: connection, credentials, stream and
 * delivery tuning, their fields (checks, JSON Schema, defaults).
 *
 * @module
 */

import type { ValidationIssue } from "../core/errors.ts";
import { ConfigError } from "../core/errors.ts";
import {
  boolean,
  expected,
  type Field,
  type Fields,
  type Found,
  int,
  nonEmpty,
  oneOf,
  secret,
  string,
} from "./_checks.ts";
import { redactUrl } from "../core/redact.ts";
import { type Secret, toSecret } from "../core/secret.ts";
import {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  defaultEphemeralPrefix,
  ephemeralPrefixProblem,
  streamNameProblem,
  subjectPrefixProblem,
} from "../nats/subjects.ts";
import type { NatsConfig } from "../nats/options.ts";

export type { NatsConfig };

export { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX };

/** Connection, stream and delivery settings of the nats transport. */
export interface NatsConfigInput {
  /** WebSocket URLs (`ws://` or `wss://`), an array or comma-separated. */
  servers?: string | string[];
  /** Token authentication. */
  token?: string | Secret;
  /** User for user/password authentication (needs `pass`). */
  user?: string;
  /** Password for user/password authentication (needs `user`). */
  pass?: string | Secret;
  /** NKey seed (`SU...`) for nkey authentication. */
  nkeySeed?: string | Secret;
  /** Contents of a `.creds` file (JWT + nkey seed). */
  creds?: string | Secret;
  /** JetStream stream name. @default {"MCB_EVENTS"} */
  stream?: string;
  /** Subject prefix of persistent events. @default {"mcb.events"} */
  subjectPrefix?: string;
  /**
   * Subject prefix of ephemeral (at-most-once) events; it must lie outside
   * the stream's `<subjectPrefix>.>` so the stream does not store them.
   *
   * @default {"<subjectPrefix>_ephemeral"}
   */
  ephemeralPrefix?: string;
  /**
   * How ephemeral events are encoded: `"structured"` sends the whole event
   * as JSON without headers (about twice the throughput: NATS headers cost
   * more than a small event), `"binary"` uses `ce-*` headers like
   * persistent events. Receivers read both.
   *
   * @default {"structured"}
   */
  ephemeralEncoding?: "structured" | "binary";
  /** Create or check the stream at start. @default {true} */
  provision?: boolean;
  /** JetStream de-duplication window, ms. @default {120000} */
  duplicateWindow?: number;
  /** Drop events older than this, ms; 0 keeps them. @default {0} */
  maxAge?: number;
  /** Most events kept; -1 for no limit. @default {-1} */
  maxMsgs?: number;
  /** Most bytes kept; -1 for no limit. @default {-1} */
  maxBytes?: number;
  /** Stream storage. @default {"file"} */
  storage?: "file" | "memory";
  /** Stream replicas (1, 3 or 5 in a cluster). @default {1} */
  replicas?: number;
  /** How long `publish` retries before it rejects, ms. @default {10000} */
  publishTimeout?: number;
  /** Group consumers: time to handle an event before redelivery, ms. @default {30000} */
  ackWait?: number;
  /** Group consumers: attempts before the dead-letter subject. @default {5} */
  maxDeliver?: number;
  /** Largest inbound event accepted, bytes. @default {1048576} */
  maxEventBytes?: number;
  /** Connection name shown by the server. @default {the bus source} */
  name?: string;
  /** First connection timeout, ms. @default {5000} */
  connectTimeout?: number;
  /** Wait between reconnect attempts, ms (plus jitter). @default {1000} */
  reconnectTimeWait?: number;
  /** Upper bound of the random jitter added to each wait, ms. @default {500} */
  reconnectJitter?: number;
  /** Reconnect attempts; -1 is unlimited. @default {-1} */
  maxReconnectAttempts?: number;
}

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

/** `servers`: one ws:// URL, or a non-empty array of them. */
const servers = (): Field => ({
  check: (v) =>
    typeof v === "string"
      ? wsUrl(v)
      : Array.isArray(v)
      ? serverList(v)
      : expected("string or array", v),
  json: {
    anyOf: [
      { type: "string" },
      { minItems: 1, type: "array", items: { type: "string" } },
    ],
  },
});

const subjectPrefix = () => string(subjectPrefixProblem);

/**
 * The fields of the `nats` section: checks, JSON Schema and defaults (built
 * on first use: a bundle that never parses a configuration does not carry
 * them). `servers` is required, but checked after the rest (see
 * `parseConfig`); `ephemeralPrefix` defaults to `<subjectPrefix>_ephemeral`.
 */
export function natsFields(): Fields {
  return fields ??= {
    servers: servers(),
    token: secret(),
    user: nonEmpty(),
    pass: secret(),
    nkeySeed: secret(),
    creds: secret(),
    stream: {
      ...string(streamNameProblem),
      default: DEFAULT_STREAM,
    },
    subjectPrefix: { ...subjectPrefix(), default: DEFAULT_SUBJECT_PREFIX },
    ephemeralPrefix: subjectPrefix(),
    ephemeralEncoding: {
      ...oneOf(["structured", "binary"]),
      default: "structured",
    },
    provision: { ...boolean(), default: true },
    duplicateWindow: { ...int(1), default: 120_000 },
    maxAge: { ...int(0), default: 0 },
    maxMsgs: { ...int(-1), default: -1 },
    maxBytes: { ...int(-1), default: -1 },
    storage: { ...oneOf(["file", "memory"]), default: "file" },
    replicas: { ...int(1), default: 1 },
    publishTimeout: { ...int(1), default: 10_000 },
    ackWait: { ...int(1), default: 30_000 },
    maxDeliver: { ...int(1), default: 5 },
    maxEventBytes: { ...int(1), default: 1_048_576 },
    name: string(),
    connectTimeout: { ...int(1), default: 5000 },
    reconnectTimeWait: { ...int(0), default: 1000 },
    reconnectJitter: { ...int(0), default: 500 },
    maxReconnectAttempts: { ...int(-1), default: -1 },
  };
}

let fields: Fields | undefined;

const SECRET_KEYS = ["token", "pass", "nkeySeed", "creds"] as const;

function credentialIssues(nats: Record<string, unknown>): ValidationIssue[] {
  const has = (key: string) => nats[key] !== undefined;
  const issues: ValidationIssue[] = [];
  for (const [key, other] of [["user", "pass"], ["pass", "user"]]) {
    if (has(key) && !has(other)) {
      issues.push({
        path: `nats.${other}`,
        message: `required when nats.${key} is set`,
      });
    }
  }
  const methods = ["token", "user/pass", "nkeySeed", "creds"].filter((m) =>
    m === "user/pass" ? has("user") || has("pass") : has(m)
  );
  if (methods.length > 1) {
    issues.push({
      path: "nats",
      message: `expected at most one authentication method, got ${
        methods.join(", ")
      }`,
    });
  }
  return issues;
}

/**
 * Fills in defaults and wraps secrets, once `parseConfig`'s checks
 * accepted `nats`.
 *
 * @throws {ConfigError} for inconsistent credentials or prefixes.
 */
export function normalizeNatsConfig(nats: Record<string, unknown>): NatsConfig {
  const issues = credentialIssues(nats);
  const prefix = (nats.subjectPrefix as string | undefined) ??
    DEFAULT_SUBJECT_PREFIX;
  const ephemeral = (nats.ephemeralPrefix as string | undefined) ??
    defaultEphemeralPrefix(prefix);
  const problem = ephemeralPrefixProblem(prefix, ephemeral);
  if (problem !== undefined) {
    issues.push({ path: "nats.ephemeralPrefix", message: problem });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const servers = nats.servers ?? [];
  const out: Record<string, unknown> = {
    ...nats,
    servers: typeof servers === "string" ? [servers] : [...servers as string[]],
  };
  // The defaults, in the fields' order after the keys given.
  for (const [key, field] of Object.entries(natsFields())) {
    const value = key === "ephemeralPrefix" ? ephemeral : field.default;
    if (value !== undefined) out[key] ??= value;
  }
  for (const key of SECRET_KEYS) {
    if (out[key] !== undefined) {
      out[key] = toSecret(out[key] as string | Secret);
    }
  }
  return out as unknown as NatsConfig;
}
