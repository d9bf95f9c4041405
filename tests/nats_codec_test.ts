import assert from "node:assert/strict";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import type { CloudEvent } from "../src/core/envelope.ts";
import {
  CE_ATTRIBUTES,
  decodeMessage,
  type DecodeResult,
  encodeBinary,
  encodeStructured,
  percentDecode,
  percentEncode,
  type WireMessage,
} from "../src/nats/codec.ts";

const te = new TextEncoder();

const full: CloudEvent = {
  specversion: "1.0",
  id: "id-ü 1",
  source: "/émoji/🚀",
  type: "context.updated",
  time: "2025-01-02T03:04:05.678Z",
  datacontenttype: "application/json",
  subject: ' a b"c%d\t€ ',
  dataschema: "https://example.com/schemas/ctx.json?v=1&q=%41",
  traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
  tracestate: "vendor=a b, other=c",
  data: { path: "/x/ü", n: [1, 2.5, null, true], nested: { s: "🚀" } },
};

const minimal: CloudEvent = {
  specversion: "1.0",
  id: "1",
  source: "/x",
  type: "a.b",
  time: "2025-01-02T03:04:05Z",
  datacontenttype: "application/json",
  data: 42,
};

/** Serializes headers as NATS does and parses them back (values trimmed). */
function overTheWire(msg: WireMessage): { data: Uint8Array; headers: MsgHdrs } {
  const text = String(msg.headers);
  assert.match(text, /^NATS\/1\.0\r\n[\x20-\x7E\r\n]*$/);
  const headers = natsHeaders();
  for (const line of text.split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i), line.slice(i + 1).trim());
  }
  return { data: msg.payload.slice(), headers };
}

/** A binary-mode message with the given raw header values. */
function binary(
  overrides: Record<string, string | undefined> = {},
  payload: Uint8Array | string = "{}",
): { data: Uint8Array; headers: MsgHdrs } {
  const headers = natsHeaders();
  const all: Record<string, string | undefined> = {
    "ce-specversion": "1.0",
    "ce-id": "1",
    "ce-source": "/x",
    "ce-type": "a.b",
    "content-type": "application/json",
    ...overrides,
  };
  for (const [k, v] of Object.entries(all)) {
    if (v !== undefined) headers.append(k, v);
  }
  const data = typeof payload === "string" ? te.encode(payload) : payload;
  return { data, headers };
}

function structured(
  json: string,
  contentType = "application/cloudevents+json",
) {
  const headers = natsHeaders();
  headers.set("content-type", contentType);
  return { data: te.encode(json), headers };
}

function ok(result: DecodeResult): CloudEvent {
  if (!result.ok) assert.fail(`expected success, got: ${result.reason}`);
  return result.event;
}

function reason(result: DecodeResult): string {
  if (result.ok) assert.fail("expected a rejection");
  return result.reason;
}

Deno.test("percentEncode() encodes the binding's example", () => {
  assert.equal(
    percentEncode("Euro \u20AC \u{1F600}"),
    "Euro%20%E2%82%AC%20%F0%9F%98%80",
  );
});

Deno.test("percentEncode() keeps printable ASCII except space, DQUOTE and %", () => {
  let printable = "";
  for (let c = 0x21; c <= 0x7e; c++) printable += String.fromCharCode(c);
  const expected = printable.replace("%", "%25").replace('"', "%22");
  assert.equal(percentEncode(printable), expected);
  assert.equal(
    percentEncode(" \t\n\r\x00\x7f\x80\u00a0"),
    "%20%09%0A%0D%00%7F%C2%80%C2%A0",
  );
  assert.equal(percentEncode(""), "");
});

Deno.test("percentEncode() throws TypeError on a lone surrogate", () => {
  assert.throws(() => percentEncode("a\uD800b"), TypeError);
  assert.throws(() => percentEncode("\uDC00"), TypeError);
});

Deno.test("percentDecode() reverses percentEncode() and is lenient as required", () => {
  for (
    const s of [full.source, full.subject!, "Euro € 😀", '%%""  ', "\uFEFFbom"]
  ) {
    assert.equal(percentDecode(percentEncode(s)), s);
  }
  assert.equal(percentDecode("%c3%a9%2f"), "é/"); // lower-case hex
  assert.equal(percentDecode("%41%42C"), "ABC"); // needlessly encoded
  assert.equal(percentDecode("é 🚀"), "é 🚀"); // not encoded at all
  assert.equal(percentDecode("%EF%BB%BFx"), "\uFEFFx"); // a BOM is kept
});

Deno.test("percentDecode() throws TypeError on malformed input", () => {
  for (
    const bad of [
      "%",
      "a%",
      "%4",
      "%zz",
      "%G0",
      "%C0%A0",
      "%ED%A0%80",
      "%FF",
      "%E2%82",
    ]
  ) {
    assert.throws(() => percentDecode(bad), TypeError, bad);
  }
});

