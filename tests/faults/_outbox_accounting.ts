// Shared by tests/faults/outbox_*_test.ts (not a test file): the
// ACCOUNTING line each outbox fault scenario ends with,
// `outbox <scenario>: committed N / published N / effects N / duplicates 0 /
// lost 0`, from independent evidence only: the app's own `orders` rows, the
// stream read back with a raw nats client (never the bus), the consumer's
// `effects` rows (one per run of its inner handler, no unique key). Never
// the bus's or the relay's counters.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { names } from "../fixtures/nats_delivery.ts";
import { openDb, type Place } from "./_outbox.ts";

/** A message of the stream, as a raw client reads it. */
export interface Stored {
  id: string;
  subject: string;
}

/** Every order message of the stream of `place`, in stream order (raw). */
export async function readStream(place: Place): Promise<Stored[]> {
  const { stream, prefix } = names(place.tag);
  const nc = await connect({ servers: place.natsUrl, timeout: 5000 });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    const out: Stored[] = [];
    if (info.state.messages === 0) return out;
    const consumer = await jetstream(nc).consumers.get(stream, {
      filter_subjects: `${prefix}.order.>`,
      deliver_policy: DeliverPolicy.All,
    });
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0) return out;
    const messages = await consumer.consume({ max_messages: 1000 });
    const timer = setTimeout(() => messages.stop(), 20_000);
    try {
      for await (const m of messages) {
        out.push({
          id: m.headers?.get("Nats-Msg-Id") ?? "",
          subject: decodeURIComponent(m.headers?.get("ce-subject") ?? ""),
        });
        if (out.length === pending) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    assert.equal(out.length, pending, "read the whole stream back");
    return out;
  } finally {
    await nc.close();
  }
}

/** The evidence of a scenario, each from its own source. */
export interface Evidence {
  /** The app's orders rows, in commit order (n). */
  committed: { n: number; id: string; subject: string }[];
  /** The stream, read back raw. */
  stream: Stored[];
  /** The consumer's effect rows (one per run of its inner handler). */
  effects: { id: string }[];
}

export async function gather(place: Place): Promise<Evidence> {
  const app = openDb(place.kind, place.app);
  const rm = openDb(place.kind, place.rm);
  try {
    const committed =
      (await app.all<{ n: number; id: string; subject: string }>(
        "SELECT n, id, subject FROM orders ORDER BY n",
      )).map((r) => ({ ...r, n: Number(r.n) }));
    const effects = await rm.all<{ id: string }>("SELECT id FROM effects");
    return { committed, stream: await readStream(place), effects };
  } finally {
    await app.close();
    await rm.close();
  }
}

const countBy = (ids: string[]) => {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
};

/** Ids per subject, in the order given. */
const bySubject = (list: { id: string; subject: string }[]) => {
  const by: Record<string, string[]> = {};
  for (const x of list) (by[x.subject] ??= []).push(x.id);
  return by;
};

/**
 * Prints `outbox <scenario>: committed N / published N / effects N /
 * duplicates 0 / lost 0` and asserts every figure; also that the stream and
 * the effects hold no id that was never committed, and that per subject the
 * stream's order is the commit order.
 */
export function account(scenario: string, ev: Evidence): void {
  const committed = ev.committed.map((r) => r.id);
  const known = new Set(committed);
  const inStream = countBy(ev.stream.map((s) => s.id));
  const inEffects = countBy(ev.effects.map((e) => e.id));
  const duplicates = ev.stream.length - inStream.size +
    ev.effects.length - inEffects.size;
  const lost = committed.filter((id) =>
    !inStream.has(id) || !inEffects.has(id)
  );
  console.log(
    `outbox ${scenario}: committed ${known.size} / published ${inStream.size} / effects ${inEffects.size} / duplicates ${duplicates} / lost ${lost.length}`,
  );
  assert.ok(known.size > 0, "something was committed");
  assert.equal(known.size, committed.length, "one orders row per event id");
  assert.equal(inStream.size, known.size, "published = committed");
  assert.equal(inEffects.size, known.size, "effects = committed");
  assert.equal(duplicates, 0, "duplicates");
  assert.deepEqual(lost, [], "lost");
  const strangers = [...inStream.keys(), ...inEffects.keys()]
    .filter((id) => !known.has(id));
  assert.deepEqual(strangers, [], "ids never committed");
  const first = ev.stream.filter((s, i) =>
    ev.stream.findIndex((t) => t.id === s.id) === i
  );
  assert.deepEqual(
    bySubject(first),
    bySubject(ev.committed),
    "stream order per subject = commit order",
  );
}
