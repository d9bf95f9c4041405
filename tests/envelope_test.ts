import assert from "node:assert/strict";
import { RFC3339, TRACEPARENT } from "./_cloudevents.ts";
import {
  type CloudEvent,
  CLOUDEVENTS_JSON,
  decodeCloudEvent,
  encodeCloudEvent,
  parseCloudEvent,
  ValidationError,
} from "../mod.ts";

const minimal = {
  specversion: "1.0",
  id: "evt-1",
  source: "/tests/envelope",
  type: "context.updated",
};

/** Asserts `fn` throws a ValidationError with an issue at each path. */
function invalid(fn: () => unknown, paths: string[]): ValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.name, "ValidationError");
    const got = error.issues.map((i) => i.path);
    for (const path of paths) {
      assert.ok(
        got.includes(path),
        `issue for "${path}" in ${JSON.stringify(got)}`,
      );
    }
    for (const issue of error.issues) {
      assert.ok(error.message.includes(issue.message));
      assert.notEqual(issue.message, "Invalid input");
    }
    return error;
  }
  assert.fail("expected a ValidationError");
}

Deno.test("parseCloudEvent() accepts a minimal envelope and fills in time and datacontenttype", () => {
  const before = Date.now();
  const event = parseCloudEvent({ ...minimal, data: { path: "/a" } });
  assert.equal(event.specversion, "1.0");
  assert.equal(event.id, "evt-1");
  assert.equal(event.source, "/tests/envelope");
  assert.equal(event.type, "context.updated");
  assert.equal(event.datacontenttype, "application/json");
  assert.deepEqual(event.data, { path: "/a" });
  assert.match(event.time, RFC3339);
  const ms = Date.parse(event.time);
  assert.ok(ms >= before - 1 && ms <= Date.now() + 1, event.time);
  assert.equal(CLOUDEVENTS_JSON, "application/cloudevents+json");
});

Deno.test("parseCloudEvent() keeps a given time and a JSON datacontenttype", () => {
  const time = "2024-05-01T12:30:00.123+02:00";
  const event = parseCloudEvent({
    ...minimal,
    time,
    datacontenttype: "application/json; charset=utf-8",
  });
  assert.equal(event.time, time);
  assert.equal(event.datacontenttype, "application/json");
  invalid(
    () => parseCloudEvent({ ...minimal, datacontenttype: "text/plain" }),
    ["datacontenttype"],
  );
});

for (const attribute of ["specversion", "id", "source", "type"]) {
  Deno.test(`parseCloudEvent() rejects an envelope without ${attribute}`, () => {
    const value: Record<string, unknown> = { ...minimal };
    delete value[attribute];
    const error = invalid(() => parseCloudEvent(value), [attribute]);
    assert.equal(error.issues.length, 1);
    assert.ok(error.message.includes(`${attribute}: `), error.message);
  });
}

Deno.test("parseCloudEvent() reports every missing attribute at once", () => {
  const error = invalid(() => parseCloudEvent({}), [
    "specversion",
    "id",
    "source",
    "type",
  ]);
  assert.equal(error.type, "(unknown)");
  const byPath = Object.fromEntries(
    error.issues.map((i) => [i.path, i.message]),
  );
  assert.equal(byPath.id, "expected string, but it is missing");
});

Deno.test("parseCloudEvent() rejects a wrong specversion", () => {
  for (const specversion of ["0.3", "1", 1, null]) {
    const error = invalid(
      () => parseCloudEvent({ ...minimal, specversion }),
      ["specversion"],
    );
    assert.match(error.issues[0].message, /"1\.0"/);
    assert.equal(error.type, "context.updated");
  }
});

Deno.test("parseCloudEvent() rejects empty id and source and a bad source", () => {
  invalid(() => parseCloudEvent({ ...minimal, id: "" }), ["id"]);
  invalid(() => parseCloudEvent({ ...minimal, source: "" }), ["source"]);
  invalid(() => parseCloudEvent({ ...minimal, source: "has space" }), [
    "source",
  ]);
  invalid(() => parseCloudEvent({ ...minimal, id: 7 }), ["id"]);
});

