/**
 * Opening a nats bus: connect (or borrow a connection), provision the
 * stream, then hand both to {@linkcode NatsBus}.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "./client.ts";
import type { EventCatalog } from "../core/catalog.ts";
import { EventTypeError } from "../core/errors.ts";
import { connectNats } from "./connect.ts";
import { NatsBus } from "./nats_bus.ts";
import { ensureStream } from "./stream.ts";
import { reservedTypeProblem } from "./subjects.ts";
import type { NatsBusOptions, NatsEventBus } from "./types.ts";

export type { NatsBusOptions };

/**
 * Connects (or borrows `options.connection`), provisions the stream and
 * returns a ready bus.
 *
 * @throws {NatsConnectionError} when it cannot connect.
 * @throws {StreamConfigError} when the stream exists with other settings.
 */
export async function openNatsEventBus<C extends EventCatalog>(
  catalog: C,
  options: NatsBusOptions,
): Promise<NatsEventBus<C>> {
  for (const type of catalog.types) {
    const problem = reservedTypeProblem(type);
    if (problem !== undefined) {
      throw new EventTypeError(type, problem, "Invalid event type");
    }
  }
  const config = {
    ...options.config,
    name: options.config.name ?? options.source,
  };
  const owned = options.connection === undefined;
  const nc = (options.connection as NatsConnection | undefined) ??
    await connectNats(config, options);
  try {
    const jsm = await jetstreamManager(nc);
    if (config.provision) await ensureStream(jsm, config);
    return new NatsBus(catalog, nc, owned, jsm, { ...options, config });
  } catch (error) {
    if (owned) await nc.close().catch(() => {});
    throw error;
  }
}
