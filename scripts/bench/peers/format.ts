/**
 * The results of the peers bench (`scripts/bench/peers.ts`) and their
 * Markdown table. This is Deno code beside the Node modules of the bench:
 * only the `.mjs` files are copied for Node.
 * @module
 */

/** Latency of one library at the offered rate, milliseconds. */
export interface PeerLatency {
  rate: number;
  seconds: number;
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  settings: string;
}

/** Publish + consume throughput of one library: its median round. */
export interface PeerThroughput {
  /** Events per second of every round, slowest first. */
  rounds: number[];
  events: number;
  inFlight: number;
  seconds: number;
  publishSeconds: number;
  eventsPerSec: number;
  settings: string;
}

/** One library's results; a failed case has its error instead. */
export interface PeerResult {
  id: string;
  library: string;
  /** The version of the library's main package. */
  version: string;
  /** Installed versions of the packages it runs on. */
  packages: Record<string, string>;
  connection: string;
  baseline: boolean;
  /** E.g. "node 24.21.0". */
  runtime: string;
  latency?: PeerLatency;
  latencyError?: string;
  throughput?: PeerThroughput;
  throughputError?: string;
}

const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
const int = (x: number) => Math.round(x).toLocaleString("en-US");

/**
 * The results as a Markdown table (library, version, connection, latency
 * percentiles at the offered rate, throughput and its ratio to the raw
 * baseline), followed by each library's settings and any failed case.
 *
 * @param results What `runPeers` (scripts/bench/peers.ts) returned.
 * @returns Markdown text.
 */
export function formatPeersTable(results: PeerResult[]): string {
  const base = results.find((r) => r.baseline)?.throughput?.eventsPerSec;
  const rate = results.find((r) => r.latency)?.latency?.rate;
  const rounds = results.find((r) => r.throughput)?.throughput?.rounds.length;
  const header = [
    "library",
    "version",
    "connection",
    `p50 ms @ ${rate ?? "?"}/s`,
    "p99 ms",
    "p99.9 ms",
    "max ms",
    "throughput events/s",
    "vs raw",
  ];
  const rows = results.map((r) => {
    const l = r.latency;
    const t = r.throughput;
    const others = Object.entries(r.packages).slice(1)
      .map(([name, v]) => `${name} ${v}`);
    return [
      r.library,
      others.length > 0 ? `${r.version} (${others.join(", ")})` : r.version,
      r.connection,
      ...(l ? [l.p50, l.p99, l.p999, l.max].map(ms) : Array(4).fill("failed")),
      t ? int(t.eventsPerSec) : "failed",
      t && base ? `${(t.eventsPerSec / base).toFixed(2)}x` : "-",
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const align = header.map((_, i) => (i < 3 ? "---" : "---:"));
  const notes = results.flatMap((r) => {
    const t = r.throughput;
    const out = [
      `- ${r.library}: ${r.latency?.settings ?? t?.settings ?? "-"}` +
      (t
        ? `; ${int(t.events)} events, ${t.inFlight} publishes in flight, ` +
          `rounds ${t.rounds.map(int).join(" / ")} events/s`
        : ""),
    ];
    if (r.latencyError) out.push(`  - latency FAILED: ${r.latencyError}`);
    if (r.throughputError) {
      out.push(`  - throughput FAILED: ${r.throughputError}`);
    }
    return out;
  });
  return [
    line(header),
    line(align),
    ...rows.map(line),
    "",
    `${results[0]?.runtime ?? "node"}, one nats-server, loopback. Peers ` +
    "connect over TCP (all they support), ours over WebSocket (its " +
    "purpose). Latency: publish -> handler, " +
    `${results.find((r) => r.latency)?.latency?.samples ?? "?"} samples ` +
    "after a 1 s warm-up, offered open loop. Throughput: first publish to " +
    `last event handled, median of ${rounds} rounds taken ` +
    "round-robin. Every id handled exactly once in every case.",
    "",
    ...notes,
  ].join("\n");
}
