/**
 * The bundle budget: what the library itself adds to a browser bundle.
 *
 * Builds three bundles a user would ship (minified ESM for the browser, with
 * `deno bundle`) and, next to each, the same bundle of its bare dependencies
 * with the same schemas and nothing of ours. The difference is the
 * library's own weight:
 *
 * | bundle | baseline | budget (gzipped) |
 * |---|---|---|
 * | local transport, zod/mini catalog | zod/mini | own code <= 8 KB, whole bundle < 15 KB |
 * | local transport, zod classic catalog | zod classic | own code <= 8 KB |
 * | local + nats transports, zod/mini catalog | zod/mini + nats-core + jetstream | own code <= 16 KB |
 *
 * The local + nats page uses `createEventBus` from `@mcb/event-bus/config`.
 * Its budget was 15 KB until issue 17 (2026-12-06) added what a newcomer
 * needs at run time (a replay's `caughtUp`, "did you mean" for types and
 * config keys, duration units, errors that name the likely cause, groups
 * that can be reset): +1,247 B measured on this page, after issue 16's
 * clean-up had taken it from 16,496 to 16,073 B. 15 KB stays the target
 * (docs/bundle-size.md says how far off it is); the gate keeps the page
 * from growing further unnoticed.
 *
 * A figure over its budget by more than {@linkcode TOLERANCE} fails: `deno
 * task test` runs {@linkcode measureBudget} in `tests/bundle_budget_test.ts`.
 *
 * Run: `deno task bundle:budget` (add `--json` for the figures as JSON).
 * KB here is 1,000 bytes; gzip is CompressionStream's default level.
 *
 * @module
 */
import { denoBundle } from "./deno_bundle.ts";

/** Over-budget slack before a figure fails: 10%. */
export const TOLERANCE = 0.1;

/** A bundle built for the budget. */
export interface BundleCase {
  /** Entry file name in `scripts/bundle/entries/` (no extension). */
  entry: string;
  /** The entry of the same bundle without the library. */
  baseline: string;
  /** What the bundle stands for. */
  label: string;
  /** Gzipped bytes the library's own code may add. */
  ownBudget: number;
  /** Gzipped bytes the whole bundle may weigh, if limited. */
  totalBudget?: number;
}

/** The bundles of the budget. */
export const CASES: readonly BundleCase[] = [
  {
    entry: "local_mini",
    baseline: "bare_zod_mini",
    label: "local, zod/mini catalog",
    ownBudget: 8_000,
    totalBudget: 15_000,
  },
  {
    entry: "local_classic",
    baseline: "bare_zod_classic",
    label: "local, zod classic catalog",
    ownBudget: 8_000,
  },
  {
    entry: "local_nats",
    baseline: "bare_nats",
    label: "local + nats, zod/mini catalog",
    ownBudget: 16_000,
  },
];

/** Sizes of one bundle, in bytes. */
export interface Size {
  minified: number;
  gzipped: number;
}

/**
 * Text that only the server socket puts in a bundle: the `ws` package
 * (it reads `WS_NO_BUFFER_UTIL`) and the option the adapter passes it
 * (adapters/ws_socket.ts; property names survive minification). A browser
 * or Worker bundle must have none: the `browser` condition of
 * `#nats-socket` (package.json) keeps them out.
 */
export const SERVER_SOCKET_MARKERS = [
  "WS_NO_BUFFER_UTIL",
  "perMessageDeflate",
] as const;

/** The markers of {@linkcode SERVER_SOCKET_MARKERS} found in `code`. */
export function serverSocketIn(code: string): string[] {
  return SERVER_SOCKET_MARKERS.filter((m) => code.includes(m));
}

/** One line of the budget. */
export interface BudgetLine {
  case: BundleCase;
  bundle: Size;
  baseline: Size;
  /** bundle - baseline. */
  own: Size;
  /** Server socket text found in the bundle (must be none). */
  serverSocket: string[];
  /** The checks of this line that failed (empty when within budget). */
  over: string[];
  /** `ok`, `within 10%` (of its budget) or `OVER`. */
  verdict: string;
}

const ENTRIES = new URL("./entries/", import.meta.url);

async function size(
  entry: string,
  outDir: string,
): Promise<Size & { code: string }> {
  const b = await denoBundle(new URL(`${entry}.ts`, ENTRIES), {
    output: `${outDir}/${entry}.js`,
  });
  return { minified: b.bytes, gzipped: b.gzipBytes, code: b.code };
}

function overBudget(what: string, value: number, budget: number): string[] {
  return value > budget * (1 + TOLERANCE)
    ? [
      `${what} is ${kb(value)} gzipped, over its budget of ${
        kb(budget)
      } by more than ${TOLERANCE * 100}%`,
    ]
    : [];
}

function verdictOf(c: BundleCase, own: number, total: number): string {
  const worst = Math.max(
    own / c.ownBudget,
    c.totalBudget ? total / c.totalBudget : 0,
  );
  if (worst <= 1) return "ok";
  return worst <= 1 + TOLERANCE ? "within 10%" : "OVER";
}

/** Builds every case and its baseline into `outDir` and measures them. */
export async function measureBudget(outDir: string): Promise<BudgetLine[]> {
  const lines: BudgetLine[] = [];
  for (const c of CASES) {
    const [{ code, ...bundle }, { code: _, ...baseline }] = await Promise
      .all([size(c.entry, outDir), size(c.baseline, outDir)]);
    const serverSocket = serverSocketIn(code);
    const own = {
      minified: bundle.minified - baseline.minified,
      gzipped: bundle.gzipped - baseline.gzipped,
    };
    lines.push({
      case: c,
      bundle,
      baseline,
      own,
      verdict: verdictOf(c, own.gzipped, bundle.gzipped),
      serverSocket,
      over: [
        ...serverSocket.map((m) =>
          `${c.label}: contains the server socket ("${m}")`
        ),
        ...overBudget(`${c.label}: own code`, own.gzipped, c.ownBudget),
        ...(c.totalBudget === undefined ? [] : overBudget(
          `${c.label}: whole bundle`,
          bundle.gzipped,
          c.totalBudget,
        )),
      ],
    });
  }
  return lines;
}

/** `12345` -> `"12.3 KB"` (KB = 1,000 bytes). */
export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** The budget as a Markdown table. */
export function formatBudget(lines: BudgetLine[]): string {
  const rows = lines.map((l) => {
    const budget = `own <= ${kb(l.case.ownBudget)}` +
      (l.case.totalBudget ? `, whole < ${kb(l.case.totalBudget)}` : "");
    return `| ${l.case.label} | ${kb(l.bundle.minified)} / ${
      kb(l.bundle.gzipped)
    } | ${l.case.baseline}: ${kb(l.baseline.minified)} / ${
      kb(l.baseline.gzipped)
    } | ${kb(l.own.minified)} / **${
      kb(l.own.gzipped)
    }** | ${budget} | ${l.verdict} |`;
  });
  return [
    "| bundle | minified / gzipped | bare dependencies | library's own | budget (gzipped) | |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "bundle-budget-" });
  try {
    const lines = await measureBudget(dir);
    console.log(
      Deno.args.includes("--json")
        ? JSON.stringify(lines, null, 2)
        : formatBudget(lines),
    );
    const over = lines.flatMap((l) => l.over);
    for (const o of over) console.error(`over budget: ${o}`);
    if (over.length) Deno.exitCode = 1;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
