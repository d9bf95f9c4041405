/**
 * `deno task events -- <command>`: a command line for a NATS event bus of
 * Memory Context Browser's events (`mcbEvents`).
 *
 * ```sh
 * deno task events -- tail 'indexing.>'             # pretty, as they arrive
 * deno task events -- tail '>' --json --from all    # CloudEvents JSON lines, history first
 * deno task events -- tail '>' --from all --until-caught-up   # the history, then exit
 * deno task events -- publish cache.invalidate '{"namespace":"search"}'
 * echo '{}' | deno task events -- publish cache.invalidate -
 * deno task events -- types
 * ```
 *
 * Configured like the library: the `MCB_EVENT_BUS_*` environment variables
 * (`configFromEnv`), and `--config FILE`: a `.json`, `.jsonc` or `.toml` file
 * read by `loadConfig` (the environment variables win over it). Exit status:
 * 0 done, 1 failed (connection, publish), 2 usage or input errors (bad
 * arguments, bad JSON, unknown type, invalid data, bad configuration).
 *
 * @module
 */

import {
  type CloudEvent,
  ConfigError,
  configFromEnv,
  encodeCloudEvent,
  type EventBusConfig,
  mcbEvents,
  type StartFrom,
  ValidationError,
} from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { deleteGroup, resetGroup } from "../src/nats/mod.ts";
import { loadConfig as loadConfigFile } from "../src/config/mod.ts";

const USAGE = `Usage: deno task events -- <command> [options]

Commands:
  tail PATTERN        print events matching PATTERN as they arrive
                      (a type, or * for one token and a final > for more)
    --json            one CloudEvents JSON object per line
    --from WHERE      new (default), all (the stream's history first), a
                      stream sequence to start at, or a position
                      n:<stream>:<sequence> (the end of each pretty line)
                      to resume just after it
    --count N         exit after N events
    --until-caught-up with --from all, a sequence or a position: print
                      the history there was when tail started, then exit 0
  publish TYPE DATA   publish one event; DATA is JSON, or - to read stdin
    --id ID           the CloudEvent id (default: generated)
    --subject S       the CloudEvent subject
    --json            print the published event as JSON (default: its id)
  types               list the event types and whether they are ephemeral
  group delete NAME   remove group NAME's durable consumer (stop its members
                      first); the next member starts it afresh, e.g. with
                      another pattern
  group reset NAME    move group NAME back to the stream's start (stop its
                      members first); they receive the stream again
    --from WHERE      all (default), new, or a stream sequence to start at

Options:
  --config FILE       a .json, .jsonc or .toml configuration file
                      (docs/configuration.md); MCB_EVENT_BUS_* variables win over it
  -h, --help          this help

Environment: MCB_EVENT_BUS_TRANSPORT=nats, MCB_EVENT_BUS_NATS_SERVERS=ws://...,
MCB_EVENT_BUS_NATS_STREAM, MCB_EVENT_BUS_NATS_SUBJECT_PREFIX, credentials (see
docs/configuration.md).`;

/** Where the CLI reads and writes; a test passes its own. */
export interface CliIO {
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  /** Reads a file (for --config). */
  readFile(path: string): Promise<string>;
  /** Reads all of standard input (for `publish TYPE -`). */
  readStdin(): Promise<string>;
  /** Aborts when the user interrupts (Ctrl-C). */
  signal: AbortSignal;
  /** Whether standard output is a terminal (colors). */
  color: boolean;
}

/** A usage or input error: exit status 2. */
class UsageError extends Error {
  override name = "UsageError";
}