Deno.test("encodeBinary() writes percent-encoded ce- headers and content-type", () => {
  const { headers, payload } = encodeBinary(full);
  assert.deepEqual(headers.keys(), [
    ...CE_ATTRIBUTES.map((n) => `ce-${n}`),
    "content-type",
  ]);
  assert.equal(headers.get("ce-specversion"), "1.0");
  assert.equal(headers.get("ce-id"), "id-%C3%BC%201");
  assert.equal(headers.get("ce-source"), "/%C3%A9moji/%F0%9F%9A%80");
  assert.equal(headers.get("ce-type"), "context.updated");
  assert.equal(headers.get("ce-time"), "2025-01-02T03:04:05.678Z");
  assert.equal(headers.get("ce-subject"), "%20a%20b%22c%25d%09%E2%82%AC%20");
  assert.equal(
    headers.get("ce-dataschema"),
    "https://example.com/schemas/ctx.json?v=1&q=%2541",
  );
  assert.equal(headers.get("ce-traceparent"), full.traceparent);
  assert.equal(headers.get("ce-tracestate"), "vendor=a%20b,%20other=c");
  assert.equal(headers.get("content-type"), "application/json");
  assert.equal(headers.has("ce-datacontenttype"), false);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), full.data);
  overTheWire({ headers, payload }); // asserts the wire form is printable ASCII
});

Deno.test("encodeBinary() omits absent attributes and writes no payload for undefined data", () => {
  const { headers, payload } = encodeBinary({ ...minimal, data: undefined });
  assert.deepEqual(headers.keys(), [
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-time",
    "content-type",
  ]);
  assert.equal(payload.length, 0);
  const event = ok(decodeMessage({ data: payload, headers }));
  assert.equal(event.data, undefined);
});

Deno.test("encodeBinary() and decodeMessage() round trip every attribute over the wire", () => {
  for (
    const event of [full, minimal, { ...minimal, data: null }, {
      ...minimal,
      data: "é",
    }]
  ) {
    const result = decodeMessage(overTheWire(encodeBinary(event)));
    assert.equal(result.ok && result.mode, "binary");
    assert.deepEqual(ok(result), event);
  }
});

Deno.test("encodeStructured() writes the whole event as application/cloudevents+json", () => {
  const { headers, payload } = encodeStructured(full);
  assert.deepEqual(headers.keys(), ["content-type"]);
  assert.equal(headers.get("content-type"), "application/cloudevents+json");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), full);
});

Deno.test("encodeStructured() and decodeMessage() round trip every attribute over the wire", () => {
  for (const event of [full, minimal]) {
    const result = decodeMessage(overTheWire(encodeStructured(event)));
    assert.equal(result.ok && result.mode, "structured");
    assert.deepEqual(ok(result), event);
  }
});

Deno.test("decodeMessage() detects structured mode with parameters, in any case", () => {
  const json = JSON.stringify(minimal);
  for (
    const ct of [
      "Application/CloudEvents+JSON; charset=utf-8",
      " application/cloudevents+json;charset=UTF-8",
    ]
  ) {
    const result = decodeMessage(structured(json, ct));
    assert.equal(result.ok && result.mode, "structured", ct);
  }
  const headers = natsHeaders();
  headers.set("Content-Type", "APPLICATION/CLOUDEVENTS+JSON");
  assert.deepEqual(
    ok(decodeMessage({ data: te.encode(json), headers })),
    minimal,
  );
});

Deno.test("decodeMessage() matches header names in any case", () => {
  const headers = natsHeaders();
  headers.set("CE-SpecVersion", "1.0");
  headers.set("Ce-Id", "7");
  headers.set("CE-SOURCE", "/s");
  headers.set("ce-Type", "a.b");
  headers.set("Content-Type", "application/json");
  const event = ok(decodeMessage({ data: te.encode("1"), headers }));
  assert.equal(event.id, "7");
  assert.equal(event.source, "/s");
});

Deno.test("decodeMessage() accepts quoted-string values and ce-datacontenttype from other producers", () => {
  const event = ok(decodeMessage(binary({
    "ce-subject": '"a b \\"q\\" %25" and%20more',
    "content-type": undefined,
    "ce-datacontenttype": "application/json;%20charset=utf-8",
  })));
  assert.equal(event.subject, 'a b "q" % and more');
  assert.equal(event.datacontenttype, "application/json");
});

Deno.test("decodeMessage() fills a missing ce-time with now", () => {
  const before = Date.now();
  const event = ok(decodeMessage(binary()));
  assert.ok(
    Date.parse(event.time) >= before - 1 &&
      Date.parse(event.time) <= Date.now() + 1,
  );
});

