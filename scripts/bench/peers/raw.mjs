// Baseline: raw nats.js v3 over TCP (@nats-io/transport-node +
// @nats-io/jetstream), what an application writes without a library:
// `js.publish(subject, json, { msgID })` on one connection, an ordered
// consumer (`consumers.get(stream, { filter_subjects, deliver_policy: new })`
// + `consume({ max_messages: 512 })`, as the bus and scripts/bench/nats.ts
// do) on another, JSON.stringify / JSON.parse per event.

import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";

/** @type {import("./runner.mjs").PeerLibrary} */
export const library = {
  id: "raw",
  name: "raw nats.js v3 (baseline: js.publish + consumer)",
  packages: ["@nats-io/transport-node", "@nats-io/jetstream"],
  connection: "TCP",
  baseline: true,
  async setup({ natsUrl, tag, receive }) {
    const stream = `PEERS_RAW_${tag}`;
    const subject = `peers.raw.${tag}.stored`;
    const pub = await connect({ servers: natsUrl, noAsyncTraces: true });
    const sub = await connect({ servers: natsUrl, noAsyncTraces: true });
    const jsm = await jetstreamManager(pub);
    await jsm.streams.add({
      name: stream,
      subjects: [`peers.raw.${tag}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: 1,
      duplicate_window: nanos(120_000),
    });
    const js = jetstream(pub);
    const consumer = await jetstream(sub).consumers.get(stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.New,
    });
    const messages = await consumer.consume({ max_messages: 512 });
    const loop = (async () => {
      for await (const m of messages) receive(m.json());
    })();
    const encoder = new TextEncoder();
    return {
      settings: "msgID; ordered consumer, consume({ max_messages: 512 })",
      streams: [stream],
      async send(event) {
        const ack = await js.publish(
          subject,
          encoder.encode(JSON.stringify(event)),
          { msgID: `raw-${tag}-${event.id}` },
        );
        if (ack.duplicate) throw new Error(`duplicate publish ${ack.seq}`);
      },
      async close() {
        messages.stop();
        await loop;
        await pub.close();
        await sub.close();
      },
    };
  },
};
