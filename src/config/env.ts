/**
 * Configuration from environment variables, read from a plain record so the
 * core stays free of runtime APIs (pass `Deno.env.toObject()` or
 * `process.env`).
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";
import { type EventBusConfig, parseConfig } from "./config.ts";

const PREFIX = "MCB_EVENT_BUS_";

/** Environment variable -> config path, in the order they are documented. */
export const ENV_VARIABLES = {
  MCB_EVENT_BUS_TRANSPORT: "transport",
  MCB_EVENT_BUS_SOURCE: "source",
  MCB_EVENT_BUS_NATS_SERVERS: "nats.servers",
  MCB_EVENT_BUS_NATS_TOKEN: "nats.token",
  MCB_EVENT_BUS_NATS_USER: "nats.user",
  MCB_EVENT_BUS_NATS_PASS: "nats.pass",
  MCB_EVENT_BUS_NATS_NKEY_SEED: "nats.nkeySeed",
  MCB_EVENT_BUS_NATS_CREDS: "nats.creds",
  MCB_EVENT_BUS_NATS_STREAM: "nats.stream",
  MCB_EVENT_BUS_NATS_SUBJECT_PREFIX: "nats.subjectPrefix",
} as const;

/** Variables of the system this library comes from, read when ours are unset. */
export const ENV_ALIASES = {
  MCP_EVENT_BUS_TYPE: "MCB_EVENT_BUS_TRANSPORT",
  MCP_NATS_URL: "MCB_EVENT_BUS_NATS_SERVERS",
} as const;

/** Transport names of the seed system and what they mean here. */
const TRANSPORT_ALIASES: Record<string, string> = {
  local: "local",
  tokio: "local",
  memory: "local",
  inprocess: "local",
  nats: "nats",
};

/**
 * Builds a validated configuration from environment variables.
 *
 * | variable | config key |
 * |---|---|
 * | `MCB_EVENT_BUS_TRANSPORT` (alias `MCP_EVENT_BUS_TYPE`) | `transport` (`local`, `nats`; `tokio` means `local`) |
 * | `MCB_EVENT_BUS_SOURCE` | `source` |
 * | `MCB_EVENT_BUS_NATS_SERVERS` (alias `MCP_NATS_URL`) | `nats.servers`, comma-separated |
 * | `MCB_EVENT_BUS_NATS_TOKEN` | `nats.token` |
 * | `MCB_EVENT_BUS_NATS_USER`, `..._PASS` | `nats.user`, `nats.pass` |
 * | `MCB_EVENT_BUS_NATS_NKEY_SEED` | `nats.nkeySeed` |
 * | `MCB_EVENT_BUS_NATS_CREDS` | `nats.creds` (the file's text) |
 * | `MCB_EVENT_BUS_NATS_STREAM` | `nats.stream` |
 * | `MCB_EVENT_BUS_NATS_SUBJECT_PREFIX` | `nats.subjectPrefix` |
 *
 * Empty values count as unset.
 *
 * @param env A record of variables, e.g. `Deno.env.toObject()`.
 * @returns The validated configuration.
 * @throws {ConfigError} naming the variable and the expected form (never a
 * secret's value).
 *
 * @example
 * ```ts
 * import { configFromEnv } from "@mcb/event-bus";
 * const config = configFromEnv({ MCB_EVENT_BUS_TRANSPORT: "local" });
 * console.log(config.transport); // "local"
 * ```
 */
export function configFromEnv(
  env: Record<string, string | undefined>,
): EventBusConfig {
  const { nats, ...input } = envInput(env);
  if (input.transport === "nats") {
    (input as Record<string, unknown>).nats = nats;
  }
  try {
    return parseConfig(input);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => ({
        path: envNameFor(issue.path),
        message: issue.message,
      })),
      { cause: error },
    );
  }
}

/**
 * The raw (unvalidated) keys the variables set; `nats` holds the `nats.*`
 * ones whatever the transport. Used to layer the environment over a file.
 */
export function envInput(
  env: Record<string, string | undefined>,
): { transport?: unknown; source?: string; nats: Record<string, unknown> } {
  const get = (name: keyof typeof ENV_VARIABLES): string | undefined => {
    let value = env[name];
    if (value === undefined || value.trim() === "") {
      const alias = Object.entries(ENV_ALIASES).find(([, v]) => v === name);
      if (alias !== undefined) value = env[alias[0]];
    }
    return value === undefined || value.trim() === ""
      ? undefined
      : value.trim();
  };
  const input: Record<string, unknown> = {};
  const rawTransport = get("MCB_EVENT_BUS_TRANSPORT");
  if (rawTransport !== undefined) {
    input.transport = TRANSPORT_ALIASES[rawTransport.toLowerCase()] ??
      rawTransport;
  }
  const source = get("MCB_EVENT_BUS_SOURCE");
  if (source !== undefined) input.source = source;
  const nats: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(ENV_VARIABLES)) {
    if (!path.startsWith("nats.")) continue;
    const value = get(name as keyof typeof ENV_VARIABLES);
    if (value === undefined) continue;
    const key = path.slice("nats.".length);
    nats[key] = key === "servers"
      ? value.split(",").map((s) => s.trim()).filter((s) => s !== "")
      : value;
  }
  return { ...input, nats };
}

/** `nats.servers[1]` -> `MCB_EVENT_BUS_NATS_SERVERS (nats.servers[1])`. */
export function envNameFor(path: string): string {
  const base = path.replace(/\[\d+\]$/, "");
  const entry = Object.entries(ENV_VARIABLES).find(([, p]) => p === base);
  if (entry !== undefined) return `${entry[0]} (${path})`;
  if (path === "nats") return `${PREFIX}NATS_* (${path})`;
  return path;
}
