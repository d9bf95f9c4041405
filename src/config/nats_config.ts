/**
 * Settings of the nats transport: connection, credentials, stream and
 * delivery tuning, their schema and their defaults.
 *
 * @module
 */

import * as z from "zod/mini";
import type { ValidationIssue } from "../core/errors.ts";
import { ConfigError } from "../core/errors.ts";
import { assertEventType } from "../core/subject.ts";
import { custom, int, secret } from "./_checks.ts";
import { redactUrl } from "../core/redact.ts";
import { type Secret, toSecret } from "../core/secret.ts";
import type { NatsConfig } from "../nats/options.ts";

export type { NatsConfig };

/** Default JetStream stream name. */
export const DEFAULT_STREAM = "MCB_EVENTS";
/** Default subject prefix: events travel on `<prefix>.<type>`. */
export const DEFAULT_SUBJECT_PREFIX = "mcb.events";

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

const STREAM_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * zod/mini schema of the `nats` section, built on first use (a bundle that
 * never parses a configuration does not carry it).
 */
export function natsShape(): NatsShape {
  return natsSchema ??= buildNatsShape();
}

/** The type of {@linkcode natsShape}'s schema. */
export type NatsShape = ReturnType<typeof buildNatsShape>;

let natsSchema: NatsShape | undefined;

const wsUrl = () =>
  z.string().check(custom((value) => {
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
    return undefined;
  }));

const subjectPrefix = () =>
  z.string().check(custom((v) => {
    try {
      assertEventType(v);
      return undefined;
    } catch {
      return `expected dot-separated tokens of A-Z, a-z, 0-9, "_" or "-" (no wildcards), got ${
        JSON.stringify(v)
      }`;
    }
  }));

function buildNatsShape() {
  return z.strictObject({
    servers: z.optional(z.union([
      wsUrl(),
      z.array(wsUrl()).check(
        z.minLength(1, { error: "expected at least one ws:// or wss:// URL" }),
      ),
    ])),
    token: z.optional(secret()),
    user: z.optional(z.string().check(z.minLength(1))),
    pass: z.optional(secret()),
    nkeySeed: z.optional(secret()),
    creds: z.optional(secret()),
    stream: z.optional(
      z.string().check(
        custom((v) =>
          STREAM_NAME.test(v)
            ? undefined
            : `expected 1-255 characters of A-Z, a-z, 0-9, "_" or "-", got ${
              JSON.stringify(v)
            }`
        ),
      ),
    ),
    subjectPrefix: z.optional(subjectPrefix()),
    ephemeralPrefix: z.optional(subjectPrefix()),
    ephemeralEncoding: z.optional(z.enum(["structured", "binary"])),
    provision: z.optional(z.boolean()),
    duplicateWindow: z.optional(int(1)),
    maxAge: z.optional(int(0)),
    maxMsgs: z.optional(int(-1)),
    maxBytes: z.optional(int(-1)),
    storage: z.optional(z.enum(["file", "memory"])),
    replicas: z.optional(int(1)),
    publishTimeout: z.optional(int(1)),
    ackWait: z.optional(int(1)),
    maxDeliver: z.optional(int(1)),
    maxEventBytes: z.optional(int(1)),
    name: z.optional(z.string()),
    connectTimeout: z.optional(int(1)),
    reconnectTimeWait: z.optional(int(0)),
    reconnectJitter: z.optional(int(0)),
    maxReconnectAttempts: z.optional(int(-1)),
  });
}

const SECRET_KEYS = ["token", "pass", "nkeySeed", "creds"] as const;

function credentialIssues(nats: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (nats.user !== undefined && nats.pass === undefined) {
    issues.push({
      path: "nats.pass",
      message: "required when nats.user is set",
    });
  }
  if (nats.pass !== undefined && nats.user === undefined) {
    issues.push({
      path: "nats.user",
      message: "required when nats.pass is set",
    });
  }
  const methods = [
    nats.token !== undefined && "token",
    (nats.user !== undefined || nats.pass !== undefined) && "user/pass",
    nats.nkeySeed !== undefined && "nkeySeed",
    nats.creds !== undefined && "creds",
  ].filter(Boolean);
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
 * Fills in defaults and wraps secrets, after the schema accepted `nats`.
 *
 * @throws {ConfigError} for inconsistent credentials or prefixes.
 */
export function normalizeNatsConfig(nats: Record<string, unknown>): NatsConfig {
  const issues = credentialIssues(nats);
  const prefix = (nats.subjectPrefix as string | undefined) ??
    DEFAULT_SUBJECT_PREFIX;
  const ephemeral = (nats.ephemeralPrefix as string | undefined) ??
    `${prefix}_ephemeral`;
  if (ephemeral === prefix || ephemeral.startsWith(`${prefix}.`)) {
    issues.push({
      path: "nats.ephemeralPrefix",
      message:
        `must lie outside "${prefix}.>" (the stream would store ephemeral events), got ${
          JSON.stringify(ephemeral)
        }`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const servers = nats.servers;
  const out: Record<string, unknown> = {
    ...nats,
    servers: servers === undefined
      ? []
      : typeof servers === "string"
      ? [servers]
      : [...servers as string[]],
    stream: nats.stream ?? DEFAULT_STREAM,
    subjectPrefix: prefix,
    ephemeralPrefix: ephemeral,
    ephemeralEncoding: nats.ephemeralEncoding ?? "structured",
    provision: nats.provision ?? true,
    duplicateWindow: nats.duplicateWindow ?? 120_000,
    maxAge: nats.maxAge ?? 0,
    maxMsgs: nats.maxMsgs ?? -1,
    maxBytes: nats.maxBytes ?? -1,
    storage: nats.storage ?? "file",
    replicas: nats.replicas ?? 1,
    publishTimeout: nats.publishTimeout ?? 10_000,
    ackWait: nats.ackWait ?? 30_000,
    maxDeliver: nats.maxDeliver ?? 5,
    maxEventBytes: nats.maxEventBytes ?? 1_048_576,
    connectTimeout: nats.connectTimeout ?? 5000,
    reconnectTimeWait: nats.reconnectTimeWait ?? 1000,
    reconnectJitter: nats.reconnectJitter ?? 500,
    maxReconnectAttempts: nats.maxReconnectAttempts ?? -1,
  };
  for (const key of SECRET_KEYS) {
    if (out[key] !== undefined) {
      out[key] = toSecret(out[key] as string | Secret);
    }
  }
  return out as unknown as NatsConfig;
}
