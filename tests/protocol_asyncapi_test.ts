// The AsyncAPI 3.0 document and the Markdown event reference: validated by
// the official @asyncapi/parser, checked against the catalog and the nats
// transport's settings, and the committed files kept up to date.
import assert from "node:assert/strict";
// @ts-types="./fixtures/asyncapi_parser_types.d.ts"
import { Parser } from "@asyncapi/parser";
import * as z from "zod/mini";
import { defineEvents, mcbEvents, versioned } from "../mod.ts";
import {
  type AsyncApiDocument,
  asyncApiDocument,
  eventReference,
  versionJSONSchema,
} from "../src/protocol/mod.ts";
import {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  DLQ_TOKEN,
} from "../src/protocol/transport.ts";
import * as natsConfig from "../src/config/nats_config.ts";
import { deadLetterSubject } from "../src/nats/subjects.ts";
import {
  ASYNCAPI_FILE,
  asyncApiText,
  EVENTS_FILE,
  eventsText,
} from "../scripts/protocol_asyncapi.ts";

const parser = new Parser();
const root = new URL("../", import.meta.url);

/** Parses `doc`; fails on any error or warning, listing every diagnostic. */
async function parse(doc: AsyncApiDocument | string) {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  const { document, diagnostics } = await parser.parse(text);
  const shown = diagnostics.map((d) =>
    `[${d.severity}] ${d.code}: ${d.message} at /${d.path.join("/")}`
  );
  const bad = diagnostics.filter((d) => d.severity <= 1);
  assert.deepEqual(bad.map((d) => d.code), [], shown.join("\n"));
  assert.ok(document, shown.join("\n"));
  return { document, diagnostics };
}

// A tree, to see `$ref`s survive the move into components/schemas.
type Tree = { name: string; children: Tree[] };
const tree: z.ZodMiniType<Tree> = z.object({
  name: z.string(),
  get children() {
    return z.array(tree);
  },
});

const v1 = z.object({ path: z.string() });
const v2 = z.object({ path: z.string(), bytes: z.int().check(z.minimum(0)) });
const v3 = z.object({
  path: z.string(),
  bytes: z.int().check(z.minimum(0)),
  lang: z.enum(["ts", "md"]),
  tags: z.array(
    z.object({ key: z.string(), weight: z._default(z.number(), 1) }),
  ),
  outline: tree,
});

const fixture = defineEvents({
  "doc.saved": versioned({
    version: 3,
    description: "A document was saved.",
    schema: v3,
    history: [
      {
        version: 1,
        schema: v1,
        upcast: (d: { path: string }) => ({ ...d, bytes: 0 }),
      },
      {
        version: 2,
        schema: v2,
        upcast: (d: { path: string; bytes: number }) => ({
          ...d,
          lang: "ts",
          tags: [],
          outline: { name: d.path, children: [] },
        }),
      },
    ],
  }),
  "cursor.moved": {
    ephemeral: true,
    schema: z.object({ line: z.int(), column: z.int() }),
  },
});

const options = { title: "Fixture", version: "1.2.3" };

Deno.test("the protocol layer's defaults are the nats transport's", () => {
  assert.equal(DEFAULT_STREAM, natsConfig.DEFAULT_STREAM);
  assert.equal(DEFAULT_SUBJECT_PREFIX, natsConfig.DEFAULT_SUBJECT_PREFIX);
  // The transport dead-letters on <prefix>.dlq.<type> (the same literal
  // tests/nats_delivery_test.ts reads back from a real stream).
  assert.equal(
    deadLetterSubject("mcb.events", "a.b"),
    `mcb.events.${DLQ_TOKEN}.a.b`,
  );
  assert.equal(DLQ_TOKEN, "dlq");
  const nats = natsConfig.normalizeNatsConfig({ servers: ["ws://x:1"] });
  const doc = asyncApiDocument(mcbEvents, options);
  assert.equal(
    doc.channels.metrics_snapshot.address,
    `${nats.ephemeralPrefix}.metrics.snapshot`,
  );
  assert.equal(nats.ephemeralEncoding, "structured");
});

