// Ours: the packed npm build of @mcb/event-bus, `createEventBus` from
// "@mcb/event-bus/config" with the nats transport over WebSocket (Node 24's
// global WebSocket, no wsFactory) and its default options. A persistent
// event type (JetStream publish with msgID, retried until acknowledged) on a
// publisher bus, `subscribe()` (an ordered consumer) on a subscriber bus.

import { defineEvents } from "@mcb/event-bus";
import { createEventBus } from "@mcb/event-bus/config";
import { z } from "zod";
import { payloadSchema } from "./schema.mjs";

const TYPE = "bench.stored";

const catalog = defineEvents({
  [TYPE]: payloadSchema.extend({
    /** Send time, `performance.timeOrigin + performance.now()`, ms. */
    sent: z.number(),
    /** The ledger's id. */
    id: z.number().int().nonnegative(),
  }),
});

/** @type {import("./runner.mjs").PeerLibrary} */
export const library = {
  id: "ours",
  name: "@mcb/event-bus (packed build, nats transport)",
  packages: ["@mcb/event-bus"],
  connection: "WebSocket",
  baseline: false,
  async setup({ wsUrl, tag, receive }) {
    const stream = `PEERS_OURS_${tag}`;
    const errors = [];
    const open = (role) =>
      createEventBus(catalog, {
        transport: "nats",
        source: `/bench/peers/${role}`,
        onError: (error) => void errors.push(error),
        nats: {
          servers: wsUrl,
          stream,
          subjectPrefix: `peers.ours.${tag}`,
        },
      });
    const pub = await open("publisher");
    const sub = await open("subscriber");
    await sub.subscribe(TYPE, (event) => receive(event.data)).ready;
    const check = () => {
      if (errors.length > 0) throw errors[0];
    };
    return {
      settings: "default config (persistent type, validate on); subscribe()",
      streams: [stream],
      async send(event) {
        await pub.publish(TYPE, event);
      },
      check,
      async close() {
        await pub.close();
        await sub.close();
        check();
      },
    };
  },
};
