/**
 * `loadConfig`: configuration from a JSON, JSONC or TOML file, layered under
 * environment variables and explicit overrides.
 *
 * @module
 */

import { ConfigError, type ValidationIssue } from "../core/errors.ts";
import { formatPath, kindOf } from "../core/_issues.ts";
import {
  type CommonConfigInput,
  type EventBusConfig,
  parseConfig,
  type TransportName,
} from "./config.ts";
import type { NatsConfigInput } from "./nats_config.ts";
import { envInput, envNameFor } from "./env.ts";
import { readEnv, readTextFile as hostReadTextFile } from "#config-host";
import {
  isRecord,
  type Origin,
  readDocument,
  readSecretFiles,
} from "./read_document.ts";
import {
  BUS_KEYS,
  canonicalKey,
  NATS_KEYS,
  snakeCase,
  suggest,
} from "./keys.ts";

/** Explicit settings that win over the file and the environment. */
export interface LoadConfigOverrides extends CommonConfigInput {
  /** The transport. */
  transport?: TransportName;
  /** local: events kept for resume. */
  history?: number;
  /** nats: merged key by key over the file's and the environment's. */
  nats?: NatsConfigInput;
}

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /**
   * A `.json`, `.jsonc` or `.toml` file. Its event bus settings are the
   * whole file, or its `event_bus` (or `eventBus`) section.
   */
  file?: string;
  /**
   * Reads a text file (the file and its `*_file` secret keys).
   *
   * @default {Deno.readTextFile on Deno; fs.readFile(p, "utf8") on Node and Bun; none in browsers and Workers (pass one to read a file)}
   */
  readTextFile?: (path: string) => Promise<string>;
  /**
   * Environment variables (`MCB_EVENT_BUS_*`, see `configFromEnv`); they
   * win over the file. Pass `{}` to read none.
   *
   * @default {the process environment on Deno (needs --allow-env), Node and Bun; none in browsers and Workers}
   */
  env?: Record<string, string | undefined>;
  /** Settings that win over the file and the environment. */
  overrides?: LoadConfigOverrides;
}

/**
 * Loads the configuration: defaults < file < environment < overrides, then
 * validates it like `parseConfig`.
 *
 * Keys are the config's camelCase keys (`subjectPrefix`) or their
 * snake_case forms (`subject_prefix`). Secrets may be referenced:
 * `token_file`, `pass_file`, `nkey_seed_file` (trailing whitespace is
 * removed) and `creds_file` (a NATS `.creds` file); relative paths are
 * resolved against the config file's directory. When the resulting transport
 * is `local` the `nats` section is ignored (and `history` when it is `nats`),
 * so an environment variable can switch the transport.
 *
 * @param options The file, its reader, the environment and overrides.
 * @returns The validated configuration (secrets redacted when logged).
 * @throws {ConfigError} naming the file, the key path and the expected form,
 * for an unreadable file, a syntax error, an unknown key or a bad value. It
 * never contains a secret's value.
 *
 * @example
 * ```ts
 * import { loadConfig } from "@mcb/event-bus/config";
 *
 * const files: Record<string, string> = {
 *   "mcb.toml": '[event_bus]\ntransport = "nats"\n[event_bus.nats]\nservers = ["ws://127.0.0.1:8080"]\ntoken_file = "/run/secrets/nats_token"\n',
 *   "/run/secrets/nats_token": "s3cr3t\n",
 * };
 * const config = await loadConfig({
 *   file: "mcb.toml",
 *   readTextFile: async (path) => files[path],
 *   env: { MCB_EVENT_BUS_NATS_STREAM: "APP_EVENTS" },
 * });
 * console.log(JSON.stringify(config)); // the token shows as "[redacted]"
 * ```
 */
export async function loadConfig(
  options: LoadConfigOptions = {},
): Promise<EventBusConfig> {
  const {
    file,
    readTextFile = hostReadTextFile,
    env = readEnv?.() ?? {},
    overrides = {},
  } = options;
  const origins = new Map<string, Origin>();
  let fromFile: Record<string, unknown> = {};
  let section = "";
  if (file !== undefined) {
    if (readTextFile === undefined) {
      throw new TypeError(
        "loadConfig: this runtime has no file system to read the file from: pass readTextFile (see LoadConfigOptions.readTextFile)",
      );
    }
    const root = await readDocument(file, readTextFile);
    ({ section, fromFile } = await fileInput(
      file,
      root,
      readTextFile,
      origins,
    ));
  }

  // Layer: file < environment < overrides.
  const merged: Record<string, unknown> = { ...fromFile };
  const nats: Record<string, unknown> = isRecord(fromFile.nats)
    ? { ...fromFile.nats }
    : {};
  const fromEnv = envInput(env);
  for (const key of ["transport", "source"] as const) {
    if (fromEnv[key] !== undefined) {
      merged[key] = fromEnv[key];
      origins.set(key, { kind: "env" });
    }
  }
  const envNats = fromEnv.nats;
  const { nats: overrideNats, ...overrideTop } = overrides;
  for (const [key, value] of Object.entries(overrideTop)) {
    if (value === undefined) continue;
    merged[key] = value;
    origins.set(key, { kind: "override" });
  }
  const transport = merged.transport ?? "local";
  if (transport === "nats") {
    for (const [key, value] of Object.entries(envNats)) {
      nats[key] = value;
      origins.set(`nats.${key}`, { kind: "env" });
    }
    for (const [key, value] of Object.entries(overrideNats ?? {})) {
      if (value === undefined) continue;
      nats[key] = value;
      origins.set(`nats.${key}`, { kind: "override" });
    }
    merged.nats = isRecord(fromFile.nats) || !("nats" in fromFile)
      ? nats
      : fromFile.nats;
    delete merged.history;
  } else if (transport === "local") {
    delete merged.nats;
  }

  try {
    return parseConfig(merged);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => ({
        path: describePath(issue.path, origins, file, section),
        message: issue.message,
      })),
    ); // the same issues located: a cause would repeat them
  }
}

