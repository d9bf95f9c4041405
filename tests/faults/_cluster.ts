/**
 * Test helper (not a test file): a 3-node nats-server cluster on loopback,
 * each node with JetStream (its own store dir) and a WebSocket listener.
 *
 * Built on `tests/nats_server.ts`: each node is a `startNatsServer()` whose
 * `extraConfig` adds `server_name` and the `cluster { }` block (the route
 * ports are picked first, so every node can list the others' routes).
 *
 * With `routeProxies: true`, every route goes through a loopback TCP proxy
 * (tests/faults/_tcp_proxy.ts), one per direction of each node pair: node
 * `a` dials `b` through proxy `a->b`. Cutting a node off the others
 * (`isolate`) cuts every proxy to or from it; `heal` restores them. Each
 * node advertises a cluster address that refuses every connection, so the
 * routes the servers learn from each other (gossip) cannot bypass the
 * proxies: only the configured routes (through the proxies) connect.
 *
 * ```ts ignore
 * await using cluster = await startNatsCluster();
 * wsconnect({ servers: cluster.wsUrls });
 * await cluster.node("n1").kill();
 * await cluster.node("n1").start();
 *
 * await using split = await startNatsCluster({ routeProxies: true });
 * split.isolate("n2"); // n2 keeps its clients but has no route
 * split.heal();
 * ```
 * @module
 */

import {
  freePort,
  type NatsServer,
  type NatsServerOptions,
  startNatsServer,
} from "../nats_server.ts";
import { startTcpProxy, type TcpProxy } from "./_tcp_proxy.ts";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 20_000;

/** One node of the cluster. */
export interface ClusterNode {
  /** `server_name`, e.g. `n1`. */
  readonly name: string;
  /** Route (cluster) port. */
  readonly routePort: number;
  /** The node's server process. */
  readonly server: NatsServer;
}

/** A running cluster; `await using` stops every node and removes its files. */
export interface NatsCluster extends AsyncDisposable {
  /** Cluster name. */
  readonly name: string;
  /** The nodes, in start order. */
  readonly nodes: readonly ClusterNode[];
  /** Every node's `ws://` URL. */
  readonly wsUrls: string[];
  /** The node named `name` (throws if there is none). */
  node(name: string): ClusterNode;
  /**
   * The node whose client or WebSocket port appears in `server` (the form
   * `nc.getServer()` returns, e.g. `127.0.0.1:4222` or `ws://127.0.0.1:8080`).
   */
  nodeOf(server: string): ClusterNode | undefined;
  /**
   * Resolves once every running node reports healthy (`/healthz`: JetStream
   * has a meta leader and the node is current); stopped nodes are skipped.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Every node's last logs, each under a header. */
  logs(): string;
  /** The route proxies (empty unless `routeProxies`). */
  readonly routeProxies: readonly RouteProxy[];
  /**
   * Cuts every route proxy to or from node `name` (needs `routeProxies`);
   * returns the proxies cut. The node keeps running and keeps its clients.
   * `how: "stall"` holds the bytes instead, the sockets staying open (a
   * black-holed network: the servers notice only by missing heartbeats).
   */
  isolate(name: string, how?: "cut" | "stall"): RouteProxy[];
  /** Restores every route proxy: the nodes reconnect their routes. */
  heal(): void;
  /** Each running node's `num_routes` from its `/routez`, by node name. */
  routes(): Promise<Record<string, number>>;
}

/** The proxy on the route node `from` dials to node `to`. */
export interface RouteProxy {
  readonly from: string;
  readonly to: string;
  readonly proxy: TcpProxy;
}

