/**
 * Configuration from environment variables, read from a plain record so the
 * core stays free of runtime APIs (pass `Deno.env.toObject()` or
 * `process.env`).
 *
 * @module
 */

import { ConfigError } from "../core/errors.ts";
import { type EventBusConfig, parseConfig } from "./config.ts";
import {
  BUS_SETTINGS,
  envName,
  NATS_SETTINGS,
  type Setting,
} from "./settings.ts";

const PREFIX = "MCB_EVENT_BUS_";

/** [variable, config path, alias] of each setting that has a variable. */
function variables(): [string, string, string | undefined][] {
  const out: [string, string, string | undefined][] = [];
  for (
    const [section, rows] of [["", BUS_SETTINGS], [
      "nats",
      NATS_SETTINGS,
    ]] as const
  ) {
    for (const [key, row] of Object.entries(rows as object)) {
      const { env, alias } = row as Setting;
      const path = section ? `${section}.${key}` : key;
      if (env) out.push([envName(section, key), path, alias]);
    }
  }
  return out;
}

/**
 * Environment variable -> config path, in the order they are documented
 * (from the settings table).
 */
export const ENV_VARIABLES: Readonly<Record<string, string>> =
  /* @__PURE__ */ Object.fromEntries(
    /* @__PURE__ */ variables().map(([name, path]) => [name, path]),
  );

/** Variables of the system this library comes from, read when ours are unset. */
export const ENV_ALIASES: Readonly<Record<string, string>> =
  /* @__PURE__ */ Object.fromEntries(
    /* @__PURE__ */ variables().flatMap(([name, , alias]) =>
      alias === undefined ? [] : [[alias, name]]
    ),
  );

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
 * The variables are {@linkcode ENV_VARIABLES} (`MCB_EVENT_BUS_TRANSPORT`,
 * `..._SOURCE`, `..._NATS_SERVERS` comma-separated, `..._NATS_TOKEN`,
 * `..._NATS_USER`, `..._NATS_PASS`, `..._NATS_NKEY_SEED`, `..._NATS_CREDS`
 * (the file's text), `..._NATS_STREAM`, `..._NATS_SUBJECT_PREFIX`), read
 * before their {@linkcode ENV_ALIASES}; `tokio`, `memory` and `inprocess`
 * mean `local`. The README's configuration table lists them by key.
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
    ); // the same issues re-keyed: a cause would repeat them
  }
}

/**
 * The raw (unvalidated) keys the variables set; `nats` holds the `nats.*`
 * ones whatever the transport. Used to layer the environment over a file.
 */
export function envInput(
  env: Record<string, string | undefined>,
): { transport?: unknown; source?: string; nats: Record<string, unknown> } {
  const get = (name: string): string | undefined => {
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
    const value = get(name);
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
