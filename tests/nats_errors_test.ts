// NATS errors are classified by nats.js's own classes and JetStream API
// codes (src/nats/nats_errors.ts), built here exactly as nats.js builds them
// (the shapes were recorded from the suites: a publish denied by permissions
// is a RequestError caused by a PermissionViolationError, a missing stream
// a JetStreamNotEnabled caused by a NoRespondersError, ...). The
// integration tests that reach each case through a real server:
// permission and authentication tests/faults/security_test.ts and
// tests/nats_auth_test.ts; stream configuration tests/nats_server_test.ts;
// timeout tests/nats_connection_test.ts; max payload
// tests/faults/bad_input_test.ts. That src/nats reads no message text is
// checked in tests/architecture_test.ts.
import assert from "node:assert/strict";
import { errors } from "@nats-io/nats-core";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import {
  isAuthFailure,
  isConsumerNotFound,
  isNoResponders,
  isPermissionDenied,
  isRetryable,
  isStreamNotFound,
  isTimeout,
} from "../src/nats/nats_errors.ts";

const apiError = (err_code: number, code: number, description: string) =>
  new JetStreamApiError({ err_code, code, description });

Deno.test("nats errors: permission (a publish refused: RequestError caused by PermissionViolationError)", () => {
  const denied = new errors.PermissionViolationError(
    'Permissions Violation for Publish to "a.b"',
    "publish",
    "a.b",
  );
  const request = new errors.RequestError(denied.message, { cause: denied });
  for (const e of [denied, request]) {
    assert.equal(isPermissionDenied(e), true);
    assert.equal(isRetryable(e), false);
  }
  // The same words in a plain Error are not a permission error.
  assert.equal(isPermissionDenied(new Error("Permissions Violation")), false);
});

Deno.test("nats errors: authentication", () => {
  assert.equal(
    isAuthFailure(new errors.AuthorizationError("Authorization Violation")),
    true,
  );
  assert.equal(
    isAuthFailure(new errors.UserAuthenticationExpiredError("expired")),
    true,
  );
  assert.equal(isAuthFailure(new errors.ConnectionError("refused")), false);
  assert.equal(isAuthFailure(new Error("Authorization Violation")), false);
});

Deno.test("nats errors: stream and consumer configuration (JetStream API codes)", () => {
  const stream = apiError(
    JetStreamApiCodes.StreamNotFound,
    404,
    "stream not found",
  );
  const consumer = apiError(
    JetStreamApiCodes.ConsumerNotFound,
    404,
    "consumer not found",
  );
  assert.equal(isStreamNotFound(stream), true);
  assert.equal(isConsumerNotFound(stream), false);
  assert.equal(isConsumerNotFound(consumer), true);
  assert.equal(isStreamNotFound(consumer), false);
  assert.equal(isStreamNotFound(new Error("stream not found")), false);
  // A 4xx API error is a refusal, a 5xx one (no leader yet) is retried.
  assert.equal(
    isRetryable(apiError(10_054, 400, "message size exceeds")),
    false,
  );
  assert.equal(
    isRetryable(apiError(10_008, 503, "temporarily unavailable")),
    true,
  );
});

Deno.test("nats errors: timeout and no responders are retried", () => {
  const timeout = new errors.TimeoutError();
  assert.equal(isTimeout(timeout), true);
  assert.equal(isRetryable(timeout), true);
  assert.equal(isTimeout(new Error("timeout")), false);
  const none = new errors.NoRespondersError("$JS.API.STREAM.INFO");
  const wrapped = new errors.RequestError(none.message, { cause: none });
  assert.equal(isNoResponders(wrapped), true);
  assert.equal(isRetryable(wrapped), true);
  assert.equal(isRetryable(new errors.ConnectionError("disconnected")), true);
});

Deno.test("nats errors: max payload, a closed or draining connection are not retried", () => {
  const payload = errors.InvalidArgumentError.format(
    "payload",
    "max_payload size exceeded",
  );
  assert.equal(isRetryable(payload), false);
  assert.equal(isRetryable(new errors.ClosedConnectionError()), false);
  assert.equal(isRetryable(new errors.DrainingConnectionError()), false);
  // Anything else is retried until publishTimeout (same message id).
  assert.equal(isRetryable(new Error("something else")), true);
});
