/**
 * The npm `package.json`, generated from deno.json (name, version, license,
 * "exports") plus the npm-only fields of `metadata.ts`, and the check that
 * both list the same entry points.
 * @module
 */
import { NPM_METADATA } from "./metadata.ts";

/** The part of deno.json the package is generated from. */
export interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: string | Record<string, string>;
}

/** One conditional export of the npm package. */
export interface NpmExport {
  types: string;
  import: string;
}

/** Where the compiled JavaScript and declarations go inside `npm/`. */
export const ESM_DIR = "esm";

/** deno.json "exports" as a map (a string means `{ ".": string }`). */
export function denoExports(deno: DenoJson): Record<string, string> {
  return typeof deno.exports === "string"
    ? { ".": deno.exports }
    : deno.exports;
}

/**
 * Each deno.json export target (repository path, e.g. `src/nats/mod.ts`)
 * -> the npm specifier that reaches it (`@mcb/event-bus/nats`).
 */
export function npmSpecifierOf(deno: DenoJson): Map<string, string> {
  return new Map(
    Object.entries(denoExports(deno)).map(([subpath, target]) => [
      target.slice(2),
      subpath === "." ? deno.name : `${deno.name}/${subpath.slice(2)}`,
    ]),
  );
}

/** The repository's deno.json, read from `root`. */
export async function readDenoJson(root: string): Promise<DenoJson> {
  return JSON.parse(await Deno.readTextFile(`${root}deno.json`));
}

/** `./src/nats/mod.ts` -> `./esm/src/nats/mod` (no extension). */
function compiledBase(source: string): string {
  if (!source.startsWith("./") || !source.endsWith(".ts")) {
    throw new Error(
      `deno.json export target ${source} must be a relative .ts file`,
    );
  }
  return `./${ESM_DIR}/${source.slice(2, -3)}`;
}

/** The npm "exports" for deno.json "exports": types and import conditions. */
export function npmExports(deno: DenoJson): Record<string, NpmExport> {
  return Object.fromEntries(
    Object.entries(denoExports(deno)).map(([subpath, source]) => {
      const base = compiledBase(source);
      // "types" first: TypeScript takes the first matching condition.
      return [subpath, { types: `${base}.d.ts`, import: `${base}.js` }];
    }),
  );
}

/** The library's npm dependencies, split by kind. */
export interface Dependencies {
  /** Installed with the package (name -> range from deno.json). */
  dependencies: Record<string, string>;
  /** Brought by the user (name -> range from deno.json). */
  peerDependencies: Record<string, string>;
}

/**
 * Splits the packages the library imports (name -> deno.json range) into
 * dependencies and peer dependencies (`NPM_METADATA.peerDependencies`).
 */
export function splitDependencies(used: Map<string, string>): Dependencies {
  const deps: Dependencies = { dependencies: {}, peerDependencies: {} };
  for (const [name, range] of used) {
    const kind = NPM_METADATA.peerDependencies.includes(name)
      ? "peerDependencies"
      : "dependencies";
    deps[kind][name] = range;
  }
  for (const peer of NPM_METADATA.peerDependencies) {
    if (!used.has(peer)) {
      throw new Error(`peer dependency ${peer} is not imported by the library`);
    }
  }
  return deps;
}

/** The complete npm package.json. */
export function packageJson(
  deno: DenoJson,
  deps: Dependencies,
): Record<string, unknown> {
  const exports = npmExports(deno);
  const root = exports["."];
  if (!root) throw new Error('deno.json "exports" has no "." entry');
  const pkg: Record<string, unknown> = {
    name: deno.name,
    version: deno.version,
    description: NPM_METADATA.description,
    license: deno.license,
    ...(NPM_METADATA.repository ? { repository: NPM_METADATA.repository } : {}),
    keywords: NPM_METADATA.keywords,
    type: "module",
    sideEffects: false,
    engines: NPM_METADATA.engines,
    // For tools that predate "exports" (the root entry only).
    types: root.types,
    exports,
    files: [ESM_DIR, "README.md", "LICENSE"],
    dependencies: deps.dependencies,
    peerDependencies: deps.peerDependencies,
    // The peers are also needed to build and test the package itself.
    devDependencies: deps.peerDependencies,
  };
  if (pkg.license === undefined) throw new Error("deno.json has no license");
  return pkg;
}

/**
 * Problems (empty when none) if deno.json "exports" and the npm package.json
 * "exports" do not list the same entry points with matching targets.
 */
export function exportMismatches(
  deno: DenoJson,
  pkg: { exports?: Record<string, unknown> },
): string[] {
  const want = npmExports(deno);
  const have = pkg.exports ?? {};
  const problems: string[] = [];
  for (const subpath of Object.keys(want)) {
    if (!(subpath in have)) {
      problems.push(
        `deno.json export "${subpath}" is missing from package.json`,
      );
    } else if (
      JSON.stringify(have[subpath]) !== JSON.stringify(want[subpath])
    ) {
      problems.push(
        `package.json export "${subpath}" is ${
          JSON.stringify(have[subpath])
        }, expected ${JSON.stringify(want[subpath])}`,
      );
    }
  }
  for (const subpath of Object.keys(have)) {
    if (!(subpath in want)) {
      problems.push(
        `package.json export "${subpath}" is missing from deno.json`,
      );
    }
  }
  return problems;
}
