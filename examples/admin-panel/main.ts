/// <reference no-default-lib="true" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="esnext" />
/**
 * A live admin panel for the events of Memory Context Browser, in the
 * browser, without a framework: it connects to NATS over WebSocket (ideally
 * as a subscribe-only user), shows the last 100 events, counts them by type
 * and shows the connection status.
 *
 * Settings come from the query string:
 * `?servers=ws://127.0.0.1:8080&user=panel&pass=...&stream=MCB_EVENTS&prefix=mcb.events`
 * (see README.md beside this file). Event data is only ever written with
 * `textContent`, never parsed as HTML.
 *
 * @module
 */

import {
  type CloudEvent,
  type ConnectionStatus,
  mcbEvents,
  type NatsEventBus,
} from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";

/** How many events the table keeps. */
const MAX_ROWS = 100;
/** Longest data text shown in a cell (the full JSON is in its tooltip). */
const MAX_DATA_CHARS = 160;

/** What the page reads from its query string. */
export interface PanelSettings {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  stream?: string;
  prefix?: string;
  from: "new" | "all";
}

/** Reads the settings from a query string (`location.search`). */
export function readSettings(search: string): PanelSettings {
  const q = new URLSearchParams(search);
  const get = (key: string) => q.get(key)?.trim() || undefined;
  return {
    servers: (get("servers") ?? "").split(",").map((s) => s.trim())
      .filter(Boolean),
    user: get("user"),
    pass: q.get("pass") ?? undefined,
    token: q.get("token") ?? undefined,
    stream: get("stream"),
    prefix: get("prefix"),
    from: get("from") === "all" ? "all" : "new",
  };
}

type Badge = "connecting" | "connected" | "reconnecting" | "disconnected";

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`admin panel: #${id} is missing from the page`);
  return el;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(state: Badge, detail = ""): void {
  const badge = $("status");
  badge.dataset.status = state;
  badge.textContent = state;
  badge.title = detail;
}

function notice(kind: "info" | "ok" | "error", text: string): HTMLElement {
  const box = $("notice");
  box.dataset.kind = kind;
  box.textContent = text;
  box.hidden = false;
  return box;
}

function message(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: unknown };
  const text = e?.message ? `${e.name ?? "Error"}: ${e.message}` : String(e);
  const cause = e?.cause as { name?: string; message?: string } | undefined;
  return cause && typeof cause === "object"
    ? `${text} (cause: ${cause.name ?? "Error"}${
      cause.message ? `: ${cause.message}` : ""
    })`
    : text;
}

/** A stable hue per first token of the type, for the type chips. */
function hue(type: string): number {
  const head = type.split(".")[0];
  let h = 0;
  for (let i = 0; i < head.length; i++) {
    h = (h * 31 + head.charCodeAt(i)) % 360;
  }
  return h;
}

function chip(type: string): HTMLElement {
  const c = el("span", "chip", type);
  c.style.setProperty("--hue", String(hue(type)));
  return c;
}

/** The "by type" table: one row per catalog type, sorted by count. */
class Counts {
  #rows = new Map<string, { tr: HTMLTableRowElement; count: number }>();
  #body: HTMLElement;
  #total = 0;

  constructor(types: readonly string[]) {
    this.#body = $("counts").querySelector("tbody")!;
    for (const type of types) {
      const tr = el("tr", "zero");
      tr.dataset.type = type;
      tr.dataset.count = "0";
      const name = el("td", "type");
      name.append(chip(type));
      const bar = el("td", "bar");
      bar.append(el("span"));
      tr.append(name, bar, el("td", "num", "0"));
      this.#rows.set(type, { tr, count: 0 });
      this.#body.append(tr);
    }
  }