Deno.test("mcbEvents: the official parser finds no error nor warning", async () => {
  const { document, diagnostics } = await parse(asyncApiText());
  // Only information, such as "3.1.0 is the latest version", may remain.
  assert.ok(diagnostics.every((d) => d.severity >= 2));
  for (const type of mcbEvents.types) {
    const id = type.replaceAll(".", "_");
    const channel = document!.channels().get(id);
    assert.ok(channel, `channel ${id}`);
    const prefix = mcbEvents.isEphemeral(type)
      ? "mcb.events_ephemeral"
      : "mcb.events";
    assert.equal(channel.address(), `${prefix}.${type}`);
    const message = channel.messages().get(`${id}_v1`);
    assert.ok(message, `message ${id}_v1`);
    assert.ok(message.hasPayload());
    if (mcbEvents.isEphemeral(type)) {
      assert.equal(message.contentType(), "application/cloudevents+json");
      assert.equal(message.headers(), undefined);
      assert.equal(message.payload()!.properties()!.type.const(), type);
    } else {
      assert.equal(message.contentType(), "application/json");
      const headers = message.headers()!.properties()!;
      assert.equal(headers["ce-type"].const(), type);
      assert.equal(headers["ce-specversion"].const(), "1.0");
      assert.ok(headers["Nats-Msg-Id"]);
      assert.deepEqual(
        Object.keys(message.payload()!.properties() ?? {}).sort(),
        Object.keys(versionJSONSchema(mcbEvents, type).properties ?? {})
          .sort(),
      );
    }
    const send = document!.operations().get(`send_${id}`)!;
    const receive = document!.operations().get(`receive_${id}`)!;
    assert.ok(send.isSend() && receive.isReceive());
    for (const op of [send, receive]) {
      assert.equal(op.channels().all()[0].id(), id);
      assert.deepEqual(op.messages().all().map((m) => m.id()), [`${id}_v1`]);
    }
  }
  assert.equal(
    document!.channels().get("dlq")!.address(),
    `mcb.events.${DLQ_TOKEN}.{type}`,
  );
});

Deno.test("a versioned type: send lists the current version, receive all three", async () => {
  const doc = asyncApiDocument(fixture, options);
  const { document } = await parse(doc);
  const ids = (op: string) =>
    document!.operations().get(op)!.messages().all().map((m) => m.id());
  assert.deepEqual(ids("send_doc_saved"), ["doc_saved_v3"]);
  assert.deepEqual(ids("receive_doc_saved"), [
    "doc_saved_v1",
    "doc_saved_v2",
    "doc_saved_v3",
  ]);
  assert.deepEqual(ids("send_cursor_moved"), ["cursor_moved_v1"]);
  const messages = doc.components.messages;
  for (const n of [1, 2, 3]) {
    const headers = messages[`doc_saved_v${n}`].headers as {
      properties: Record<string, { const?: string }>;
      required: string[];
    };
    assert.equal(
      headers.properties["ce-dataschema"].const,
      fixture.dataschema("doc.saved", n),
    );
    // Without dataschema an event reads as the oldest version.
    assert.equal(headers.required.includes("ce-dataschema"), n > 1);
  }
  assert.equal(messages.doc_saved_v1.deprecated, true);
  assert.equal(messages.doc_saved_v3.deprecated, undefined);
  // The recursive schema's $ref now points into components/schemas.
  const outline = document!.messages().get("doc_saved_v3")!.payload()!
    .properties()!.outline;
  assert.deepEqual(Object.keys(outline.properties()!), ["name", "children"]);
  assert.match(JSON.stringify(doc), /#\/components\/schemas\/doc_saved_v3\//);
});

Deno.test("an ephemeral type is the whole CloudEvent, or binary mode on request", async () => {
  const structured = asyncApiDocument(fixture, options).components.messages
    .cursor_moved_v1;
  assert.equal(structured.headers, undefined);
  const envelope = structured.payload as {
    properties: Record<string, unknown>;
    required: string[];
  };
  assert.deepEqual(envelope.properties.data, {
    $ref: "#/components/schemas/cursor_moved_v1",
  });
  assert.deepEqual(envelope.required, [
    "specversion",
    "id",
    "source",
    "type",
    "data",
  ]);
  const doc = asyncApiDocument(fixture, {
    ...options,
    ephemeralEncoding: "binary",
    subjectPrefix: "app.ev",
    ephemeralPrefix: "app.live",
    stream: "APP",
  });
  await parse(doc);
  const binary = doc.components.messages.cursor_moved_v1;
  const headers = (binary.headers as { properties: object }).properties;
  assert.ok("ce-id" in headers && !("Nats-Msg-Id" in headers));
  assert.equal(doc.channels.cursor_moved.address, "app.live.cursor.moved");
  assert.equal(doc.channels.doc_saved.address, "app.ev.doc.saved");
  assert.equal(doc.channels.dlq.address, "app.ev.dlq.{type}");
  assert.match(doc.info.description, /stream `APP`/);
});

Deno.test("the parser's checks have teeth: a misplaced message is an error", async () => {
  const doc = asyncApiDocument(fixture, options);
  doc.operations.send_doc_saved.messages = [
    { $ref: "#/channels/cursor_moved/messages/cursor_moved_v1" },
  ];
  const { diagnostics } = await parser.parse(JSON.stringify(doc));
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 0).map((d) => d.code),
    ["asyncapi3-operation-messages-from-referred-channel"],
  );
});

