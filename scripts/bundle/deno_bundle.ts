/**
 * One way to bundle for every script and test that needs a bundle: `deno
 * bundle` (esbuild inside) with the project's deno.json, so `zod`,
 * `@nats-io/*` and the rest resolve exactly as deno.lock pins them.
 * @module
 */

/** The project root (where deno.json is). */
export const ROOT: URL = new URL("../../", import.meta.url);

/** Options of {@linkcode denoBundle}. */
export interface BundleOptions {
  /** Where to write the bundle (a path). */
  output: string;
  /** esbuild's platform. @default {"browser"} */
  platform?: "browser" | "deno";
  /**
   * Minify (whitespace, identifiers, syntax). Size measurements want it;
   * bundles that tests run should pass `false`: Deno 2.9.6 bundles with
   * esbuild 0.25.5, whose minifier drops the disposal of `using`
   * declarations (evanw/esbuild#4482, fixed in later esbuild).
   *
   * @default {true}
   */
  minify?: boolean;
  /** Module specifiers left as imports (e.g. `["zod", "zod/*"]`). */
  external?: string[];
  /** Gives up after this many ms. @default {120_000} */
  timeoutMs?: number;
}

/** A bundle written by {@linkcode denoBundle}. */
export interface Bundle {
  /** Where it was written. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its size gzipped (default level, `CompressionStream`). */
  gzipBytes: number;
  /** Its text. */
  code: string;
}

/** The gzipped size of `bytes` (CompressionStream's gzip, default level). */
export async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/**
 * Bundles `entry` (a path or file URL) into one ESM file.
 *
 * @throws {Error} with deno bundle's stderr when bundling fails.
 */
export async function denoBundle(
  entry: string | URL,
  options: BundleOptions,
): Promise<Bundle> {
  const entryPath = entry instanceof URL ? entry.pathname : entry;
  const args = [
    "bundle",
    "--quiet",
    "--config",
    new URL("deno.json", ROOT).pathname,
    "--platform",
    options.platform ?? "browser",
    "--format",
    "esm",
    ...(options.minify ?? true ? ["--minify"] : []),
    ...(options.external ?? []).flatMap((e) => ["--external", e]),
    "--output",
    options.output,
    entryPath,
  ];
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT.pathname,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    // The first run also fetches esbuild's binary from the npm registry.
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${entryPath} failed (exit ${code}):\n${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
  const bytes = await Deno.readFile(options.output);
  return {
    path: options.output,
    bytes: bytes.byteLength,
    gzipBytes: await gzipSize(bytes),
    code: new TextDecoder().decode(bytes),
  };
}
