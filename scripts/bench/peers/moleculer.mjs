// Peer: @moleculer/channels with its NATS JetStream adapter (nats.js v2
// `nats` package, TCP). Two brokers, as two services would be: a publisher
// (`broker.sendToChannel(name, payload, { msgID })`, which resolves on the
// JetStream ack; the adapter passes the options to `js.publish`) and a
// subscriber with a channel handler (the adapter's durable push consumer
// with a queue group, manual ack after the handler). The adapter creates
// the stream (named after the channel) when the subscriber starts.

import channels from "@moleculer/channels";
import moleculer from "moleculer";

/** @type {import("./runner.mjs").PeerLibrary} */
export const library = {
  id: "moleculer",
  name: "@moleculer/channels (NATS JetStream adapter)",
  packages: ["@moleculer/channels", "moleculer", "nats"],
  connection: "TCP",
  baseline: false,
  async setup({ natsUrl, tag, receive, options }) {
    const channel = `peers.mol.${tag}.stored`;
    const maxInFlight = options.moleculerMaxInFlight;
    const broker = (nodeID, services) => {
      const b = new moleculer.ServiceBroker({
        nodeID: `peers-${tag}-${nodeID}`,
        transporter: null,
        // Warnings and errors only, on stderr (stdout carries the results).
        logger: { type: "Console", options: { level: "warn" } },
        middlewares: [
          channels.Middleware({
            adapter: {
              type: "NATS",
              options: { nats: { url: natsUrl }, maxInFlight },
            },
          }),
        ],
      });
      for (const s of services) b.createService(s);
      return b;
    };
    const sub = broker("subscriber", [{
      name: "bench",
      channels: {
        [channel]: {
          group: `bench_${tag}`,
          handler(payload) {
            receive(payload);
          },
        },
      },
    }]);
    await sub.start();
    const pub = broker("publisher", []);
    await pub.start();
    return {
      settings: `msgID; channel handler, maxInFlight ${maxInFlight} ` +
        "(default 1)",
      streams: [channel.split(".").join("_")],
      async send(event) {
        await pub.sendToChannel(channel, event, {
          msgID: `mol-${tag}-${event.id}`,
        });
      },
      async close() {
        await pub.stop();
        await sub.stop();
      },
    };
  },
};
