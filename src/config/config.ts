/**
 * The configuration that picks and tunes a transport, its zod schema and
 * its validation.
 *
 * @module
 */

import * as z from "zod/mini";
import { safeParse } from "zod/v4/core";
import type { ErrorHandler } from "../core/bus.ts";
import { ConfigError, type ValidationIssue } from "../core/errors.ts";
import { toValidationIssues } from "../core/_issues.ts";
import { assertEventType } from "../core/subject.ts";
import { Secret, toSecret } from "./secret.ts";

/** Default JetStream stream name. */
export const DEFAULT_STREAM = "MCB_EVENTS";
/** Default subject prefix: events travel on `<prefix>.<type>`. */
export const DEFAULT_SUBJECT_PREFIX = "mcb.events";

/** The transports a config may name. */
export const TRANSPORTS = ["local", "nats"] as const;
/** A transport name. */
export type TransportName = typeof TRANSPORTS[number];

/** Settings every transport shares. */
export interface CommonConfigInput {
  /** CloudEvents `source` of this instance (a URI-reference). */
  source?: string;
  /** Validate `data` at publish. @default {true} */
  validate?: boolean;
  /** Receives isolated errors. @default {console.error} */
  onError?: ErrorHandler;
}

/** `{ transport: "local" }`: one process, nothing to install. */
export interface LocalConfigInput extends CommonConfigInput {
  /**
   * Selects the local transport.
   *
   * @default {"local"}
   */
  transport?: "local";
}

/** Connection and stream settings of the nats transport. */
export interface NatsConfigInput {
  /** WebSocket URLs (`ws://` or `wss://`), an array or comma-separated. */
  servers: string | string[];
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
  /** Subject prefix. @default {"mcb.events"} */
  subjectPrefix?: string;
}

/** `{ transport: "nats", nats: {...} }`: many instances over NATS. */
export interface NatsTransportConfigInput extends CommonConfigInput {
  /** Selects the nats transport. */
  transport: "nats";
  /** Connection and stream settings. */
  nats: NatsConfigInput;
}

/** What {@linkcode parseConfig} and `createEventBus` accept. */
export type EventBusConfigInput = LocalConfigInput | NatsTransportConfigInput;

/** Validated nats settings; secrets are wrapped in {@linkcode Secret}. */
export interface NatsConfig {
  /** WebSocket URLs. */
  servers: string[];
  /** Token authentication. */
  token?: Secret;
  /** User for user/password authentication. */
  user?: string;
  /** Password for user/password authentication. */
  pass?: Secret;
  /** NKey seed. */
  nkeySeed?: Secret;
  /** `.creds` file contents. */
  creds?: Secret;
  /** JetStream stream name. */
  stream: string;
  /** Subject prefix. */
  subjectPrefix: string;
}

/** A validated configuration. Safe to log and `JSON.stringify`. */
export type EventBusConfig =
  & { source?: string; validate?: boolean; onError?: ErrorHandler }
  & ({ transport: "local" } | { transport: "nats"; nats: NatsConfig });

const SECRET_KEYS = ["token", "pass", "nkeySeed", "creds"] as const;
const URI_REFERENCE = /^[^\s"<>\\^`{|}]+$/;
const STREAM_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Shows a URL without any user:password part. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1[redacted]@");
}

type Ctx = { value: unknown; issues: unknown[] };
function custom(
  test: (value: string) => string | undefined,
): (ctx: Ctx) => void {
  return (ctx) => {
    const problem = test(ctx.value as string);
    if (problem !== undefined) {
      ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
    }
  };
}

const wsUrl = z.string().check(custom((value) => {
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

const secret = z.union([
  z.string().check(z.minLength(1)),
  z.custom<Secret>((v) => v instanceof Secret, {
    error: "expected a non-empty string or a Secret",
  }),
]);

const commonShape = {
  source: z.optional(
    z.string().check(
      custom((v) =>
        v.length > 0 && URI_REFERENCE.test(v)
          ? undefined
          : `expected a URI-reference such as "/my-app/instance-1", got ${
            JSON.stringify(v)
          }`
      ),
    ),
  ),
  validate: z.optional(z.boolean()),
  onError: z.optional(
    z.custom<ErrorHandler>((v) => typeof v === "function", {
      error: "expected a function",
    }),
  ),
};

const natsShape = z.strictObject({
  servers: z.union([
    wsUrl,
    z.array(wsUrl).check(
      z.minLength(1, { error: "expected at least one ws:// or wss:// URL" }),
    ),
  ]),
  token: z.optional(secret),
  user: z.optional(z.string().check(z.minLength(1))),
  pass: z.optional(secret),
  nkeySeed: z.optional(secret),
  creds: z.optional(secret),
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
  subjectPrefix: z.optional(
    z.string().check(custom((v) => {
      try {
        assertEventType(v);
        return undefined;
      } catch {
        return `expected dot-separated tokens of A-Z, a-z, 0-9, "_" or "-" (no wildcards), got ${
          JSON.stringify(v)
        }`;
      }
    })),
  ),
});

// zod/mini schema of the local transport's config.
const localConfigSchema = z.strictObject({
  transport: z.optional(z.literal("local")),
  ...commonShape,
});

// zod/mini schema of the nats transport's config.
const natsConfigSchema = z.strictObject({
  transport: z.literal("nats"),
  nats: natsShape,
  ...commonShape,
});

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
 * Validates a configuration and fills in defaults. Secrets become
 * {@linkcode Secret} objects, so the result is safe to log.
 *
 * @param input The configuration (`{}` selects the local transport).
 * @returns The validated configuration.
 * @throws {ConfigError} naming each bad field and the expected form; it
 * never contains a secret's value.
 *
 * @example
 * ```ts
 * import { parseConfig } from "@mcb/event-bus";
 * const config = parseConfig({
 *   transport: "nats",
 *   nats: { servers: "ws://127.0.0.1:8080", token: "s3cr3t" },
 * });
 * console.log(JSON.stringify(config)); // token shows as "[redacted]"
 * ```
 */
export function parseConfig(input: unknown): EventBusConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ConfigError([{
      path: "(root)",
      message: `expected an object, got ${
        Array.isArray(input) ? "array" : input === null ? "null" : typeof input
      }`,
    }]);
  }
  const transport = (input as { transport?: unknown }).transport ?? "local";
  if (!TRANSPORTS.includes(transport as TransportName)) {
    throw new ConfigError([{
      path: "transport",
      message: `expected "local" or "nats", got ${
        typeof transport === "string"
          ? JSON.stringify(transport)
          : typeof transport
      }`,
    }]);
  }
  const schema = transport === "nats" ? natsConfigSchema : localConfigSchema;
  const result = safeParse(schema, input);
  if (!result.success) {
    throw new ConfigError(toValidationIssues("", result.error.issues, input));
  }
  const data = result.data as Record<string, unknown>;
  const out: Record<string, unknown> = { ...data, transport };
  if (transport === "nats") {
    const nats = data.nats as Record<string, unknown>;
    const issues = credentialIssues(nats);
    if (issues.length > 0) throw new ConfigError(issues);
    const cleaned: Record<string, unknown> = {
      ...nats,
      servers: typeof nats.servers === "string"
        ? [nats.servers]
        : [...nats.servers as string[]],
      stream: nats.stream ?? DEFAULT_STREAM,
      subjectPrefix: nats.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX,
    };
    for (const key of SECRET_KEYS) {
      if (cleaned[key] !== undefined) {
        cleaned[key] = toSecret(cleaned[key] as string | Secret);
      }
    }
    out.nats = cleaned;
  }
  return out as EventBusConfig;
}
