/**
 * Managing a group's durable consumer: the server-side state that a
 * group's members share (its position in the stream and the events it has
 * handed out and not yet seen acknowledged). It outlives every member, so
 * a group keeps its place across restarts; these functions remove it or
 * move its position.
 *
 * Stop the group's members first: a member whose consumer is removed
 * reports "consumer not found" errors until it is stopped, or until a new
 * member's subscribe creates the consumer again.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/nats-core";
import type { StartFrom } from "../core/bus.ts";
import { jetstreamManager } from "./client.ts";
import { startOptions } from "./consumers.ts";
import { GroupConfigError } from "./errors.ts";
import { isConsumerNotFound } from "./nats_errors.ts";
import type { NatsEventBus } from "./types.ts";

/** Where {@linkcode resetGroup} puts the group. */
export interface ResetGroupOptions {
  /**
   * The group's new position: `"all"` (the stream's history first),
   * `"new"` (events published from now on), `{ sequence }` or `{ time }`.
   *
   * @default {"all"}
   */
  from?: Exclude<StartFrom, { after: string }>;
}

async function admin(bus: NatsEventBus) {
  const details = bus.health().details as { stream?: string } | undefined;
  const stream = details?.stream;
  if (typeof stream !== "string") {
    throw new TypeError("expected a bus of the nats transport");
  }
  const jsm = await jetstreamManager(bus.connection as NatsConnection);
  return { jsm, stream };
}

/**
 * Removes `group`'s durable consumer: the next member to subscribe starts
 * the group afresh (with its own `from`, and its own pattern, which is how
 * a group changes what it reads). Events the group had not acknowledged
 * stay in the stream; they are not redelivered to the group unless its new
 * start covers them.
 *
 * @returns `true` if it was removed, `false` if the group had none.
 *
 * @example
 * ```ts ignore
 * import { deleteGroup } from "@mcb/event-bus/nats";
 * await deleteGroup(bus, "indexers");
 * ```
 */
export async function deleteGroup(
  bus: NatsEventBus,
  group: string,
): Promise<boolean> {
  const { jsm, stream } = await admin(bus);
  try {
    return await jsm.consumers.delete(stream, group);
  } catch (error) {
    if (isConsumerNotFound(error)) return false;
    throw error;
  }
}

/**
 * Moves `group` to `options.from` (default: the stream's start), keeping
 * what it reads and its delivery settings: the group's members (once
 * started again) receive the stream from there, e.g. to rebuild a read
 * model. Events handed out and not yet acknowledged are released.
 *
 * @throws {GroupConfigError} when the group has no durable consumer.
 *
 * @example
 * ```ts ignore
 * import { resetGroup } from "@mcb/event-bus/nats";
 * await resetGroup(bus, "read-model", { from: "all" });
 * ```
 */
export async function resetGroup(
  bus: NatsEventBus,
  group: string,
  options: ResetGroupOptions = {},
): Promise<void> {
  const { jsm, stream } = await admin(bus);
  let config;
  try {
    config = (await jsm.consumers.info(stream, group)).config;
  } catch (error) {
    if (!isConsumerNotFound(error)) throw error;
    throw new GroupConfigError(
      group,
      `it has no durable consumer in stream "${stream}": there is nothing to reset (a member's subscribe creates it)`,
      { cause: error },
    );
  }
  await jsm.consumers.delete(stream, group);
  await jsm.consumers.add(stream, {
    durable_name: group,
    ack_policy: config.ack_policy,
    filter_subject: config.filter_subject,
    ack_wait: config.ack_wait,
    max_deliver: config.max_deliver,
    ...startOptions(options.from ?? "all"),
  });
}