/** Options of {@linkcode startNatsCluster}. */
export interface NatsClusterOptions {
  /** Cluster name. @default {"TEST"} */
  name?: string;
  /** Number of nodes. @default {3} */
  size?: number;
  /** Options passed to every node (not `ports` or `storeDir`). */
  node?: Omit<NatsServerOptions, "ports" | "storeDir">;
  /** Route every node pair through proxies the test can cut. @default {false} */
  routeProxies?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The generated per-node part of the config: `peers` are the ports its
 * routes dial; `advertise` (host:port) is the cluster address it gossips.
 */
export function clusterConfig(
  name: string,
  cluster: string,
  routePort: number,
  peers: number[],
  advertise?: string,
): string {
  const routes = peers.map((p) => JSON.stringify(`nats-route://${HOST}:${p}`));
  return [
    `server_name: ${JSON.stringify(name)}`,
    `cluster {`,
    `  name: ${JSON.stringify(cluster)}`,
    `  listen: ${JSON.stringify(`${HOST}:${routePort}`)}`,
    ...advertise ? [`  advertise: ${JSON.stringify(advertise)}`] : [],
    `  routes: [${routes.join(", ")}]`,
    `}`,
  ].join("\n");
}

/**
 * Starts the nodes at once (a lone JetStream node never reports healthy
 * without a meta leader, so they cannot be started one by one) and waits
 * until the cluster is healthy.
 */
export async function startNatsCluster(
  options: NatsClusterOptions = {},
): Promise<NatsCluster> {
  const cluster = options.name ?? "TEST";
  const size = options.size ?? 3;
  const routePorts: number[] = [];
  while (routePorts.length < size) {
    const port = await freePort();
    if (!routePorts.includes(port)) routePorts.push(port);
  }
  const name = (i: number) => `n${i + 1}`;
  // Proxy a->b forwards to b's route port; a dials b through it. `refuser`
  // (cut from the start) is the advertised address: a gossiped route to it
  // is accepted and closed at once.
  const proxies: RouteProxy[] = [];
  let refuser: TcpProxy | undefined;
  if (options.routeProxies) {
    for (const [i, from] of routePorts.entries()) {
      for (const [j, to] of routePorts.entries()) {
        if (from === to) continue;
        const proxy = startTcpProxy(to);
        proxies.push({ from: name(i), to: name(j), proxy });
      }
    }
    refuser = startTcpProxy(routePorts[0]);
    refuser.cut();
  }
  const closeProxies = async () => {
    await Promise.all(
      [...proxies.map((p) => p.proxy), refuser].map((p) => p?.close()),
    );
  };
  const started = await Promise.allSettled(
    routePorts.map((routePort, i) =>
      startNatsServer({
        ...options.node,
        extraConfig: [
          options.node?.extraConfig ?? "",
          clusterConfig(
            name(i),
            cluster,
            routePort,
            refuser
              ? proxies.filter((p) => p.from === name(i)).map((p) =>
                p.proxy.port
              )
              : routePorts.filter((p) => p !== routePort),
            refuser && `${HOST}:${refuser.port}`,
          ),
        ].join("\n"),
      })
    ),
  );
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    for (const s of started) {
      if (s.status === "fulfilled") await s.value[Symbol.asyncDispose]();
    }
    await closeProxies();
    throw (failed as PromiseRejectedResult).reason;
  }
  const nodes: ClusterNode[] = started.map((s, i) => ({
    name: name(i),
    routePort: routePorts[i],
    server: (s as PromiseFulfilledResult<NatsServer>).value,
  }));
  const handle = new Cluster(cluster, nodes, proxies, closeProxies);
  try {
    await handle.waitHealthy();
    await waitMetaPeers(nodes);
  } catch (error) {
    await handle[Symbol.asyncDispose]();
    throw error;
  }
  return handle;
}

/**
 * Waits (best effort, at most `timeoutMs`) until the JetStream meta leader
 * lists every other node as a peer (`/jsz`). `/healthz` is 200 earlier than
 * that, and a replicated stream created then can fail with "no suitable
 * peers for placement"; callers that create streams also retry that.
 */
async function waitMetaPeers(
  nodes: ClusterNode[],
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const n of nodes) {
      try {
        const res = await fetch(
          `http://${HOST}:${n.server.monitorPort}/jsz`,
          { signal: AbortSignal.timeout(1000) },
        );
        const meta = (await res.json()).meta_cluster as {
          leader?: string;
          replicas?: unknown[];
        } | undefined;
        if (
          meta?.leader === n.name &&
          (meta.replicas?.length ?? 0) >= nodes.length - 1
        ) return;
      } catch {
        // not answering yet
      }
    }
    await sleep(100);
  }
}

class Cluster implements NatsCluster {
  constructor(
    readonly name: string,
    readonly nodes: ClusterNode[],
    readonly routeProxies: RouteProxy[] = [],
    private readonly closeProxies: () => Promise<void> = async () => {},
  ) {}

  get wsUrls(): string[] {
    return this.nodes.map((n) => n.server.wsUrl);
  }

  node(name: string): ClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no cluster node named ${name}`);
    return node;
  }

  nodeOf(server: string): ClusterNode | undefined {
    const port = Number(/:(\d+)\/?$/.exec(server)?.[1]);
    return this.nodes.find((n) =>
      n.server.wsPort === port || n.server.port === port
    );
  }

  async waitHealthy(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      const states = await Promise.all(this.nodes.map(async (n) => {
        if (!n.server.running) return `${n.name}: down`;
        try {
          const res = await fetch(
            `http://${HOST}:${n.server.monitorPort}/healthz`,
            { signal: AbortSignal.timeout(1000) },
          );
          const body = await res.text();
          return res.status === 200 ? "" : `${n.name}: ${body.trim()}`;
        } catch (error) {
          return `${n.name}: ${(error as Error).message}`;
        }
      }));
      last = states.filter((s) => s !== "" && !s.endsWith("down")).join("; ");
      if (last === "") return;
      await sleep(100);
    }
    throw new Error(
      `cluster not healthy after ${timeoutMs} ms: ${last}\n${this.logs()}`,
    );
  }

  isolate(name: string, how: "cut" | "stall" = "cut"): RouteProxy[] {
    this.node(name);
    if (this.routeProxies.length === 0) {
      throw new Error(
        "isolate() needs startNatsCluster({ routeProxies: true })",
      );
    }
    const cut = this.routeProxies.filter((p) =>
      p.from === name || p.to === name
    );
    for (const p of cut) p.proxy[how]();
    return cut;
  }

  heal(): void {
    for (const p of this.routeProxies) p.proxy.restore();
  }

  async routes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const n of this.nodes.filter((n) => n.server.running)) {
      const res = await fetch(
        `http://${HOST}:${n.server.monitorPort}/routez`,
        { signal: AbortSignal.timeout(1000) },
      );
      out[n.name] = (await res.json()).num_routes;
    }
    return out;
  }

  logs(): string {
    return this.nodes.map((n) =>
      `--- ${n.name} ---\n${n.server.logs().slice(-20_000)}`
    ).join("\n");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server[Symbol.asyncDispose]()));
    await this.closeProxies();
  }
}
