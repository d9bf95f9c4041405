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
import { noSuchType } from "./_suggest.ts";
import { parseData } from "./_parse.ts";
import { Clock, IdGenerator } from "./_clock.ts";

/**
 * Per event type: what a publish needs from the catalog, and the
 * transport's own state for the type (e.g. its subscribers), so that a
 * publish looks the type up once.
 */
export interface Lane<R = unknown> {
  /** The event type. */
  readonly type: string;
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
 * upcast to the current shape (`upcastEvent`). Any other event is in the
 * current shape already.
 */
export function namesOlderVersion(
  lane: Lane,
  options: PublishOptions | undefined,
): boolean {
  const named = options?.dataschema;
  return lane.dataschema !== undefined && named !== undefined &&
    named !== lane.dataschema;
}

/** Builds the envelopes of one bus (see {@linkcode eventBuilder}). */
export interface EventBuilder<R = unknown> {
  /**
   * The lane of `type`, made on first use.
   *
   * @throws {EventTypeError} when `type` is not in the catalog.
   */
  lane(type: string): Lane<R>;
  /**
   * Validates `data` (as the version `options.dataschema` names when
   * `older`, see {@linkcode namesOlderVersion}) and wraps it in an
   * envelope. Throws on bad input.
   */
  build(
    lane: Lane<R>,
    data: unknown,
    options: PublishOptions | undefined,
    older: boolean,
  ): CloudEvent;
}

/**
 * The envelope builder of a bus whose `source` publishes the events of
 * `catalog`: ids, time, the lane of each type and, unless `validate` is
 * false, validation of `data`.
 */
export function eventBuilder<R>(
  catalog: EventCatalog,
  source: string,
  validate: boolean,
): EventBuilder<R> {
  const ids = new IdGenerator();
  const clock = new Clock();
  const lanes = new Map<string, Lane<R>>();
  return {
    lane(type) {
      let lane = lanes.get(type);
      if (lane === undefined) {
        if (!catalog.has(type)) {
          throw noSuchType(type, catalog.types);
        }
        lane = {
          type,
          schema: catalog.schemas[type],
          dataschema: catalog.publishedDataschema(type),
          route: undefined,
        };
        lanes.set(type, lane);
      }
      return lane;
    },
    build(lane, data, options, older) {
      const type = lane.type;
      const value = !validate
        ? data
        : older
        ? catalog.parseAs(type, data, options!.dataschema)
        : parseData(type, lane.schema, data);
      const event: Record<string, unknown> = {
        specversion: "1.0",
        id: ids.next(),
        source,
        type,
        time: clock.now(),
        datacontenttype: "application/json",
        data: value,
      };
      if (lane.dataschema !== undefined) event.dataschema = lane.dataschema;
      if (options !== undefined) applyEnvelopeOptions(event, type, options);
      return event as unknown as CloudEvent;
    },
  };
}
