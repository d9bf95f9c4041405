/**
 * Proof that a local-only consumer of the npm package loads no NATS code:
 * the packed tarball is unpacked as `node_modules/@mcb/event-bus` next to
 * the build's zod and @nats-io packages, and esbuild bundles two consumers
 * (minified, ESM, browser platform):
 *
 * - `local-only`: `createLocalEventBus`, `defineEvents`, `mcbEvents` and zod
 *   mini schemas. The bundle must contain no input from `@nats-io/*` and none
 *   of the package's `src/nats/` files.
 * - `factory`: a page that imports `@mcb/event-bus/config` (the factory,
 *   which knows nats) with a dynamic `import()` when its configuration says
 *   nats, bundled with code splitting: the entry chunk and every chunk it
 *   imports statically contain no NATS input.
 *
 * The proof reads esbuild's metafile (which input files ended up in which
 * output), not the minified text.
 * @module
 */
import { exists, rel, run } from "../runtimes/tools.ts";

/** Inputs of the bundle that count as NATS code. */
export function isNatsInput(path: string): boolean {
  return path.includes("node_modules/@nats-io/") ||
    /node_modules\/@mcb\/event-bus\/esm\/src\/nats\//.test(path);
}

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, {
    bytes: number;
    entryPoint?: string;
    inputs: Record<string, { bytesInOutput: number }>;
    imports: { path: string; kind: string; external?: boolean }[];
  }>;
}

/** One bundle's figures. */
export interface BundleReport {
  name: string;
  minified: number;
  gzipped: number;
  natsInputs: string[];
}

const LOCAL_ONLY = `// A local-only consumer (e.g. a browser admin panel).
import { createLocalEventBus, defineEvents, mcbEvents } from "@mcb/event-bus";
import * as z from "zod/mini";

const events = defineEvents({
  "context.updated": z.object({ path: z.string() }),
});
const bus = createLocalEventBus(events, { source: "/panel" });
bus.subscribe("context.*", (e) => console.log(e.data.path));
await bus.publish("context.updated", { path: "/src/main.ts" });
console.log(mcbEvents.types.length);
await bus.close();
`;

const FACTORY =
  `// A page whose configuration picks the transport: the local transport
// from the root entry, the factory (which knows nats) fetched lazily.
import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
import * as z from "zod/mini";

const events = defineEvents({
  "context.updated": z.object({ path: z.string() }),
});
const config = { transport: location.search.includes("nats") ? "nats" : "local" };
const bus = config.transport === "nats"
  ? await (await import("@mcb/event-bus/config")).createEventBus(events, config)
  : createLocalEventBus(events);
await bus.publish("context.updated", { path: "/src/main.ts" });
await bus.close();
`;

/** Bundles both consumers; throws if NATS code would be loaded. */
export async function checkLocalOnlyBundles(options: {
  node: string;
  esbuild: string;
  tarball: string;
  /** npm project with zod and @nats-io installed. */
  workDir: string;
}): Promise<BundleReport[]> {
  const { node, esbuild, tarball, workDir } = options;
  const pkgDir = `${workDir}/node_modules/@mcb/event-bus`;
  await Deno.remove(pkgDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(pkgDir, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);

  const dir = `${workDir}/bundle-check`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const reports: BundleReport[] = [];

  for (
    const [name, source, splitting] of [
      ["local-only", LOCAL_ONLY, false],
      ["local-only, zod external", LOCAL_ONLY, false],
      ["factory (splitting)", FACTORY, true],
    ] as const
  ) {
    const slug = name.replace(/[^a-z]+/g, "-");
    const entry = `${dir}/${slug}.js`;
    const outdir = `${dir}/out-${slug}`;
    const meta = `${dir}/${slug}.meta.json`;
    await Deno.writeTextFile(entry, source);
    await run(node, [
      esbuild,
      entry,
      "--bundle",
      "--minify",
      "--format=esm",
      "--platform=browser",
      "--target=es2022",
      `--outdir=${outdir}`,
      `--metafile=${meta}`,
      "--log-level=warning",
      ...(splitting ? ["--splitting"] : []),
      ...(name.includes("zod external") ? ["--external:zod"] : []),
    ], { cwd: dir });
    const metafile: Metafile = JSON.parse(await Deno.readTextFile(meta));
    if (
      !Object.keys(metafile.inputs).some((p) => p.includes("@mcb/event-bus"))
    ) {
      throw new Error(
        `${name}: the bundle does not contain the package at all`,
      );
    }
    const entryOut = Object.entries(metafile.outputs).find(([, o]) =>
      o.entryPoint !== undefined
    );
    if (!entryOut) throw new Error(`${name}: no entry output in the metafile`);
    // The outputs the entry loads eagerly: itself and its static imports.
    const eager = new Set<string>();
    const visit = (out: string) => {
      if (eager.has(out) || !metafile.outputs[out]) return;
      eager.add(out);
      for (const i of metafile.outputs[out].imports) {
        if (i.kind === "import-statement" && !i.external) visit(i.path);
      }
    };
    visit(entryOut[0]);
    const natsInputs = [...eager].flatMap((out) =>
      Object.keys(metafile.outputs[out].inputs).filter(isNatsInput)
    );
    let minified = 0;
    let gzipped = 0;
    for (const out of eager) {
      const bytes = await Deno.readFile(`${dir}/${out}`);
      minified += bytes.length;
      gzipped += await gzipSize(bytes);
    }
    const lazy = Object.keys(metafile.outputs).filter((o) =>
      !eager.has(o) && o.endsWith(".js")
    );
    const lazyNats = lazy.some((o) =>
      Object.keys(metafile.outputs[o].inputs).some(isNatsInput)
    );
    reports.push({ name, minified, gzipped, natsInputs });
    console.log(
      `  ${name}: ${kb(minified)} minified, ${kb(gzipped)} gzipped, ` +
        `${natsInputs.length} NATS inputs loaded` +
        (splitting
          ? `; the nats transport is ${
            lazyNats ? "in a lazily imported chunk" : "not bundled"
          }`
          : ""),
    );
    if (natsInputs.length) {
      throw new Error(
        `${name}: the bundle a local-only consumer loads contains NATS code:\n` +
          natsInputs.join("\n"),
      );
    }
    if (!splitting && !await exists(`${outdir}`)) {
      throw new Error(`${name}: no output in ${rel(outdir)}`);
    }
  }
  return reports;
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