Deno.test("parseCloudEvent() rejects a bad time", () => {
  for (
    const time of [
      "yesterday",
      "2024-05-01",
      "2024-05-01T12:00:00",
      1714564800000,
    ]
  ) {
    invalid(() => parseCloudEvent({ ...minimal, time }), ["time"]);
  }
});

Deno.test("parseCloudEvent() rejects a bad traceparent", () => {
  for (
    const traceparent of [
      "00-abc",
      TRACEPARENT.toUpperCase(),
      TRACEPARENT + "-extra",
      "",
      42,
    ]
  ) {
    invalid(() => parseCloudEvent({ ...minimal, traceparent }), [
      "traceparent",
    ]);
  }
});

Deno.test("parseCloudEvent() rejects bad type tokens naming the type", () => {
  for (const type of ["a..b", "a.*", "a.>", "a b", ".a", ""]) {
    const error = invalid(() => parseCloudEvent({ ...minimal, type }), [
      "type",
    ]);
    if (type !== "") {
      assert.ok(error.issues[0].message.includes(`"${type}"`), error.message);
    }
  }
  invalid(() => parseCloudEvent({ ...minimal, type: 5 }), ["type"]);
});

Deno.test("parseCloudEvent() rejects a non-object", () => {
  for (const value of ["text", 42, null, undefined, [], true]) {
    const error = invalid(() => parseCloudEvent(value), [""]);
    assert.equal(error.issues.length, 1);
    assert.match(
      error.issues[0].message,
      /^expected object, (received \w+|but it is missing)$/,
    );
  }
});

Deno.test("decodeCloudEvent() rejects non-JSON with a ValidationError", () => {
  for (const text of ["{not json", "", "undefined", "{'a':1}"]) {
    const error = invalid(() => decodeCloudEvent(text), [""]);
    assert.match(error.issues[0].message, /not valid JSON/);
  }
  // Valid JSON that is not an envelope.
  invalid(() => decodeCloudEvent("[1,2]"), [""]);
  invalid(() => decodeCloudEvent('{"specversion":"1.0"}'), [
    "id",
    "source",
    "type",
  ]);
});

Deno.test("encodeCloudEvent() / decodeCloudEvent() round trip every attribute", () => {
  const event: CloudEvent<"context.updated", unknown> = {
    specversion: "1.0",
    id: "round-trip-1",
    source: "urn:mcb:instance:7",
    type: "context.updated",
    time: "2024-05-01T10:00:00.000Z",
    datacontenttype: "application/json",
    subject: "src/main.ts",
    dataschema: "https://example.com/schemas/context.updated.json",
    traceparent: TRACEPARENT,
    tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    data: { path: "/src/main.ts", nested: { list: [1, "two", null] } },
  };
  const json = encodeCloudEvent(event);
  assert.equal(typeof json, "string");
  assert.deepEqual(JSON.parse(json), event);
  const decoded = decodeCloudEvent(json);
  assert.deepEqual(decoded, event);
  assert.equal(encodeCloudEvent(decoded), json);
});

Deno.test("decodeCloudEvent() keeps an event without data", () => {
  const decoded = decodeCloudEvent(
    JSON.stringify({ ...minimal, time: "2024-01-01T00:00:00Z" }),
  );
  assert.equal(decoded.data, undefined);
  assert.equal(decoded.time, "2024-01-01T00:00:00Z");
});

Deno.test("parseCloudEvent() rejects an impossible time and says what a time must be", () => {
  const error = invalid(
    () => parseCloudEvent({ ...minimal, time: "2024-13-45T99:99:99Z" }),
    ["time"],
  );
  assert.match(error.message, /time: expected an RFC 3339 timestamp/);
  const trace = invalid(
    () => parseCloudEvent({ ...minimal, traceparent: "nope" }),
    ["traceparent"],
  );
  assert.match(trace.message, /00-<32 hex>-<16 hex>-<2 hex>/);
});
