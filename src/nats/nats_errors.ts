/**
 * What a NATS client error means, decided by its class and JetStream API
 * code (nats.js types them: `errors` of `@nats-io/nats-core`,
 * `JetStreamApiError` and `JetStreamApiCodes` of `@nats-io/jetstream`),
 * never by its message text. nats.js wraps errors (a `RequestError` whose
 * `cause` is a `PermissionViolationError` or `NoRespondersError`), so each
 * check looks along the `cause` chain.
 *
 * @module
 */
import { errors } from "./client.ts";
import { JetStreamApiCodes, JetStreamApiError } from "./client.ts";

/** `error` and its causes, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = error; e instanceof Error && out.length < 5; e = e.cause) {
    out.push(e);
  }
  return out;
}

const has = (
  error: unknown,
  ...classes: (abstract new (...a: never[]) => unknown)[]
) => chain(error).some((e) => classes.some((c) => e instanceof c));

/** The server refused the operation to this user (permissions). */
export function isPermissionDenied(error: unknown): boolean {
  return has(error, errors.PermissionViolationError);
}

/** The server refused the credentials (or they expired). */
export function isAuthFailure(error: unknown): boolean {
  return has(
    error,
    errors.AuthorizationError,
    errors.UserAuthenticationExpiredError,
  );
}

/** Nothing answered in time. */
export function isTimeout(error: unknown): boolean {
  return has(error, errors.TimeoutError);
}

/**
 * Nobody answered a JetStream request: no stream stores the subject, or
 * JetStream (its leader) is not there yet. nats.js reports it as
 * "jetstream is not enabled" with a `NoRespondersError` cause.
 */
export function isNoResponders(error: unknown): boolean {
  return has(error, errors.NoRespondersError);
}

/** A JetStream API error with this `JetStreamApiCodes` code. */
export function isApiError(error: unknown, code: number): boolean {
  return chain(error).some((e) =>
    e instanceof JetStreamApiError && e.code === code
  );
}

/** The JetStream API says the stream does not exist. */
export const isStreamNotFound = (error: unknown): boolean =>
  isApiError(error, JetStreamApiCodes.StreamNotFound);

/** The JetStream API says the consumer does not exist. */
export const isConsumerNotFound = (error: unknown): boolean =>
  isApiError(error, JetStreamApiCodes.ConsumerNotFound);

/**
 * Whether another publish attempt may succeed where `error` failed: yes
 * (until `publishTimeout`; retries reuse the message id, so they never
 * store twice) unless it is a refusal: permissions, a closed or draining
 * connection, an invalid argument (a payload above `max_payload`), or a
 * JetStream API error with a 4xx status. A timeout, no responders (an
 * election, a restart), a lost connection or a 5xx API error is retried.
 */
export function isRetryable(error: unknown): boolean {
  return !has(
    error,
    errors.PermissionViolationError,
    errors.ClosedConnectionError,
    errors.DrainingConnectionError,
    errors.InvalidArgumentError,
  ) && !chain(error).some((e) =>
    e instanceof JetStreamApiError && e.status < 500
  );
}
