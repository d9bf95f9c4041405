/**
 * Builds the browser admin panel (`examples/admin-panel/`) with Deno's own
 * bundler (`deno bundle`, esbuild inside; it resolves `zod` and
 * `@nats-io/*` through deno.json and deno.lock, so no node_modules is
 * needed), minified, into `examples/admin-panel/dist/`:
 *
 * - `admin-panel.js`: the panel (core, config, the mcb catalog and the nats
 *   transport, whose dynamic `import()` is inlined into the one file);
 * - `local-only.js`: `createLocalEventBus` + `defineEvents` and a `zod/mini`
 *   catalog, to measure what a local-only page pays. The build fails if it
 *   contains NATS client code.
 *
 * Prints the size of each, minified and gzipped.
 *
 * Run: `deno task build:admin-panel`
 *
 * @module
 */

import { type Bundle, denoBundle, ROOT } from "./bundle/deno_bundle.ts";

const PANEL_DIR = new URL("examples/admin-panel/", ROOT);
const DIST = new URL("dist/", PANEL_DIR);

/**
 * Strings that only the NATS client and JetStream code contain. Each must be
 * in the panel bundle (so the check means something) and none in the
 * local-only bundle.
 */
export const NATS_MARKERS: readonly string[] = [
  "wsconnect",
  "$JS.API",
  "_INBOX",
  "JetStream",
  "nuid",
];

/** One bundle and its sizes. */
export type BundleInfo = Bundle;

/** What {@linkcode buildAdminPanel} made. */
export interface AdminPanelBuild {
  /** `dist/admin-panel.js`. */
  panel: BundleInfo;
  /** `dist/local-only.js`. */
  localOnly: BundleInfo;
}

/** Bundles `entry` (relative to the panel dir) to `dist/<out>`, minified. */
function bundle(entry: string, out: string): Promise<BundleInfo> {
  return denoBundle(new URL(entry, PANEL_DIR), {
    output: new URL(out, DIST).pathname,
  });
}

/**
 * Builds both bundles into `examples/admin-panel/dist/`.
 *
 * @throws {Error} if bundling fails, or the local-only bundle contains
 * NATS client code, or the panel bundle lacks it (the check would be void).
 */
export async function buildAdminPanel(): Promise<AdminPanelBuild> {
  await Deno.mkdir(DIST, { recursive: true });
  const [panel, localOnly] = await Promise.all([
    bundle("main.ts", "admin-panel.js"),
    bundle("local_only.ts", "local-only.js"),
  ]);
  const missing = NATS_MARKERS.filter((m) => !panel.code.includes(m));
  if (missing.length > 0) {
    throw new Error(
      `the panel bundle should contain the NATS client but lacks ${
        missing.join(", ")
      }: update NATS_MARKERS`,
    );
  }
  const leaked = NATS_MARKERS.filter((m) => localOnly.code.includes(m));
  if (leaked.length > 0) {
    throw new Error(
      `the local-only bundle contains NATS client code (${
        leaked.join(", ")
      }): something on the local path imports src/nats/ statically`,
    );
  }
  return { panel, localOnly };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** One line per bundle: path, minified and gzipped sizes. */
export function describeBuild(build: AdminPanelBuild): string {
  const root = ROOT.pathname;
  return [build.panel, build.localOnly].map((b) =>
    `${b.path.replace(root, "")}: ${b.bytes} bytes (${
      kb(b.bytes)
    }) minified, ${b.gzipBytes} bytes (${kb(b.gzipBytes)}) gzipped`
  ).join("\n");
}

if (import.meta.main) {
  const build = await buildAdminPanel();
  console.log(describeBuild(build));
  console.log(
    `local-only bundle: no NATS client code (checked: ${
      NATS_MARKERS.join(", ")
    })`,
  );
}
