// The NATS latency cases in a browser page (bundled by
// scripts/bench/browser_latency.ts): the page's own WebSocket, the bus with
// its default configuration. Options come in the query string; the result
// (or the error) is left on `globalThis.__latency` for the driver to read.
import { NATS_LATENCY_CASES, runNatsLatency } from "../nats_latency.ts";

const query = new URLSearchParams(location.search);
const state = globalThis as { __latency?: unknown };
try {
  const results = await runNatsLatency(
    { wsUrl: query.get("ws")! },
    {
      rates: query.get("rates")!.split(",").map(Number),
      seconds: Number(query.get("seconds")),
      warmupSeconds: Number(query.get("warmup")),
      trials: Number(query.get("trials")),
    },
    NATS_LATENCY_CASES,
    (r) => console.log(`${r.case} at ${r.rate}/s: p50 ${r.p50Us} µs`),
  );
  state.__latency = { ok: true, results, agent: navigator.userAgent };
} catch (error) {
  state.__latency = {
    ok: false,
    error: String((error as Error)?.stack ?? error),
  };
}