  add(type: string): void {
    const row = this.#rows.get(type);
    if (!row) return;
    row.count++;
    this.#total++;
    $("total").textContent = String(this.#total);
    const sorted = [...this.#rows.values()].sort((a, b) => b.count - a.count);
    const max = sorted[0].count;
    for (const { tr, count } of sorted) {
      tr.dataset.count = String(count);
      tr.classList.toggle("zero", count === 0);
      tr.querySelector<HTMLElement>("td.num")!.textContent = String(count);
      tr.querySelector<HTMLElement>("td.bar span")!.style.width = `${
        Math.round(100 * count / max)
      }%`;
      this.#body.append(tr); // re-appending moves it: rows follow `sorted`
    }
  }
}

/** The events table: newest first, at most {@linkcode MAX_ROWS}. */
class EventsTable {
  #body = $("events").querySelector("tbody")!;

  add(event: CloudEvent): void {
    $("empty").hidden = true;
    const tr = el("tr");
    tr.dataset.id = event.id;
    tr.dataset.type = event.type;
    const time = el("td", "time", event.time.slice(11, 23));
    time.title = event.time;
    const type = el("td", "type");
    type.append(chip(event.type));
    if (mcbEvents.isEphemeral(event.type)) {
      type.append(el("span", "tag", "ephemeral"));
    }
    const source = el("td", "source", event.source);
    source.title = event.source;
    const json = JSON.stringify(event.data) ?? "";
    const data = el(
      "td",
      "data",
      json.length > MAX_DATA_CHARS
        ? `${json.slice(0, MAX_DATA_CHARS - 1)}…`
        : json,
    );
    data.title = json;
    tr.append(time, type, source, data);
    this.#body.prepend(tr);
    while (this.#body.childElementCount > MAX_ROWS) {
      this.#body.lastElementChild!.remove();
    }
  }
}

function onStatus(status: ConnectionStatus): void {
  switch (status.type) {
    case "connected":
    case "reconnected":
      setStatus("connected", `connected to ${status.server}`);
      break;
    case "reconnecting":
      setStatus("reconnecting", `attempt ${status.attempt}`);
      break;
    case "disconnected":
      setStatus("disconnected", status.server);
      break;
    case "closed":
      setStatus("disconnected", "connection closed");
      break;
    case "error":
      notice("error", `NATS: ${status.error}`);
      break;
  }
}

/** Tries to publish: a subscribe-only user must get a permission error. */
async function probePublish(bus: NatsEventBus<typeof mcbEvents>) {
  const box = notice("info", "Trying to publish cache.invalidate…");
  delete box.dataset.probe;
  try {
    await bus.publish("cache.invalidate", { namespace: "admin-panel-probe" });
    notice(
      "error",
      "Publishing is allowed for this user: an admin panel should connect " +
        "with a subscribe-only user.",
    ).dataset.probe = "allowed";
  } catch (error) {
    notice(
      "ok",
      `Publishing is refused for this user, as it should be. ${message(error)}`,
    ).dataset.probe = "refused";
  }
}

async function main(): Promise<void> {
  const settings = readSettings(location.search);
  if (settings.servers.length === 0) {
    setStatus("disconnected", "no servers");
    notice(
      "info",
      "Give the NATS WebSocket URL in the query string, e.g. " +
        "?servers=ws://127.0.0.1:8080&user=panel&pass=…&stream=MCB_EVENTS&prefix=mcb.events",
    );
    return;
  }
  $("server").textContent = settings.servers.join(", ");
  if (settings.user) $("user").textContent = `user: ${settings.user}`;
  const counts = new Counts(mcbEvents.types);
  const table = new EventsTable();
  let bus: NatsEventBus<typeof mcbEvents>;
  try {
    bus = await createEventBus(mcbEvents, {
      transport: "nats",
      source: "/admin-panel",
      onError: (error, context) =>
        notice("error", `${context.kind}: ${message(error)}`),
      nats: {
        servers: settings.servers,
        ...(settings.user ? { user: settings.user, pass: settings.pass } : {}),
        ...(settings.token ? { token: settings.token } : {}),
        ...(settings.stream ? { stream: settings.stream } : {}),
        ...(settings.prefix ? { subjectPrefix: settings.prefix } : {}),
        // A viewer neither creates nor checks the stream (that needs
        // rights a subscribe-only user does not have).
        provision: false,
      },
    }, { onStatus });
  } catch (error) {
    setStatus("disconnected", "cannot connect");
    notice("error", message(error));
    return;
  }
  addEventListener("pagehide", () => void bus.close());
  const sub = bus.subscribe(">", (event) => {
    table.add(event);
    counts.add(event.type);
  }, { from: settings.from });
  try {
    await sub.ready;
  } catch (error) {
    notice("error", `Cannot subscribe: ${message(error)}`);
    return;
  }
  document.body.dataset.ready = "true";
  const probe = $("probe") as HTMLButtonElement;
  probe.disabled = false;
  probe.addEventListener("click", () => void probePublish(bus));
}

main().catch((error) => {
  setStatus("disconnected", "error");
  notice("error", message(error));
});
