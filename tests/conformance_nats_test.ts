// The conformance suite against the nats transport, on a real nats-server
// (JetStream + WebSocket on loopback). Each case gets its own stream and
// subject prefix, so cases never see each other's events.
import { createEventBus } from "../src/config/mod.ts";
import { conformanceCases, conformanceEvents } from "../src/testing/mod.ts";
import { startNatsServer } from "./nats_server.ts";

const server = await startNatsServer();
let n = 0;
let prefix = "";

const cases = conformanceCases({
  // "Nothing else arrived" is concluded after 500 ms: more than 20 times the
  // slowest delivery the latency suite saw on loopback (max ~25 ms at
  // 1,000 events/s), where the default 50 ms was within reach of one
  // delivery stall.
  quietPeriod: 500,
  createBus: (options) =>
    createEventBus(conformanceEvents, {
      transport: "nats",
      ...options,
      nats: {
        servers: server.wsUrl,
        stream: `CONF_${prefix}`,
        subjectPrefix: `conf.${prefix}`,
        storage: "memory",
      },
    }),
});

for (const [i, c] of cases.entries()) {
  Deno.test({
    name: `nats: ${c.name}`,
    ignore: c.ignore,
    fn: async () => {
      prefix = `c${++n}`;
      await c.fn();
    },
    sanitizeOps: false,
    sanitizeResources: false,
  });
  if (i === cases.length - 1) {
    Deno.test({
      name: "nats: (stop nats-server)",
      fn: async () => await server[Symbol.asyncDispose](),
      sanitizeOps: false,
      sanitizeResources: false,
    });
  }
}
