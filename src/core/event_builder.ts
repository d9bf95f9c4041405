/**
 * What a publish builds before a transport sees it: the lane of its type
 * (what the catalog says about the type, looked up once), the version
 * decision, the validated data and the envelope around it.
 *
 * @module
 */

import type { PublishOptions } from "./bus.ts";
import type { EventCatalog, EventSchema } from "./catalog_types.ts";
import { applyEnvelopeOptions, type CloudEvent } from "./envelope.ts";
import { EventTypeError } from "./errors.ts";
import { parseData } from "./_parse.ts";
import { Clock, IdGenerator } from "./_clock.ts";

/**
 * Per event type: what a publish needs from the catalog, and the
 * transport's own state for the type (e.g. what it dispatches to its
 * subscribers), so that a publish looks the type up once.
 */
export interface Lane<R = unknown> {
  /** The current schema of `data`. */
  readonly schema: EventSchema;
  /**
   * The current version's dataschema for types declared with `versioned()`
   * (a publish may name an older version), else `undefined`.
   */
  readonly dataschema: string | undefined;
  /** The transport's state for this type (`undefined` until it sets it). */
  route: R | undefined;
}

/**
 * The version decision of a publish, made once and passed on: whether it
 * names, in `dataschema`, another version than the current one of a type
 * declared with `versioned()`. Such an event is validated as that version
 * (`EventCatalog.parseAs`) and, where a transport delivers it itself,
 * upcast to the current shape first (`upcastEvent`). Any other event is in
 * the current shape already.
 */
export function namesOlderVersion(
  lane: Lane,
  options: PublishOptions | undefined,
): boolean {
  return lane.dataschema !== undefined &&
    options?.dataschema !== undefined &&
    options.dataschema !== lane.dataschema;
}

/**
 * Builds the envelopes of one bus: ids, time, the lane of each type and,
 * unless turned off, validation of `data`.
 */
export class EventBuilder<R = unknown> {
  readonly #catalog: EventCatalog;
  readonly #source: string;
  readonly #validate: boolean;
  #ids = new IdGenerator();
  #clock = new Clock();
  #lanes = new Map<string, Lane<R>>();

  /**
   * A builder for one bus.
   *
   * @param catalog The bus's catalog.
   * @param source The `source` of the bus's events.
   * @param validate Whether to validate `data`.
   */
  constructor(catalog: EventCatalog, source: string, validate: boolean) {
    this.#catalog = catalog;
    this.#source = source;
    this.#validate = validate;
  }

  /**
   * The lane of `type`, made on first use.
   *
   * @throws {EventTypeError} when `type` is not in the catalog.
   */
  lane(type: string): Lane<R> {
    return this.#lanes.get(type) ?? this.#newLane(type);
  }

  /**
   * Validates and wraps `data` in an envelope. Throws on bad input.
   *
   * @param older The publish's {@linkcode namesOlderVersion} decision.
   */
  build(
    type: string,
    data: unknown,
    options: PublishOptions | undefined,
    lane: Lane<R>,
    older: boolean,
  ): CloudEvent {
    let value = data;
    if (this.#validate) {
      // A producer may publish an older version of a versioned type it
      // still speaks, by naming it in `dataschema`: parseAs checks the data
      // against that version. Everything else is checked against the
      // current schema.
      value = older
        ? this.#catalog.parseAs(type, data, options!.dataschema)
        : parseData(type, lane.schema, data);
    }
    const event: Record<string, unknown> = {
      specversion: "1.0",
      id: this.#ids.next(),
      source: this.#source,
      type,
      time: this.#clock.now(),
      datacontenttype: "application/json",
      data: value,
    };
    if (lane.dataschema !== undefined) event.dataschema = lane.dataschema;
    if (options !== undefined) applyEnvelopeOptions(event, type, options);
    return event as unknown as CloudEvent;
  }

  /** What publishing `type` needs from the catalog, looked up once. */
  #newLane(type: string): Lane<R> {
    const catalog = this.#catalog;
    if (!catalog.has(type)) {
      throw new EventTypeError(type, "it is not in the event catalog");
    }
    const lane: Lane<R> = {
      schema: catalog.schemas[type],
      dataschema: catalog.publishedDataschema(type),
      route: undefined,
    };
    this.#lanes.set(type, lane);
    return lane;
  }
}
