// Shared by tests/faults/*_test.ts (not a test file): reads a stream back
// with raw nats.js over TCP (not the bus, not its WebSocket), from its first
// message to its last: which event ids it holds, and how often. The id is
// the `Nats-Msg-Id` header JetStream de-duplicates by, which the bus sets
// to the CloudEvent id.
import { connect } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { names } from "../fixtures/nats_delivery.ts";

/**
 * Each event id in `stream` on subjects `filter` (e.g. `<prefix>.order.>`,
 * leaving dead letters out) -> the number of messages that carry it.
 * `servers` are `nats://` URLs (any node of a cluster).
 */
export async function readStoredIds(
  servers: string | string[],
  stream: string,
  filter: string,
  timeoutMs = 20_000,
): Promise<Map<string, number>> {
  const nc = await connect({ servers, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    const info = await jsm.streams.info(stream);
    const last = info.state.last_seq;
    const ids = new Map<string, number>();
    if (info.state.messages === 0) return ids;
    const consumer = await jetstream(nc, { timeout: 10_000 }).consumers.get(
      stream,
      { filter_subjects: filter, deliver_policy: DeliverPolicy.All },
    );
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0) return ids;
    const messages = await consumer.consume({ max_messages: 1000 });
    const deadline = setTimeout(() => messages.stop(), timeoutMs);
    let read = 0;
    try {
      for await (const m of messages) {
        const id = m.headers?.get("Nats-Msg-Id") ?? "";
        ids.set(id, (ids.get(id) ?? 0) + 1);
        read++;
        if (read === pending || m.seq >= last) break;
      }
    } finally {
      clearTimeout(deadline);
      messages.stop();
    }
    if (read !== pending) {
      throw new Error(
        `read ${read} of the ${pending} messages of ${stream} (${filter}) within ${timeoutMs} ms`,
      );
    }
    return ids;
  } finally {
    await nc.close();
  }
}

/**
 * {@linkcode readStoredIds} of the stream of `tag` (see `names`), on its
 * `order.*` subjects.
 */
export function readOrderIds(
  servers: string | string[],
  tag: string,
): Promise<Map<string, number>> {
  const { stream, prefix } = names(tag);
  return readStoredIds(servers, stream, `${prefix}.order.>`);
}
