/**
 * Errors of the nats transport.
 *
 * @module
 */

/**
 * The transport could not connect: unreachable servers, refused
 * credentials, or a runtime without a global `WebSocket`. The message never
 * contains a secret.
 */
export class NatsConnectionError extends Error {
  /**
   * Creates the error.
   *
   * @param message What failed and what to do about it.
   * @param options `cause`: the NATS client's own error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NatsConnectionError";
  }
}

/**
 * `publish` could not get the server's acknowledgement before
 * `publishTimeout`; retries used the same message id, so the event is
 * stored at most once if it was stored at all.
 */
export class PublishTimeoutError extends Error {
  /** The event id, to look it up or publish it again with the same id. */
  declare readonly eventId: string;
  /** How many attempts were made. */
  declare readonly attempts: number;

  /**
   * Creates the error.
   *
   * @param type The event type.
   * @param eventId The event id.
   * @param attempts How many attempts were made.
   * @param ms The deadline in milliseconds.
   * @param options `cause`: the last attempt's error; `reason`: what
   *   that error means, in words (when known).
   */
  constructor(
    type: string,
    eventId: string,
    attempts: number,
    ms: number,
    options?: ErrorOptions & { reason?: string },
  ) {
    super(
      `Cannot publish "${type}" ${eventId}: no acknowledgement from JetStream within ${ms} ms after ${attempts} attempts${
        options?.reason ? `: ${options.reason}` : ""
      }`,
      options,
    );
    this.eventId = eventId;
    this.attempts = attempts;
    this.name = "PublishTimeoutError";
  }
}

/**
 * The server refused a publish for a reason retrying cannot fix, such as a
 * permission violation or a payload above `max_payload`.
 */
export class PublishRejectedError extends Error {
  /**
   * Creates the error.
   *
   * @param type The event type.
   * @param reason The server's reason.
   * @param options `cause`: the NATS client's own error.
   */
  constructor(type: string, reason: string, options?: ErrorOptions) {
    super(`Cannot publish "${type}": ${reason}`, options);
    this.name = "PublishRejectedError";
  }
}

/** An existing stream's settings differ from the configured ones. */
export class StreamConfigError extends Error {
  /** The stream. */
  declare readonly stream: string;
  /** Each setting that differs. */
  declare readonly differences: readonly string[];

  /**
   * Creates the error.
   *
   * @param stream The stream name.
   * @param differences One line per differing setting.
   */
  constructor(stream: string, differences: readonly string[]) {
    super(
      `JetStream stream "${stream}" exists with incompatible settings: ${
        differences.join("; ")
      }. Change the configuration to match, or update the stream.`,
    );
    this.stream = stream;
    this.differences = differences;
    this.name = "StreamConfigError";
  }
}

/**
 * A group's durable consumer exists with another filter than this
 * subscription asks for (`deleteGroup` starts the group afresh), or
 * `resetGroup` found none.
 */
export class GroupConfigError extends Error {
  /** The group name. */
  declare readonly group: string;

  /**
   * Creates the error.
   *
   * @param group The group name.
   * @param message What differs.
   * @param options `cause`: the server's answer, if any.
   */
  constructor(group: string, message: string, options?: ErrorOptions) {
    super(`Group "${group}": ${message}`, options);
    this.group = group;
    this.name = "GroupConfigError";
  }
}
