import { createServer, type Socket, connect as tcpConnect } from "node:net";

/** Which writes lose their reply. */
export interface ReplyDrop {
  /** Whether a chunk of client bytes is a write whose reply is to be lost (e.g. it holds the ballot script). */
  match(bytes: Buffer): boolean;
  /** Lose the reply of one matching chunk in every `every` (1: each one). Default 1. */
  every?: number;
  /** At most this many cuts, then forward everything again. Default unlimited. */
  limit?: number;
}

export interface TcpProxy {
  /** Redis's URL with the proxy's address (`redis://…@127.0.0.1:<port>`): give it to a backend instead. */
  url: string;
  port: number;
  /** Arms a fault (replacing the one before); `undefined` disarms. */
  dropReplies(fault: ReplyDrop | undefined): void;
  /**
   * Holds Redis's replies (writes still go through, so Redis runs them) until called with false: a backend
   * killed meanwhile dies with ballots counted that it never answered.
   */
  holdReplies(hold: boolean): void;
  /** Every reply byte held back so far, in order of arrival (across connections). */
  heldBytes(): Buffer;
  /** Chunks that matched the armed fault (each was forwarded to the server, cut or not). */
  readonly matched: number;
  /** Connections cut after forwarding a matching write, before its reply reached the client. */
  readonly cuts: number;
  /** Client connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy between a backend and Redis that can lose Redis's replies: it forwards a matching write whole,
 * half-closes the connection to Redis behind it (so Redis reads and runs all of it, then sees the end) and
 * drops the client's side at once, so the reply never reaches the backend. That is a network cut between
 * "Redis did it" and "the backend heard it", the case an idempotent ballot script must survive.
 */
export async function startTcpProxy(redisUrl: string): Promise<TcpProxy> {
  const target = new URL(redisUrl);
  if (target.protocol !== "redis:") throw new Error(`the proxy speaks plain TCP, not ${target.protocol}`);
  let fault: ReplyDrop | undefined;
  let matched = 0;
  let cuts = 0;
  let connections = 0;
  let sinceCut = 0;
  let holding = false;
  const held: Buffer[] = [];
  const releases = new Set<() => void>();
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    // A cut connection errors on its other side; that is the point, not news.
    socket.on("error", () => {});
  };

  const server = createServer((client) => {
    connections += 1;
    track(client);
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    track(upstream);
    let cut = false;
    let heldBack: Buffer[] = [];
    const release = () => {
      for (const chunk of heldBack) client.write(chunk);
      heldBack = [];
    };
    releases.add(release);
    client.on("data", (chunk: Buffer) => {
      if (cut) return;
      upstream.write(chunk);
      if (!fault?.match(chunk)) return;
      matched += 1;
      sinceCut += 1;
      if (sinceCut < (fault.every ?? 1) || (fault.limit !== undefined && cuts >= fault.limit)) return;
      sinceCut = 0;
      cuts += 1;
      cut = true;
      // Redis gets every byte sent so far and then the end: it runs the write; whatever it answers is dropped.
      upstream.end();
      upstream.resume();
      client.destroy();
    });
    upstream.on("data", (chunk: Buffer) => {
      if (cut) return;
      if (holding) {
        held.push(chunk);
        heldBack.push(chunk);
      } else {
        client.write(chunk);
      }
    });
    client.on("close", () => {
      if (!cut) upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
    client.once("close", () => releases.delete(release));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("proxy has no port");
  // The same URL (credentials, database) with the proxy's address.
  const url = new URL(redisUrl);
  url.hostname = "127.0.0.1";
  url.port = String(address.port);
  return {
    url: url.toString(),
    port: address.port,
    dropReplies(next) {
      fault = next;
      sinceCut = 0;
    },
    holdReplies(hold) {
      holding = hold;
      if (!hold) for (const release of releases) release();
    },
    heldBytes() {
      return Buffer.concat(held);
    },
    get matched() {
      return matched;
    },
    get cuts() {
      return cuts;
    },
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Ballots the ballot script counted whose replies `proxy` is holding back: each counted ballot has its own
 * `{'OK', atMs, hash}` in the script's reply (`*3 $2 OK` on the wire), in a batch's reply too.
 */
export function countedUnanswered(proxy: TcpProxy): number {
  return proxy.heldBytes().toString("latin1").split("*3\r\n$2\r\nOK\r\n").length - 1;
}
