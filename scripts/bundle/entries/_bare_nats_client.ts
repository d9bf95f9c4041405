// The NATS pieces the nats transport uses (wsconnect, the JetStream client
// and manager, pull and ordered consumers), with nothing of ours: what
// bare_nats.ts loads, lazily or not.
import { headers, wsconnect } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";

/** Connects and reads a stream the way the transport does. */
export async function useNats(servers: string): Promise<void> {
  const nc = await wsconnect({ servers });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.info("EVENTS");
  const js = jetstream(nc);
  await js.publish("events.context.updated", "{}", { headers: headers() });
  const consumer = await js.consumers.get("EVENTS");
  for await (const m of await consumer.consume()) m.ack();
  await nc.close();
}