/**
 * Picks the event bus section, checks its keys, renames them to camelCase
 * and reads the `*_file` secrets.
 */
async function fileInput(
  file: string,
  root: Record<string, unknown>,
  readTextFile: (path: string) => Promise<string>,
  origins: Map<string, Origin>,
): Promise<{ section: string; fromFile: Record<string, unknown> }> {
  const issues: ValidationIssue[] = [];
  const at = (path: string) => `${file}: ${path}`;
  const sections = ["event_bus", "eventBus"].filter((k) =>
    Object.hasOwn(root, k)
  );
  let section = "";
  let body: Record<string, unknown> = root;
  if (sections.length > 1) {
    throw new ConfigError([{
      path: at("eventBus"),
      message: "set either event_bus or eventBus, not both",
    }]);
  }
  if (sections.length === 1) {
    section = sections[0];
    const value = root[section];
    if (!isRecord(value)) {
      throw new ConfigError([{
        path: at(section),
        message: `expected a table/object, got ${kindOf(value)}`,
      }]);
    }
    body = value;
  }

  const rename = (
    object: Record<string, unknown>,
    known: readonly string[],
    where: string,
    ignore: string[],
    // Also suggested for an unknown key: the sections a root may hold.
    sections: readonly string[] = [],
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const written = new Map<string, string>();
    for (const [key, value] of Object.entries(object)) {
      if (ignore.includes(key)) continue;
      const path = formatPath(where, [key]);
      const canonical = canonicalKey(key, known);
      if (canonical === undefined) {
        const hint = key === "onError"
          ? " (a function: pass it in overrides)"
          : suggestion(key, known, sections);
        issues.push({
          path: at(path),
          message: `unknown ${isRecord(value) ? "section" : "key"}${hint}`,
        });
        continue;
      }
      const before = written.get(canonical);
      if (before !== undefined) {
        issues.push({
          path: at(path),
          message: `set twice (also as ${JSON.stringify(before)})`,
        });
        continue;
      }
      written.set(canonical, key);
      out[canonical] = value;
      origins.set(canonical, { kind: "file", key: path });
    }
    return out;
  };

  const fromFile = section
    ? rename(body, BUS_KEYS, section, [])
    : rename(body, BUS_KEYS, section, ["$schema"], ["eventBus"]);
  if (isRecord(fromFile.nats)) {
    const natsPath = (origins.get("nats") as { key: string }).key;
    const before = new Map(origins);
    origins.clear();
    const nats = rename(fromFile.nats, NATS_KEYS, natsPath, []);
    const natsOrigins = new Map(origins);
    origins.clear();
    for (const [k, v] of before) origins.set(k, v);
    for (const [k, v] of natsOrigins) origins.set(`nats.${k}`, v);
    await readSecretFiles(file, nats, readTextFile, origins, issues);
    fromFile.nats = nats;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { section, fromFile };
}

/** Names where a failing config path came from. */
function describePath(
  path: string,
  origins: Map<string, Origin>,
  file: string | undefined,
  section: string,
): string {
  // The longest known prefix: `nats.servers[0]` -> `nats.servers`.
  let base = path;
  let suffix = "";
  while (base !== "" && !origins.has(base)) {
    const cut = Math.max(base.lastIndexOf("."), base.lastIndexOf("["));
    if (cut <= 0) {
      base = "";
      break;
    }
    base = base.slice(0, cut);
  }
  suffix = path.slice(base.length);
  const origin = base === "" ? undefined : origins.get(base);
  if (origin?.kind === "env") return envNameFor(path);
  if (origin?.kind === "override") return `overrides: ${path}`;
  if (origin?.kind === "file") return `${file}: ${origin.key}${suffix}`;
  if (file !== undefined) {
    const where = section === ""
      ? (path === "" ? "(root)" : path)
      : path === ""
      ? section
      : `${section}.${path}`;
    return `${file}: ${where}`;
  }
  return path === "" ? "(root)" : path;
}

function suggestion(
  key: string,
  known: readonly string[],
  sections: readonly string[],
): string {
  const near = suggest(key, [...known, ...sections]);
  return near === undefined
    ? ` (expected one of ${known.map((k) => snakeCase(k)).join(", ")})`
    : ` (did you mean ${JSON.stringify(near)}?)`;
}
