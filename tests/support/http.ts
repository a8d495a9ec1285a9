import { Agent, type IncomingHttpHeaders, request } from "node:http";
import type {
  ApiErrorBody,
  AuditEntry,
  AuditLine,
  BallotReceipt,
  ErrorCode,
  Leaderboard,
  RecountResult,
  RoundCreateInput,
  RoundPatchInput,
  RoundSummary,
  RoundView,
  VoterTokenResponse,
} from "@lb/common";
import { ERROR_STATUS } from "@lb/common";
import { expect } from "vitest";
import { uniqueRoundId } from "./rounds.js";

export interface HttpResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw body. */
  text: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent as is (set `content-type` in headers yourself). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** Overrides the client's keep-alive agent (e.g. a separate one so a request is not queued behind others). */
  agent?: Agent;
}

/** A keep-alive agent: concurrency comes from Promise.all, the agent bounds the open sockets. */
export function createAgent(maxSockets = 64): Agent {
  // `timeout` drops idle keep-alive sockets before the server's 5 s keep-alive timeout can race a reuse.
  return new Agent({ keepAlive: true, maxSockets, timeout: 4_000 });
}

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export type BallotResponse = HttpResponse<BallotReceipt & Partial<ApiErrorBody>>;

/** A small HTTP client of one backend, with the admin token at hand. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly adminToken: string,
    readonly agent: Agent,
  ) {}

  request<T = unknown>(method: Method, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = { accept: "application/json, application/x-ndjson", ...options.headers };
    let payload: string | Buffer | undefined;
    if (options.json !== undefined) {
      payload = JSON.stringify(options.json);
      headers["content-type"] ??= "application/json";
    } else if (options.raw !== undefined) {
      payload = options.raw;
    }
    if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: options.agent ?? this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          if (/\bjson\b/.test(String(res.headers["content-type"] ?? "")) && text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: body as T });
        });
      });
      req.on("error", (error) => reject(new Error(`${method} ${url.pathname}${url.search}: ${error.message}`)));
      req.end(payload);
    });
  }

  /** An organiser call (`Authorization: Bearer <admin token>`). */
  admin<T = unknown>(method: Method, path: string, json?: unknown, headers: Record<string, string> = {}) {
    return this.request<T>(method, path, {
      json,
      headers: { authorization: `Bearer ${this.adminToken}`, ...headers },
    });
  }

  get<T = unknown>(path: string, headers: Record<string, string> = {}) {
    return this.request<T>("GET", path, { headers });
  }

  /** `POST /api/voters` → a fresh voter token. */
  async newVoter(): Promise<string> {
    const res = await this.request<VoterTokenResponse>("POST", "/api/voters");
    expectStatus(res, 200);
    expect(typeof res.body.token).toBe("string");
    return res.body.token;
  }

  /** `count` fresh voter tokens, fetched concurrently. */
  newVoters(count: number): Promise<string[]> {
    return Promise.all(Array.from({ length: count }, () => this.newVoter()));
  }

  /** `POST /api/rounds/:id/ballots` with the token in `X-Voter-Token`. Returns the response, whatever it is. */
  castBallot(
    roundId: string,
    token: string | undefined,
    choices: readonly string[],
    idempotencyKey?: string,
  ): Promise<BallotResponse> {
    const headers: Record<string, string> = token === undefined ? {} : { "x-voter-token": token };
    const json = idempotencyKey === undefined ? { choices } : { choices, idempotencyKey };
    return this.request("POST", `/api/rounds/${roundId}/ballots`, { json, headers });
  }

  /** Casts a ballot that must be counted; returns the receipt. */
  async vote(roundId: string, token: string, choices: readonly string[], idempotencyKey?: string) {
    const res = await this.castBallot(roundId, token, choices, idempotencyKey);
    expectStatus(res, 201);
    return res.body as BallotReceipt;
  }

  /** Creates a round with a unique id (the input's `id` wins when given); returns its view. */
  async createRound(input: RoundCreateInput, idPrefix = "t"): Promise<RoundView> {
    const res = await this.admin<RoundView>("POST", "/api/rounds", {
      ...input,
      id: input.id ?? uniqueRoundId(idPrefix),
    });
    expectStatus(res, 201);
    return res.body;
  }

  /** Creates a round and opens it. */
  async createOpenRound(input: RoundCreateInput, idPrefix = "t"): Promise<RoundView> {
    const round = await this.createRound(input, idPrefix);
    return this.transition(round.id, "open");
  }

  async transition(roundId: string, action: "open" | "pause" | "close"): Promise<RoundView> {
    const res = await this.admin<RoundView>("POST", `/api/rounds/${roundId}/${action}`);
    expectStatus(res, 200);
    return res.body;
  }

  async reset(roundId: string): Promise<RoundView> {
    const res = await this.admin<RoundView>("POST", `/api/rounds/${roundId}/reset`, { confirm: roundId });
    expectStatus(res, 200);
    return res.body;
  }

  patchRound(roundId: string, patch: RoundPatchInput) {
    return this.admin<RoundView & Partial<ApiErrorBody>>("PATCH", `/api/rounds/${roundId}`, patch);
  }

  /** The organiser's reads (round, list, leaderboard) see drafts and archived rounds; use `get` for the public's. */
  async round(roundId: string): Promise<RoundView> {
    const res = await this.admin<RoundView>("GET", `/api/rounds/${roundId}`);
    expectStatus(res, 200);
    return res.body;
  }

  async rounds(): Promise<RoundSummary[]> {
    const res = await this.admin<{ rounds: RoundSummary[] }>("GET", "/api/rounds");
    expectStatus(res, 200);
    return res.body.rounds;
  }

  async leaderboard(roundId: string, epoch?: number): Promise<Leaderboard> {
    const res = await this.admin<Leaderboard>("GET", `/api/rounds/${roundId}/leaderboard${epochQuery(epoch)}`);
    expectStatus(res, 200);
    return res.body;
  }

  async recount(roundId: string, epoch?: number): Promise<RecountResult> {
    const res = await this.admin<RecountResult>("GET", `/api/rounds/${roundId}/recount${epochQuery(epoch)}`);
    expectStatus(res, 200);
    return res.body;
  }

  /** The audit export: every parsed line, its counted ballots (`entries`), and the raw text. */
  async audit(roundId: string, epoch?: number): Promise<{ entries: AuditEntry[]; lines: AuditLine[]; text: string }> {
    const res = await this.admin("GET", `/api/rounds/${roundId}/audit${epochQuery(epoch)}`);
    expectStatus(res, 200);
    expect(String(res.headers["content-type"])).toMatch(/^application\/x-ndjson\b/);
    const lines = res.text
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as AuditLine);
    const entries = lines.filter((line): line is AuditEntry => line.kind === "ballot");
    return { entries, lines, text: res.text };
  }
}

function epochQuery(epoch: number | undefined): string {
  return epoch === undefined ? "" : `?epoch=${epoch}`;
}

function describe(res: HttpResponse): string {
  return `HTTP ${res.status} ${res.text.slice(0, 500)}`;
}

/** Asserts the status, showing the body when it differs. */
export function expectStatus(res: HttpResponse, status: number): void {
  expect(res.status, describe(res)).toBe(status);
}

/** Asserts a contract error: the status of the code and the `{ error: { code, message } }` body. */
export function expectError(res: HttpResponse, code: ErrorCode): void {
  expect(res.status, describe(res)).toBe(ERROR_STATUS[code]);
  expect(String(res.headers["content-type"]), describe(res)).toMatch(/^application\/json\b/);
  const body = res.body as Partial<ApiErrorBody> | undefined;
  expect(body?.error?.code, describe(res)).toBe(code);
  expect(typeof body?.error?.message, describe(res)).toBe("string");
}
