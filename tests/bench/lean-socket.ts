/**
 * A lean Socket.IO client for the fan-out benchmark's watchers (`--client lean`): the engine.io v4 / socket.io v5
 * wire protocol over a bare `ws` WebSocket, no more than a watcher needs — the handshake, ping/pong, the default
 * namespace's connect, an event sent with an ack, and incoming events handed over as their raw frame text, so
 * that the caller parses only what it needs. socket.io-client does much more per message (engine.io and
 * socket.io packet objects, a decoder, an event emitter, a deferred dispatch); with 2,000 watchers on the same
 * 2 cores as the server, that cost is the benchmark's bound, not the server's. The integration tests keep using
 * the real socket.io-client; this file is for the bench only.
 *
 * Frames (text, one packet each; WebSocket transport only, so no payload batching):
 *   engine.io: "0{…}" open (sid, pingInterval…), "1" close, "2" ping → answer "3" pong, "4…" message
 *   socket.io (inside "4"): "0" connect ("40{sid}" back), "1" disconnect, "2[event, …args]" event,
 *   "2<id>[event, …]" event wanting an ack, "3<id>[…args]" the ack, "4{message}" connect error.
 */
import WebSocket from "ws";

/** Prefix of an event frame: engine.io message (4) + socket.io event (2), no namespace, no ack id. */
const EVENT_PREFIX = '42["';

export class LeanSocket {
  private nextAckId = 0;
  private readonly acks = new Map<number, (args: unknown[]) => void>();
  private readonly handlers = new Map<string, (frame: string) => void>();
  /** Why the connection ended (a socket.io disconnect, an engine close, or the WebSocket's close), or null. */
  disconnected: string | null = null;
  onDisconnect: ((reason: string) => void) | null = null;

  private constructor(private readonly ws: WebSocket) {}

  /** Opens the WebSocket, waits for engine.io's open and the namespace's connect. */
  static connect(url: string, timeoutMs: number): Promise<LeanSocket> {
    const wsUrl = `${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    // No per-message deflate (the server offers none by default) and no UTF-8 check of each frame: the server is
    // ours and the frames are JSON the caller parses anyway.
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, skipUTF8Validation: true });
    const socket = new LeanSocket(ws);
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`a socket did not connect within ${timeoutMs} ms`)), timeoutMs);
      ws.once("error", (error) => fail(new Error(`socket connection failed: ${error.message}`)));
      const opening = (data: WebSocket.RawData) => {
        const frame = data.toString();
        if (frame.startsWith("0")) ws.send("40");
        else if (frame.startsWith("40")) {
          clearTimeout(timer);
          ws.off("message", opening);
          ws.on("message", (message) => socket.receive(message.toString()));
          ws.on("close", (code) => socket.ended(`transport close (${code})`));
          ws.on("error", (error) => socket.ended(`transport error (${error.message})`));
          resolve(socket);
        } else if (frame.startsWith("44")) fail(new Error(`socket connection refused: ${frame.slice(2)}`));
        else if (frame === "2") ws.send("3");
      };
      ws.on("message", opening);
    });
  }

  /** Calls `handler` with the whole frame text of each `event` (`42["event",…]`); JSON.parse it, or part of it. */
  on(event: string, handler: (frame: string) => void): void {
    this.handlers.set(`${EVENT_PREFIX}${event}"`, handler);
  }

  /** Sends an event with an ack and resolves with the ack's arguments. */
  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<unknown[]> {
    const id = this.nextAckId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no ack to ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (args) => {
        clearTimeout(timer);
        resolve(args);
      });
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  disconnect(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send("41");
    this.ws.close();
  }

  private receive(frame: string): void {
    if (frame.startsWith(EVENT_PREFIX)) {
      // The event name ends at the first '"' after the prefix.
      const nameEnd = frame.indexOf('"', EVENT_PREFIX.length);
      this.handlers.get(frame.slice(0, nameEnd + 1))?.(frame);
    } else if (frame === "2") this.ws.send("3");
    else if (frame.startsWith("43")) {
      const open = frame.indexOf("[");
      const id = Number(frame.slice(2, open));
      const ack = this.acks.get(id);
      this.acks.delete(id);
      ack?.(JSON.parse(frame.slice(open)) as unknown[]);
    } else if (frame.startsWith("41")) this.ended("io server disconnect");
    else if (frame === "1") this.ended("server close");
  }

  private ended(reason: string): void {
    if (this.disconnected !== null) return;
    this.disconnected = reason;
    this.onDisconnect?.(reason);
  }
}

/** The event's first argument, as JSON text, from a frame `42["event",<argument>]`. */
export function firstArgument(frame: string): string {
  const start = frame.indexOf('",') + 2;
  return frame.slice(start, frame.length - 1);
}
