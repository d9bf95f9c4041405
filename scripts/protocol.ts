/**
 * `deno task protocol:check` / `deno task protocol:update`: the protocol
 * compatibility gate. The committed snapshot (`protocol/mcb/` by default:
 * `catalog.json` and one `<type>/v<N>.schema.json` per type and version)
 * records the protocol; `check` compares the catalog with it and lists every
 * breaking change, `update` rewrites it on purpose.
 *
 * ```sh
 * deno task protocol:check                        # BACKWARD_TRANSITIVE
 * deno task protocol:check --mode FULL
 * deno task protocol:update                       # record the catalog as it is
 * deno run --allow-read scripts/protocol.ts check --catalog my/events.ts#events --dir protocol/my
 * ```
 *
 * Exit status: 0 compatible (or updated), 1 breaking changes or no snapshot,
 * 2 usage errors (bad arguments, a module without that catalog).
 *
 * @module
 */
import {
  type BreakingChange,
  checkCompatibility,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  type ProtocolSnapshot,
  SCHEMA_FILE,
  snapshotDifferences,
  snapshotFiles,
  snapshotFromFiles,
  snapshotOf,
} from "../src/protocol/mod.ts";
import type { EventCatalog } from "../mod.ts";

const USAGE = `Usage: deno task protocol:check [options]
       deno task protocol:update [options]

Commands:
  check     compare the catalog with the snapshot; exit 1 on a breaking change
  update    rewrite the snapshot from the catalog (a deliberate change)

Options:
  --mode M              ${COMPATIBILITY_MODES.join(", ")}
                        (default: BACKWARD_TRANSITIVE)
  --catalog PATH#NAME   the module and export of the catalog
                        (default: src/mcb/mod.ts#mcbEvents)
  --dir DIR             the snapshot folder (default: protocol/mcb)`;

const UPDATE_HINT = "deno task protocol:update";

/** Parsed command line. */
export interface Options {
  command: "check" | "update";
  mode: CompatibilityMode;
  catalog: string;
  dir: string;
}

class UsageError extends Error {}

/** Parses `args` (without the program name). */
export function parseOptions(args: string[]): Options {
  const [command, ...rest] = args;
  if (command !== "check" && command !== "update") {
    throw new UsageError(
      `expected "check" or "update", got ${command ?? "nothing"}`,
    );
  }
  const options: Options = {
    command,
    mode: "BACKWARD_TRANSITIVE",
    catalog: "src/mcb/mod.ts#mcbEvents",
    dir: "protocol/mcb",
  };
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2);
    const value = inline ?? rest[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--mode") {
      if (!(COMPATIBILITY_MODES as string[]).includes(value)) {
        throw new UsageError(
          `--mode must be one of ${
            COMPATIBILITY_MODES.join(", ")
          }, got ${value}`,
        );
      }
      options.mode = value as CompatibilityMode;
    } else if (flag === "--catalog") options.catalog = value;
    else if (flag === "--dir") options.dir = value.replace(/\/+$/, "");
    else throw new UsageError(`unknown option ${flag}`);
  }
  return options;
}

/** The catalog `PATH#NAME` names (the default export without `#NAME`). */
async function loadCatalog(spec: string): Promise<EventCatalog> {
  const hash = spec.lastIndexOf("#");
  const [path, name] = hash < 0
    ? [spec, "default"]
    : [spec.slice(0, hash), spec.slice(hash + 1)];
  const cwd = new URL("file:///");
  cwd.pathname = `${Deno.cwd()}/`;
  let module: Record<string, unknown>;
  try {
    module = await import(new URL(path, cwd).href);
  } catch (error) {
    throw new UsageError(
      `--catalog: cannot load ${path}: ${(error as Error).message}`,
    );
  }
  const value = module[name] as Partial<EventCatalog> | undefined;
  if (
    typeof value !== "object" || value === null ||
    !Array.isArray(value.types) || typeof value.versions !== "function"
  ) {
    throw new UsageError(
      `--catalog: ${path} has no event catalog exported as "${name}"` +
        ` (exports: ${Object.keys(module).join(", ") || "none"})`,
    );
  }
  return value as EventCatalog;
}

