// Peer: @nestjs-plugins/nestjs-nats-jetstream-transport, a NestJS
// microservice transport over JetStream (nats.js v2 `nats` package, TCP).
// The subscriber is a Nest microservice (`NestFactory.createMicroservice`
// with the plugin's `NatsJetStreamServer` as its strategy) whose controller
// has an `@EventPattern(subject)` handler; the server creates the stream
// from `streamConfig` and reads a durable push consumer (auto-ack, one
// message at a time: it awaits each handler). The publisher is the plugin's
// `NatsJetStreamClientProxy`: `client.emit(subject, record)` with a msgID
// set through `NatsJetStreamRecordBuilder`, awaited to its PubAck.
// Decorators are applied by hand: this file is plain JavaScript.

import "reflect-metadata";
import common from "@nestjs/common";
import core from "@nestjs/core";
import microservices from "@nestjs/microservices";
import transport from "@nestjs-plugins/nestjs-nats-jetstream-transport";
import { lastValueFrom } from "rxjs";

const {
  NatsJetStreamClientProxy,
  NatsJetStreamRecordBuilder,
  NatsJetStreamServer,
} = transport;

/** A Nest module with one controller whose event handler calls `receive`. */
function benchModule(subject, receive) {
  class BenchController {
    handle(data) {
      receive(data);
    }
  }
  const method = "handle";
  microservices.EventPattern(subject)(
    BenchController.prototype,
    method,
    Object.getOwnPropertyDescriptor(BenchController.prototype, method),
  );
  common.Controller()(BenchController);
  class BenchModule {}
  common.Module({ controllers: [BenchController] })(BenchModule);
  return BenchModule;
}

/** @type {import("./runner.mjs").PeerLibrary} */
export const library = {
  id: "nestjs",
  name: "@nestjs-plugins/nestjs-nats-jetstream-transport",
  packages: [
    "@nestjs-plugins/nestjs-nats-jetstream-transport",
    "@nestjs/microservices",
    "nats",
  ],
  connection: "TCP",
  baseline: false,
  async setup({ natsUrl, tag, receive }) {
    const stream = `PEERS_NEST_${tag}`;
    const subject = `peers.nest.${tag}.stored`;
    const server = new NatsJetStreamServer({
      connectionOptions: { servers: natsUrl, name: `peers-${tag}-server` },
      consumerOptions: {
        durable: `bench_${tag}`,
        deliverTo: `bench_${tag}`,
        deliverPolicy: "New",
        ackPolicy: "Explicit",
      },
      streamConfig: { name: stream, subjects: [`peers.nest.${tag}.>`] },
    });
    const app = await core.NestFactory.createMicroservice(
      benchModule(subject, receive),
      { strategy: server, logger: ["error", "warn"] },
    );
    await app.listen();
    const client = new NatsJetStreamClientProxy({
      connectionOptions: { servers: natsUrl, name: `peers-${tag}-client` },
    });
    await client.connect();
    return {
      settings: "msgID (record builder); @EventPattern handler, durable " +
        "push consumer, auto-ack, handlers awaited one at a time",
      streams: [stream],
      async send(event) {
        const record = new NatsJetStreamRecordBuilder(event);
        record.setMsgId(`nest-${tag}-${event.id}`);
        await lastValueFrom(client.emit(subject, record.build()));
      },
      async close() {
        await client.close();
        await app.close();
      },
    };
  },
};