Deno.test("decodeMessage() decodes an empty binary payload as undefined data", () => {
  const event = ok(decodeMessage(binary({}, "")));
  assert.equal(event.data, undefined);
  assert.ok(Object.hasOwn(event, "data"));
});

Deno.test("decodeMessage() rejects a payload larger than maxBytes before decoding it", () => {
  const big = new Uint8Array(2_000_000).fill(0xff); // also invalid UTF-8
  assert.equal(
    reason(decodeMessage(binary({}, big))),
    "payload of 2000000 bytes exceeds 1048576",
  );
  assert.equal(
    reason(decodeMessage(binary({}, "[1,2]"), { maxBytes: 4 })),
    "payload of 5 bytes exceeds 4",
  );
  assert.equal(
    reason(decodeMessage(structured(JSON.stringify(minimal)), { maxBytes: 10 }))
      .includes("exceeds 10"),
    true,
  );
  ok(decodeMessage(binary({}, "[1,2]"), { maxBytes: 5 }));
});

Deno.test("decodeMessage() rejects invalid UTF-8", () => {
  const bad = new Uint8Array([0x22, 0xc3, 0x28, 0x22]);
  assert.equal(
    reason(decodeMessage(binary({}, bad))),
    "payload is not valid UTF-8",
  );
  const msg = structured("");
  assert.equal(
    reason(
      decodeMessage({
        ...msg,
        data: new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d]),
      }),
    ),
    "payload is not valid UTF-8",
  );
});

Deno.test("decodeMessage() rejects invalid JSON", () => {
  assert.match(
    reason(decodeMessage(binary({}, "{nope"))),
    /^payload is not valid JSON: /,
  );
  assert.match(
    reason(decodeMessage(structured('{"specversion":'))),
    /^payload is not valid JSON: /,
  );
  assert.equal(reason(decodeMessage(structured(""))), "payload is empty");
});

Deno.test("decodeMessage() rejects data nested deeper than maxDepth", () => {
  const nest = (n: number) => "[".repeat(n) + "]".repeat(n);
  ok(decodeMessage(binary({}, nest(64))));
  assert.equal(
    reason(decodeMessage(binary({}, nest(65)))),
    "JSON nesting deeper than 64 levels",
  );
  const envelope = (data: string) =>
    JSON.stringify(minimal).replace("42", data);
  ok(decodeMessage(structured(envelope(nest(64)))));
  assert.equal(
    reason(decodeMessage(structured(envelope(nest(65))))),
    "JSON nesting deeper than 64 levels",
  );
  assert.equal(
    reason(decodeMessage(binary({}, nest(3)), { maxDepth: 2 })),
    "JSON nesting deeper than 2 levels",
  );
});

Deno.test("decodeMessage() rejects 100k levels of nesting without a crash", () => {
  let open = "";
  let close = "";
  for (let i = 0; i < 100_000; i++) {
    open += i % 2 ? '{"a":' : "[";
    close = (i % 2 ? "}" : "]") + close;
  }
  const deep = open + "0" + close;
  assert.equal(
    reason(decodeMessage(binary({}, deep))),
    "JSON nesting deeper than 64 levels",
  );
  const envelope = JSON.stringify(minimal).replace("42", deep);
  assert.equal(
    reason(decodeMessage(structured(envelope))),
    "JSON nesting deeper than 64 levels",
  );
});

Deno.test("decodeMessage() rejects malformed percent-encoding and quoting", () => {
  assert.equal(
    reason(decodeMessage(binary({ "ce-id": "a%zz" }))),
    "header ce-id is not valid percent-encoding",
  );
  assert.equal(
    reason(decodeMessage(binary({ "ce-subject": "%C0%A0" }))),
    "header ce-subject is not valid percent-encoding",
  );
  assert.equal(
    reason(decodeMessage(binary({ "ce-subject": '"open' }))),
    "header ce-subject has an unterminated quoted-string",
  );
});

Deno.test("decodeMessage() rejects each missing required header", () => {
  for (const name of ["specversion", "id", "source", "type"]) {
    assert.equal(
      reason(decodeMessage(binary({ [`ce-${name}`]: undefined }))),
      `missing header ce-${name}`,
    );
  }
});

Deno.test("decodeMessage() rejects a specversion other than 1.0", () => {
  assert.equal(
    reason(decodeMessage(binary({ "ce-specversion": "0.3" }))),
    'unsupported specversion "0.3" (expected "1.0")',
  );
  const v03 = JSON.stringify({ ...minimal, specversion: "0.3" });
  assert.equal(
    reason(decodeMessage(structured(v03))),
    'unsupported specversion "0.3" (expected "1.0")',
  );
  const none = JSON.stringify({ ...minimal, specversion: undefined });
  assert.equal(
    reason(decodeMessage(structured(none))),
    "missing attribute specversion",
  );
  const num = JSON.stringify({ ...minimal, specversion: 1 });
  assert.equal(
    reason(decodeMessage(structured(num))),
    'unsupported specversion 1 (expected "1.0")',
  );
});