function readSnapshot(dir: string): ProtocolSnapshot | undefined {
  return snapshotFromFiles((path) => {
    try {
      return Deno.readTextFileSync(`${dir}/${path}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  });
}

/** One line per breaking change. */
export function breakingLine(c: BreakingChange): string {
  return `BREAKING ${c.type} v${c.version} ${c.path}: ${c.message} (${c.kind})`;
}

function count(snapshot: ProtocolSnapshot): string {
  const types = Object.values(snapshot.types);
  const schemas = types.reduce((n, t) => n + Object.keys(t.versions).length, 0);
  return `${types.length} types, ${schemas} schemas`;
}

function check(options: Options, current: ProtocolSnapshot): number {
  const previous = readSnapshot(options.dir);
  if (previous === undefined) {
    console.error(
      `protocol:check: no snapshot in ${options.dir} (no catalog.json); record one with \`${UPDATE_HINT}\``,
    );
    return 1;
  }
  const breaking = checkCompatibility(previous, current, options.mode);
  for (const change of breaking) console.log(breakingLine(change));
  if (breaking.length > 0) {
    console.log(
      `protocol:check: ${breaking.length} breaking change${
        breaking.length > 1 ? "s" : ""
      } under ${options.mode} against ${options.dir}. Keep old data readable ` +
        `(a default, an optional field, a new version with an upcast), or ` +
        `record the break on purpose with \`${UPDATE_HINT}\`.`,
    );
    return 1;
  }
  const differences = snapshotDifferences(previous, current);
  console.log(
    `protocol:check: compatible under ${options.mode}: catalog ${
      count(current)
    }; snapshot ${options.dir} ${count(previous)}; 0 breaking changes`,
  );
  if (differences.length > 0) {
    console.log(`not yet recorded in ${options.dir}:`);
    for (const d of differences) {
      const compatibly = d.kind === "schema-changed" && options.mode !== "NONE"
        ? " compatibly"
        : "";
      console.log(`  ${d.message}${compatibly}`);
    }
    console.log(`record them with \`${UPDATE_HINT}\``);
  }
  return 0;
}

async function update(options: Options, current: ProtocolSnapshot) {
  const { dir } = options;
  let previous: ProtocolSnapshot | undefined;
  try {
    previous = readSnapshot(dir);
  } catch (error) {
    console.log(
      `replacing an unreadable snapshot: ${(error as Error).message}`,
    );
  }
  const files = snapshotFiles(current);
  let written = 0;
  for (const [path, text] of files) {
    const file = `${dir}/${path}`;
    let old: string | undefined;
    try {
      old = await Deno.readTextFile(file);
    } catch {
      old = undefined;
    }
    if (old === text) continue;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
    written++;
  }
  const removed = await removeStale(dir, files);
  if (previous === undefined) {
    console.log(`protocol:update: recorded ${count(current)} in ${dir}`);
    return 0;
  }
  const breaking = checkCompatibility(previous, current, options.mode);
  for (const change of breaking) {
    console.log(`recorded on purpose: ${breakingLine(change)}`);
  }
  const differences = snapshotDifferences(previous, current);
  for (const d of differences) console.log(`  ${d.message}`);
  console.log(
    differences.length === 0 && written === 0 && removed === 0
      ? `protocol:update: ${dir} is up to date (${count(current)})`
      : `protocol:update: ${dir}: ${written} file(s) written, ${removed} removed (${
        count(current)
      })`,
  );
  return 0;
}

/** Removes `<type>/v<N>.schema.json` files no longer in `files`. */
async function removeStale(dir: string, files: Map<string, string>) {
  let removed = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isDirectory) continue;
    let left = 0;
    for await (const file of Deno.readDir(`${dir}/${entry.name}`)) {
      const path = `${entry.name}/${file.name}`;
      if (file.isFile && SCHEMA_FILE.test(path) && !files.has(path)) {
        await Deno.remove(`${dir}/${path}`);
        removed++;
      } else left++;
    }
    if (left === 0) await Deno.remove(`${dir}/${entry.name}`);
  }
  return removed;
}

/** Runs the command line; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  let options: Options;
  let catalog: EventCatalog;
  try {
    options = parseOptions(args);
    catalog = await loadCatalog(options.catalog);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`protocol: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const current = snapshotOf(catalog);
  return options.command === "check"
    ? check(options, current)
    : await update(options, current);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