Deno.test("settings and catalogs the document cannot describe are refused", () => {
  const clash = defineEvents({ "a.b_c": z.string(), "a_b.c": z.string() });
  assert.throws(() => asyncApiDocument(clash, options), /both have the id/);
  const dlq = defineEvents({ "dlq.x": z.string() });
  assert.throws(() => asyncApiDocument(dlq, options), /reserved/);
  assert.throws(
    () => eventReference(fixture, { ephemeralPrefix: "mcb.events.live" }),
    /outside "mcb.events.>"/,
  );
  assert.throws(
    () => asyncApiDocument(fixture, { ...options, stream: "A.B" }),
    /stream/,
  );
});

Deno.test("the event reference lists every field path, version and upcast", () => {
  const md = eventReference(fixture);
  for (
    const path of [
      "path",
      "bytes",
      "lang",
      "tags",
      "tags[]",
      "tags[].key",
      "tags[].weight",
      "outline",
      "outline.name",
      "outline.children",
      "outline.children[]",
      "line",
      "column",
    ]
  ) assert.ok(md.includes(`| \`${path}\``), path);
  assert.match(
    md,
    /Also reads: v1 \(upcast from v1 to v2\), v2 \(upcast from v2 to v3\)/,
  );
  assert.match(
    md,
    /\| `lang` +\| `string` +\| yes +\| +\| `one of "ts", "md"`/,
  );
  assert.match(md, /\| `tags\[\]\.weight` +\| `number` +\| no +\| `1`/);
  assert.match(md, /`outline.children\[\]`.*`same shape as outline`/);
  assert.match(md, /Subject: `mcb.events_ephemeral.cursor.moved`/);
  assert.match(md, /\[`doc.saved`\]\(#docsaved\)/);
  assert.equal(eventReference(fixture), md, "deterministic");
});

Deno.test("generated Markdown is as deno fmt writes it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.md`, eventReference(fixture));
    await Deno.writeTextFile(`${dir}/b.md`, eventsText());
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--check", dir],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("protocol/mcb/ is up to date (deno task protocol:asyncapi)", async () => {
  for (
    const [file, text] of [[ASYNCAPI_FILE, asyncApiText()], [
      EVENTS_FILE,
      eventsText(),
    ]]
  ) {
    const committed = await Deno.readTextFile(new URL(file, root));
    assert.equal(
      committed,
      text,
      `${file}: run \`deno task protocol:asyncapi\``,
    );
  }
});