interface Parsed {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set([
  "--from",
  "--count",
  "--id",
  "--subject",
  "--config",
]);
const BOOLEAN_FLAGS = new Set([
  "--json",
  "--until-caught-up",
  "--help",
  "-h",
]);

function parseArgs(args: string[]): Parsed {
  const rest = args[0] === "--" ? args.slice(1) : args;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (VALUE_FLAGS.has(name)) {
      const value = eq === -1 ? rest[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (BOOLEAN_FLAGS.has(name)) flags.set(name, true);
    else if (arg.startsWith("-") && arg !== "-") {
      throw new UsageError(`unknown option ${arg}`);
    } else positional.push(arg);
  }
  return { command: positional.shift() ?? "", positional, flags };
}

async function loadConfig(parsed: Parsed, io: CliIO): Promise<EventBusConfig> {
  const file = parsed.flags.get("--config");
  let config: EventBusConfig;
  if (typeof file === "string") {
    try {
      config = await loadConfigFile({
        file,
        readTextFile: io.readFile,
        env: io.env,
      });
    } catch (error) {
      // The file itself (unreadable, bad syntax) is a usage error.
      if (
        error instanceof ConfigError && error.issues.length === 1 &&
        error.issues[0].path === file
      ) {
        throw new UsageError(`--config ${file}: ${error.issues[0].message}`);
      }
      throw error;
    }
  } else config = configFromEnv(io.env);
  if (config.transport !== "nats") {
    throw new UsageError(
      "the CLI needs a NATS bus (a local bus lives inside one process): " +
        "set MCB_EVENT_BUS_TRANSPORT=nats and MCB_EVENT_BUS_NATS_SERVERS=ws://host:port, " +
        'or pass --config FILE with transport = "nats" and nats.servers',
    );
  }
  return config;
}

/** `"indexing.progress"`-like names close to `type`, for a hint. */
function closeTypes(type: string): string[] {
  const head = type.split(".")[0];
  return mcbEvents.types.filter((t) =>
    t.startsWith(head) || t.includes(type) || type.includes(t)
  );
}

type McbType = typeof mcbEvents.types[number];

function assertKnownType(type: string | undefined): McbType {
  if (type === undefined || type === "") {
    throw new UsageError("publish needs an event TYPE (see `types`)");
  }
  if (!mcbEvents.has(type)) {
    const close = closeTypes(type);
    throw new UsageError(
      `unknown event type ${JSON.stringify(type)}` +
        (close.length > 0 ? `; did you mean ${close.join(", ")}?` : "") +
        ` (known types: ${mcbEvents.types.join(", ")})`,
    );
  }
  return type as McbType;
}

function parseFrom(value: string | true | undefined): StartFrom {
  if (value === undefined || value === "new") return "new";
  if (value === "all") return "all";
  if (typeof value === "string" && /^\d+$/.test(value)) {
    const sequence = Number(value);
    if (sequence >= 1) return { sequence };
  }
  if (typeof value === "string" && /^n:.+:\d+$/.test(value)) {
    return { after: value };
  }
  throw new UsageError(
    `--from: expected new, all, a stream sequence >= 1 or a position n:<stream>:<sequence>, got ${
      JSON.stringify(value)
    }`,
  );
}

function time(iso: string | undefined): string {
  return iso?.slice(11, 23) ?? "--:--:--.---";
}

function pretty(
  event: CloudEvent,
  position: string | undefined,
  color: boolean,
): string {
  const paint = (code: number, s: string) =>
    color ? `\x1b[${code}m${s}\x1b[0m` : s;
  return [
    paint(2, time(event.time)),
    paint(36, event.type),
    paint(2, event.source),
    JSON.stringify(event.data),
    position === undefined ? "" : paint(2, position),
  ].filter((s) => s !== "").join("  ");
}

async function tail(parsed: Parsed, io: CliIO): Promise<number> {
  const pattern = parsed.positional[0];
  if (pattern === undefined) {
    throw new UsageError("tail needs a PATTERN, e.g. 'indexing.>' or '>'");
  }
  if (parsed.positional.length > 1) {
    throw new UsageError(
      `tail takes one PATTERN, got ${parsed.positional.join(" ")}`,
    );
  }
  try {
    if (mcbEvents.typesMatching(pattern).length === 0) {
      throw new UsageError(
        `pattern ${
          JSON.stringify(pattern)
        } matches no event type (see \`types\`)`,
      );
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
  const from = parseFrom(parsed.flags.get("--from"));
  const countFlag = parsed.flags.get("--count");
  const count = countFlag === undefined ? Infinity : Number(countFlag);
  if (!(count >= 1 && Number.isInteger(count) || count === Infinity)) {
    throw new UsageError(`--count: expected an integer >= 1, got ${countFlag}`);
  }
  const json = parsed.flags.has("--json");
  const untilCaughtUp = parsed.flags.has("--until-caught-up");
  if (untilCaughtUp && from === "new") {
    throw new UsageError(
      "--until-caught-up needs a history to print: --from all, a sequence or a position",
    );
  }
  const config = await loadConfig(parsed, io);
  const bus = await createEventBus(mcbEvents, {
    ...config,
    onError: (error, ctx) =>
      io.err(
        `tail: ${ctx.kind}: ${(error as Error)?.message ?? String(error)}`,
      ),
  });
  try {
    let seen = 0;
    const done = new AbortController();
    const stop = () => done.abort();
    io.signal.addEventListener("abort", stop, { once: true });
    if (io.signal.aborted) stop(); // interrupted while connecting
    const sub = bus.subscribe(pattern, (event) => {
      if (done.signal.aborted) return;
      io.out(
        json
          ? encodeCloudEvent(event)
          : pretty(event, bus.position(event), io.color),
      );
      if (++seen >= count) stop();
    }, {
      from,
      signal: done.signal,
      onGap: (gap) => io.err(`tail: gap (${gap.reason}): ${gap.message}`),
    });
    await sub.ready;
    const where = config.transport === "nats"
      ? ` on ${config.nats.servers.join(",")} (stream ${config.nats.stream})`
      : "";
    io.err(`tail: ${pattern}${where}: ready (Ctrl-C to stop)`);
    if (untilCaughtUp) {
      // Ended early (--count, Ctrl-C): that rejection is an ordinary end.
      sub.caughtUp.then(({ replayed, position }) => {
        io.err(
          `tail: caught up after ${replayed} events${
            position === undefined ? "" : ` (last ${position})`
          }`,
        );
        stop();
      }, () => {});
    }
    if (!done.signal.aborted) {
      await new Promise((resolve) =>
        done.signal.addEventListener("abort", resolve, { once: true })
      );
    }
    io.signal.removeEventListener("abort", stop);
    return 0;
  } finally {
    await bus.close();
  }
}

async function publish(parsed: Parsed, io: CliIO): Promise<number> {
  const type = assertKnownType(parsed.positional[0]);
  const raw = parsed.positional[1];
  if (raw === undefined) {
    throw new UsageError(
      `publish ${type} needs DATA: a JSON value such as '{}' (or - to read stdin)`,
    );
  }
  if (parsed.positional.length > 2) {
    throw new UsageError(
      `publish takes TYPE and DATA; quote the JSON (got ${
        parsed.positional.length - 1
      } data arguments)`,
    );
  }
  const text = raw === "-" ? await io.readStdin() : raw;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `publish ${type}: DATA is not valid JSON (${(error as Error).message}): ${
        JSON.stringify(text.length > 200 ? text.slice(0, 200) + "..." : text)
      }`,
    );
  }
  try {
    mcbEvents.parse(type, data); // fail before connecting
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new UsageError(`publish: ${error.message}`);
    }
    throw error;
  }
  const config = await loadConfig(parsed, io);
  const bus = await createEventBus(mcbEvents, config);
  try {
    const id = parsed.flags.get("--id");
    const subject = parsed.flags.get("--subject");
    const event = await bus.publish(
      type,
      data as never,
      {
        ...(typeof id === "string" ? { id } : {}),
        ...(typeof subject === "string" ? { subject } : {}),
      },
    );
    if (parsed.flags.has("--json")) io.out(encodeCloudEvent(event));
    else io.out(event.id);
    const position = bus.position(event);
    io.err(
      `publish: ${type} ${event.id} stored${
        position === undefined ? "" : ` at ${position}`
      }`,
    );
    return 0;
  } finally {
    await bus.close();
  }
}

async function group(parsed: Parsed, io: CliIO): Promise<number> {
  const [action, name, ...extra] = parsed.positional;
  if (action !== "delete" && action !== "reset") {
    throw new UsageError(
      `group: expected delete or reset, got ${JSON.stringify(action ?? "")}`,
    );
  }
  if (name === undefined || extra.length > 0) {
    throw new UsageError(`group ${action} takes one group NAME`);
  }
  const from = parseFrom(parsed.flags.get("--from") ?? "all");
  if (typeof from === "object" && "after" in from) {
    throw new UsageError(
      "group reset --from: a position is not accepted here; give a stream sequence",
    );
  }
  const config = await loadConfig(parsed, io);
  if (config.transport !== "nats") throw new UsageError("group needs nats");
  const bus = await createEventBus(mcbEvents, config);
  try {
    if (action === "delete") {
      const deleted = await deleteGroup(bus, name);
      io.err(
        deleted
          ? `group: deleted the durable consumer of group ${name}`
          : `group: group ${name} has no durable consumer (nothing to delete)`,
      );
      return 0;
    }
    await resetGroup(bus, name, { from });
    io.err(`group: group ${name} reset to ${JSON.stringify(from)}`);
    return 0;
  } finally {
    await bus.close();
  }
}

function types(io: CliIO): number {
  for (const type of mcbEvents.types) {
    io.out(
      mcbEvents.isEphemeral(type)
        ? `${type}  (ephemeral: at-most-once, not stored)`
        : type,
    );
  }
  return 0;
}

/**
 * Runs the CLI with `args`; resolves with the exit status. Errors are
 * written to `io.err`, never thrown.
 */
export async function run(args: string[], io: CliIO): Promise<number> {
  try {
    const parsed = parseArgs(args);
    if (
      parsed.flags.has("--help") || parsed.flags.has("-h") ||
      parsed.command === "help"
    ) {
      io.out(USAGE);
      return 0;
    }
    switch (parsed.command) {
      case "tail":
        return await tail(parsed, io);
      case "publish":
        return await publish(parsed, io);
      case "types":
        return types(io);
      case "group":
        return await group(parsed, io);
      case "":
        throw new UsageError(
          "a command is needed: tail, publish, types or group",
        );
      default:
        throw new UsageError(
          `unknown command ${
            JSON.stringify(parsed.command)
          }: expected tail, publish, types or group`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`events: ${error.message}`);
      io.err("Run `deno task events -- --help` for usage.");
      return 2;
    }
    if (error instanceof ConfigError || error instanceof ValidationError) {
      io.err(`events: ${error.message}`);
      return 2;
    }
    const e = error as Error;
    io.err(`events: ${e?.name ?? "Error"}: ${e?.message ?? String(error)}`);
    // Causes add to the message (they do not repeat it): show them.
    for (
      let c = e?.cause, n = 0;
      c instanceof Error && n < 3;
      c = c.cause, n++
    ) {
      io.err(`  caused by ${c.name}: ${c.message}`);
    }
    return 1;
  }
}

if (import.meta.main) {
  const interrupted = new AbortController();
  // The first Ctrl-C ends a tail cleanly; a second one exits at once (e.g.
  // while connecting or waiting for a publish's acknowledgement).
  const onSignal = () => {
    if (interrupted.signal.aborted) Deno.exit(130);
    interrupted.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const code = await run(Deno.args, {
    env: Deno.env.toObject(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    readFile: (path) => Deno.readTextFile(path),
    readStdin: () => new Response(Deno.stdin.readable).text(),
    signal: interrupted.signal,
    color: Deno.stdout.isTerminal() && Deno.env.get("NO_COLOR") === undefined,
  });
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  Deno.exit(code);
}
