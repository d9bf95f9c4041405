/**
 * The NATS latency cases (`nats_latency.ts`) as one run that any runtime
 * can execute against a nats-server it is told about: Node and Bun start
 * it from a generated launcher (`runtimes_nats.ts`). Progress goes to
 * stderr; the results to stdout on one line, after {@linkcode MARKER}.
 *
 * @module
 */
import {
  type NatsLatencyOptions,
  type NatsLatencyResult,
  runNatsLatency,
} from "./nats_latency.ts";
import { SERVER_LATENCY_CASES } from "./nats_latency_tcp.ts";
import { MARKER } from "./portable.ts";

export { MARKER };
export { setRejectionTrap } from "./harness.ts";

/** What the parent asks a runtime to run. */
export interface PortableNatsOptions extends NatsLatencyOptions {
  target: { wsUrl: string; natsUrl: string };
}

/** What a runtime sends back. */
export interface PortableNatsReport {
  runtime: string;
  results: NatsLatencyResult[];
  seconds: number;
}

/** Runs the cases, printing each result as it comes. */
export async function runPortableNats(
  options: PortableNatsOptions & { runtime: string },
): Promise<PortableNatsReport> {
  const began = performance.now();
  const results = await runNatsLatency(
    options.target,
    options,
    SERVER_LATENCY_CASES,
    (r) =>
      console.error(
        `  ${options.runtime}: ${r.case} at ${r.rate}/s: p50 ${r.p50Us} µs, p99 ${r.p99Us} µs`,
      ),
  );
  const report = {
    runtime: options.runtime,
    results,
    seconds: (performance.now() - began) / 1000,
  };
  console.log(MARKER + JSON.stringify(report));
  return report;
}
