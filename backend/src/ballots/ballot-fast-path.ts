import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { originAllowed } from "../http/origin.js";
import { writeHeadAtOnce } from "../observability/http.js";
import { VOTER_HEADER } from "../voters/voters.routes.js";
import type { BallotInput } from "./ballots.routes.js";

/**
 * The ballot route on plain node:http, in front of Express (issue 8: Express's router and middleware, its JSON
 * parser, `res.json`'s ETag and the compression check cost more CPU per ballot than the ballot itself).
 *
 * It takes only the plain case: `POST /api/rounds/<id>/ballots` with a JSON body of a known length within the limit,
 * no Content-Encoding, and an origin the origin check allows. Everything else goes to Express untouched, which
 * answers it as it always did. A ballot the fast path takes is answered by it only when it is counted (201);
 * a refused one is handed to Express with its error (`rethrowFastPathError`), so that every refusal gets exactly
 * Express's answer: status, body, headers, and its count in the round's panel.
 *
 * The 201 carries the same headers as Express's but no ETag (a receipt is never asked for again) and is never
 * compressed (receipts are far below compression's 1 KB threshold; `Vary: Accept-Encoding` is kept).
 */

/** Errors of ballots the fast path took, for the Express route to answer. */
const handedOver = new WeakMap<IncomingMessage, unknown>();

/** First handler of the Express ballot route: a ballot the fast path refused is answered with its error. */
export const rethrowFastPathError: RequestHandler = (req, _res, next) => {
  if (handedOver.has(req)) throw handedOver.get(req);
  next();
};

const BALLOT_PATH = /^\/api\/rounds\/([a-z0-9-]+)\/ballots(?:\?.*)?$/;
/** What express.json() decodes the same way: JSON, in UTF-8 (its default when no charset is named). */
const JSON_TYPE = /^application\/json\s*(?:;\s*charset=(?:utf-8|"utf-8")\s*)?$/i;
/** body-parser's strict mode: the first character that is not JSON whitespace opens an object or an array. */
const STRICT_JSON_START = /^[ \t\n\r]*[{[]/;
const BOM = "\uFEFF";

/** Headers every API answer carries (helmet's, for plain and TLS requests), worked out once by the app. */
export interface FastPathHeaders {
  plain: Record<string, string | string[]>;
  secure: Record<string, string | string[]>;
}

export interface BallotFastPathOptions {
  receive: (input: BallotInput) => Promise<unknown>;
  bodyLimitBytes: number;
  trustProxy: boolean;
  allowedOrigins: readonly string[];
  headers: FastPathHeaders;
  /** Express: answers the requests the fast path does not take, and the refusals of those it takes. */
  express: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The first value of a header that may be a list (X-Forwarded-Proto: "https, http"). */
function firstOf(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(",")[0]?.trim();
}

/**
 * `req.ip` as Express computes it: the peer's address, or with TRUST_PROXY (trust every hop) the leftmost
 * address of X-Forwarded-For (proxy-addr skips empty entries and trims spaces).
 */
export function expressIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!trustProxy) return peer;
  const header = req.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.replace(/^ +| +$/g, ""))
    .filter((entry) => entry !== "");
  return forwarded[0] ?? peer;
}

/** `req.secure` as Express computes it: TLS, or with TRUST_PROXY an X-Forwarded-Proto of https. */
function expressSecure(req: IncomingMessage, trustProxy: boolean): boolean {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  if (!trustProxy) return encrypted;
  return (firstOf(req.headers["x-forwarded-proto"]) ?? (encrypted ? "https" : "http")) === "https";
}

/** A request handler for node:http: the fast path for plain ballots, Express for everything else. */
export function ballotFastPath(options: BallotFastPathOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const takes = (req: IncomingMessage): string | null => {
    if (req.method !== "POST") return null;
    const match = BALLOT_PATH.exec(req.url ?? "");
    if (!match) return null;
    const { headers } = req;
    const length = headers["content-length"];
    if (
      length === undefined ||
      !/^\d+$/.test(length) ||
      Number(length) === 0 ||
      Number(length) > options.bodyLimitBytes ||
      headers["transfer-encoding"] !== undefined ||
      headers["content-encoding"] !== undefined ||
      !JSON_TYPE.test(headers["content-type"] ?? "") ||
      !originAllowed(req, options.trustProxy, options.allowedOrigins)
    ) {
      return null;
    }
    return match[1] ?? null;
  };

  // The 201's head but its length and request id, as one flat list (see writeHeadAtOnce).
  const receiptHeadFor = (security: Record<string, string | string[]>) =>
    Object.entries({
      ...security,
      "Content-Type": "application/json; charset=utf-8",
      Vary: "Accept-Encoding",
    }).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((one) => [name, one]) : [name, value]));
  const receiptHead = { plain: receiptHeadFor(options.headers.plain), secure: receiptHeadFor(options.headers.secure) };

  return (req, res) => {
    const id = takes(req);
    if (id === null) {
      options.express(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A client that goes away before its body is complete gets no answer, as from Express (nobody is left).
    req.on("end", () => {
      void answer(req, res, id, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
  };

  async function answer(req: IncomingMessage, res: ServerResponse, id: string, raw: Buffer): Promise<void> {
    try {
      let text = raw.toString("utf8");
      // body-parser decodes with iconv-lite, which drops a byte-order mark.
      if (text.startsWith(BOM)) text = text.slice(1);
      let body: unknown;
      try {
        if (!STRICT_JSON_START.test(text)) throw new SyntaxError("not a JSON object or array");
        body = JSON.parse(text);
      } catch {
        // What express.json() reports for it (app-error.ts maps it to 400 INVALID_BODY).
        throw Object.assign(new SyntaxError("invalid JSON"), { type: "entity.parse.failed", status: 400 });
      }
      const ip = expressIp(req, options.trustProxy);
      const voterHeader = req.headers[VOTER_HEADER];
      const receipt = await options.receive({
        id,
        body,
        ip,
        voterHeader: Array.isArray(voterHeader) ? voterHeader.join(", ") : voterHeader,
        cookie: req.headers.cookie,
      });
      const json = JSON.stringify(receipt);
      const head = expressSecure(req, options.trustProxy) ? receiptHead.secure : receiptHead.plain;
      writeHeadAtOnce(res, 201, head.concat("Content-Length", String(Buffer.byteLength(json))));
      res.end(json);
    } catch (error) {
      handedOver.set(req, error);
      options.express(req, res);
    }
  }
}
