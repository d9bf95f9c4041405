// Shared by the CloudEvents envelope tests (not a test file).

/** An RFC 3339 timestamp, the form CloudEvents requires of `time`. */
export const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A valid W3C `traceparent` (the example of the Trace Context spec). */
export const TRACEPARENT =
  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
