/**
 * Settings of the nats transport: the input type and the normalization
 * (credentials, prefixes, defaults, secrets) after the checks of the
 * settings table (settings.ts).
 *
 * @module
 */

import type { ValidationIssue } from "../core/errors.ts";
import { ConfigError } from "../core/errors.ts";
import { type Secret, toSecret } from "../core/secret.ts";
import {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  defaultEphemeralPrefix,
  ephemeralPrefixProblem,
} from "../nats/subjects.ts";
import type { NatsConfig } from "../nats/options.ts";
import { NATS_SETTINGS, type Setting } from "./settings.ts";
import { durationMs } from "./_checks.ts";

export type { NatsConfig };

export { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX };

/**
 * Connection, stream and delivery settings of the nats transport: the keys
 * of {@linkcode NatsConfig}, all optional but `servers` (needed unless a
 * connection is passed in), with secrets as strings. Their defaults,
 * environment variables and file keys are in the README's configuration
 * table and the JSON Schema (`schema/event-bus-config.schema.json`).
 */
export type NatsConfigInput =
  & Partial<
    Omit<
      NatsConfig,
      "servers" | "token" | "pass" | "nkeySeed" | "creds" | DurationSetting
    >
  >
  & { [K in keyof Pick<NatsConfig, DurationSetting>]?: number | Duration }
  & {
    /** WebSocket URLs (`ws://` or `wss://`), an array or comma-separated. */
    servers?: string | string[];
    /** Token authentication. */
    token?: string | Secret;
    /** Password for user/password authentication (needs `user`). */
    pass?: string | Secret;
    /** NKey seed (`SU...`) for nkey authentication. */
    nkeySeed?: string | Secret;
    /** Contents of a `.creds` file (JWT + nkey seed). */
    creds?: string | Secret;
  };

/**
 * A duration with a unit, for the settings in milliseconds: a whole number
 * then `ms`, `s`, `m` or `h` (`"500ms"`, `"30s"`, `"2m"`, `"1h"`). A number
 * means milliseconds; a string of digits alone too.
 */
export type Duration = `${number}${"ms" | "s" | "m" | "h" | ""}`;

/** The settings in milliseconds, which also take a {@linkcode Duration}. */
export type DurationSetting =
  | "duplicateWindow"
  | "maxAge"
  | "publishTimeout"
  | "ackWait"
  | "connectTimeout"
  | "reconnectTimeWait"
  | "reconnectJitter";

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
  // The defaults, in the table's order after the keys given; secrets
  // become Secret objects.
  for (const [key, row] of Object.entries(NATS_SETTINGS as object)) {
    const { type, default: fallback } = row as Setting;
    const value = key === "ephemeralPrefix" ? ephemeral : fallback;
    if (value !== undefined) out[key] ??= value;
    if (type === "secret" && out[key] !== undefined) {
      out[key] = toSecret(out[key] as string | Secret);
    }
    if (type === "duration") out[key] = durationMs(out[key]);
  }
  return out as unknown as NatsConfig;
}
