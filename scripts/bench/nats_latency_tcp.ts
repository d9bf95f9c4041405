/**
 * The NATS latency cases of server runtimes: those of `nats_latency.ts`
 * plus raw JetStream over TCP (`@nats-io/transport-node`), the floor a
 * WebSocket client is compared with. Browsers have no TCP, so this module
 * stays out of the page (`browser_latency.ts`).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import {
  type LatencyCase,
  NATS_LATENCY_CASES,
  rawJetStreamCase,
} from "./nats_latency.ts";

/** The server runtimes' cases: the raw TCP one after the raw WebSocket ones. */
export const SERVER_LATENCY_CASES: readonly LatencyCase[] = [
  ...NATS_LATENCY_CASES.slice(0, 2),
  rawJetStreamCase(
    "raw js.publish + consumer, TCP",
    (target) => connect({ servers: target.natsUrl!, noAsyncTraces: true }),
  ),
  ...NATS_LATENCY_CASES.slice(2),
];