Deno.test("decodeMessage() rejects invalid attributes with parseCloudEvent's messages", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { "ce-source": "a%20b" },
      /^invalid event: source: expected a URI-reference$/,
    ],
    [{ "ce-id": "" }, /^invalid event: id: /],
    [{ "ce-type": "a..b" }, /^invalid event: type: .*token 2 is empty/],
    [
      { "ce-time": "yesterday" },
      /^invalid event: time: expected an RFC 3339 timestamp$/,
    ],
    [{ "ce-traceparent": "00-xyz" }, /^invalid event: traceparent: /],
    [
      { "content-type": "text/plain" },
      /^invalid event: datacontenttype: expected application\/json$/,
    ],
  ];
  for (const [headers, expected] of cases) {
    assert.match(reason(decodeMessage(binary(headers, "1"))), expected);
  }
  const structuredBad = JSON.stringify({ ...minimal, source: 5, id: "" });
  assert.match(
    reason(decodeMessage(structured(structuredBad))),
    /^invalid event: id: .*; source: expected string, received number$/,
  );
  assert.equal(
    reason(decodeMessage(structured("[1]"))),
    "payload is not a JSON object",
  );
});

Deno.test("decodeMessage() rejects other CloudEvents media types and repeated headers", () => {
  assert.equal(
    reason(
      decodeMessage(structured("[]", "application/cloudevents-batch+json")),
    ),
    'unsupported content-type "application/cloudevents-batch+json"',
  );
  assert.match(
    reason(decodeMessage(structured("{}", "application/cloudevents+avro"))),
    /^unsupported content-type/,
  );
  const msg = binary();
  msg.headers.append("CE-ID", "2");
  assert.equal(reason(decodeMessage(msg)), "header ce-id appears 2 times");
});

Deno.test("decodeMessage() reads a header-less message as structured mode", () => {
  // `nats pub` and the Go SDK's JetStream binding send structured events
  // without headers.
  const json = JSON.stringify({
    specversion: "1.0",
    id: "x1",
    source: "/go",
    type: "a.b",
    data: { n: 1 },
  });
  for (const headers of [undefined, natsHeaders()]) {
    const result = decodeMessage({ data: te.encode(json), headers });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.mode, "structured");
    assert.deepEqual(result.event.data, { n: 1 });
  }
  // A bare payload that is not an event is still refused, with a reason.
  const bare = decodeMessage({ data: te.encode('{"n":1}') });
  assert.equal(bare.ok, false);
  assert.match(reason(bare), /specversion/);
});

Deno.test("decodeMessage() rejects a missing payload and never throws", () => {
  const headers = binary().headers;
  assert.equal(
    reason(decodeMessage({ headers } as unknown as { data: Uint8Array })),
    "payload is missing",
  );
  assert.equal(
    reason(decodeMessage(null as unknown as { data: Uint8Array })),
    "payload is missing",
  );
  const broken = {
    [Symbol.iterator]: () => {
      throw new Error("boom");
    },
  } as unknown as MsgHdrs;
  assert.match(
    reason(decodeMessage({ data: te.encode("1"), headers: broken })),
    /^cannot decode message: .*boom/,
  );
});

Deno.test("decodeMessage() does not let __proto__, constructor or prototype keys pollute prototypes", () => {
  const hostile =
    '{"__proto__":{"polluted":1,"subject":"x"},"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3}}';
  const envelope = JSON.stringify(minimal).replace("42", hostile).replace(
    '{"specversion"',
    `{"__proto__":{"polluted":4,"subject":"y"},"specversion"`,
  );
  for (
    const result of [
      decodeMessage(binary({}, hostile)),
      decodeMessage(structured(envelope)),
    ]
  ) {
    const event = ok(result);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(
      Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"),
      false,
    );
    assert.equal(Object.getPrototypeOf(event), Object.prototype);
    assert.equal(event.subject, undefined);
    assert.equal(
      (event as unknown as Record<string, unknown>).polluted,
      undefined,
    );
    const data = event.data as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.ok(Object.hasOwn(data, "__proto__"));
    assert.equal(data.polluted, undefined);
    assert.deepEqual(Object.keys(data), [
      "__proto__",
      "constructor",
      "prototype",
    ]);
    // Re-encoding keeps the keys as data, and stays harmless.
    const { payload, headers } = encodeBinary(event);
    const again = ok(decodeMessage({ data: payload, headers }));
    assert.ok(Object.hasOwn(again.data as object, "__proto__"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
});
