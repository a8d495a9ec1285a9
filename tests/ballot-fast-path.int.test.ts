import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RoundStats, TicketBatchCreated } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { Api, type HttpResponse, type RequestOptions } from "./support/http.js";
import { smallRound } from "./support/rounds.js";

/**
 * The ballot fast path (backend/src/ballots/ballot-fast-path.ts) must answer every ballot exactly as the Express
 * route does. Each case is sent twice in the same state: once to the backend (fast path in front of Express) and
 * once to a node:http server running only the same backend's Express app (what the backend was before). Status,
 * body and every header must agree, except Date, and the ETag that only Express puts on a 201.
 */

let backends: Backends;
/** The backend as it serves (fast path first). */
let fast: Api;
/** The same backend's Express app alone. */
let express: Api;
let expressServer: Server;

beforeAll(async () => {
  backends = await startBackends(1);
  fast = backends.api;
  const running = backends.backends[0];
  if (!running) throw new Error("no backend");
  expressServer = createHttpServer(running.server.app);
  await new Promise<void>((resolve) => expressServer.listen(0, "127.0.0.1", resolve));
  const { port } = expressServer.address() as AddressInfo;
  express = new Api(`http://127.0.0.1:${port}`, backends.adminToken, fast.agent);
});

afterAll(async () => {
  expressServer?.closeAllConnections();
  await new Promise((resolve) => expressServer?.close(resolve));
  await backends?.close();
});

// X-Request-Id: set by the server's wrapper in front of the fast path and Express (observability/http.ts), which
// the bare Express app here does not have; a fresh id per answer anyway.
const IGNORED = new Set(["date", "etag", "x-request-id"]);

function comparable(headers: IncomingHttpHeaders): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !IGNORED.has(name)));
}

/** What a receipt looks like with the fields that differ per ballot (id, time) blanked. */
function shape(res: HttpResponse): unknown {
  if (res.status !== 201) return res.body;
  // Each ballot has its own id, time and chain hash: compare their form, not their values.
  const { ballotId, receivedAt, hash, ...rest } = res.body as Record<string, unknown>;
  const hashForm = typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash) ? "sha256-hex" : hash;
  return { ...rest, ballotId: typeof ballotId, receivedAt: typeof receivedAt, hash: hashForm };
}

function expectSameAnswer(viaFast: HttpResponse, viaExpress: HttpResponse, what: string): void {
  expect(viaFast.status, what).toBe(viaExpress.status);
  expect(shape(viaFast), what).toEqual(shape(viaExpress));
  expect(comparable(viaFast.headers), what).toEqual(comparable(viaExpress.headers));
}

/** The request of a case, given the client it goes to (each side gets its own voters, tickets and keys). */
type Case = (api: Api) => Promise<HttpResponse>;

async function sameOnBoth(what: string, send: Case): Promise<[HttpResponse, HttpResponse]> {
  const viaFast = await send(fast);
  const viaExpress = await send(express);
  expectSameAnswer(viaFast, viaExpress, what);
  return [viaFast, viaExpress];
}

const post = (api: Api, roundId: string, options: RequestOptions) =>
  api.request("POST", `/api/rounds/${roundId}/ballots`, options);

describe("the ballot fast path answers as the Express route does", () => {
  it("201 receipts: headers as Express's but no ETag, same fields; replays and cookies too", async () => {
    const round = await fast.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 3 }));
    const [first, second] = await sameOnBoth("a first ballot", async (api) =>
      post(api, round.id, { json: { choices: ["1", "2"] }, headers: { "x-voter-token": await api.newVoter() } }),
    );
    // The fast path answered the first (no ETag: Express's res.json always sets one), Express the second.
    expect(first.headers.etag).toBeUndefined();
    expect(second.headers.etag).toMatch(/^W\//);
    expect(first.headers["content-security-policy"]).toBeDefined();
    expect(first.headers.vary).toBe("Accept-Encoding");
    // Its request id is written with the rest of its head (observability/http.ts writeHeadAtOnce): a fresh one, or
    // the caller's when well formed.
    expect(first.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const traced = await post(fast, round.id, {
      json: { choices: ["1"] },
      headers: { "x-voter-token": await fast.newVoter(), "x-request-id": "lb-fast-path-1" },
    });
    expect(traced.status).toBe(201);
    expect(traced.headers["x-request-id"]).toBe("lb-fast-path-1");

    // The token in the cookie, a byte-order mark, a charset, a query string: still the plain case.
    await sameOnBoth("token in the cookie", async (api) =>
      post(api, round.id, { json: { choices: ["3"] }, headers: { cookie: `a=b; lb_voter=${await api.newVoter()}` } }),
    );
    await sameOnBoth("a body with a byte-order mark", async (api) =>
      post(api, `${round.id}`, {
        raw: `\uFEFF${JSON.stringify({ choices: ["1"] })}`,
        headers: { "content-type": "application/json; charset=utf-8", "x-voter-token": await api.newVoter() },
      }),
    );
    // Replays: the same receipt again, with the same key or after a reply loss.
    for (const api of [fast, express]) {
      const token = await api.newVoter();
      const body = { choices: ["1", "4"], idempotencyKey: `k-${token.slice(3, 12)}` };
      const once = await post(api, round.id, { json: body, headers: { "x-voter-token": token } });
      const again = await post(api, round.id, { json: body, headers: { "x-voter-token": token } });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(once.body);
    }
    const board = await fast.leaderboard(round.id);
    // One per side for each of the three cases above, the traced one, one per side for the replays.
    expect(board.totalBallots).toBe(9);
    expect((await fast.recount(round.id)).matches).toBe(true);
  });

  it("every refusal: status, body and headers as Express's, and counted the same", async () => {
    const round = await fast.createOpenRound(smallRound(5, { minChoices: 2, maxChoices: 3 }));
    const closed = await fast.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }));
    await fast.transition(closed.id, "close");
    const tickets = await fast.createOpenRound({
      ...smallRound(3, { minChoices: 1, maxChoices: 1 }),
      rules: { minChoices: 1, maxChoices: 1, electorate: "tickets" },
    });
    const voter = async (api: Api) => ({ "x-voter-token": await api.newVoter() });
    const cases: [string, Case][] = [
      [
        "not JSON",
        async (api) => post(api, round.id, { raw: "{nope", headers: { "content-type": "application/json" } }),
      ],
      [
        "a JSON string",
        async (api) => post(api, round.id, { raw: '"x"', headers: { "content-type": "application/json" } }),
      ],
      [
        "a JSON array",
        async (api) => post(api, round.id, { raw: "[]", headers: { "content-type": "application/json" } }),
      ],
      [
        "an unknown field",
        async (api) => post(api, round.id, { json: { choices: ["1", "2"], x: 1 }, headers: await voter(api) }),
      ],
      ["no choices", async (api) => post(api, round.id, { json: {}, headers: await voter(api) })],
      ["no token", async (api) => post(api, round.id, { json: { choices: ["1", "2"] } })],
      [
        "a forged token",
        async (api) =>
          post(api, round.id, { json: { choices: ["1", "2"] }, headers: { "x-voter-token": "v1.forged" } }),
      ],
      [
        "a picked twice",
        async (api) => post(api, round.id, { json: { choices: ["1", "1"] }, headers: await voter(api) }),
      ],
      ["too few", async (api) => post(api, round.id, { json: { choices: ["1"] }, headers: await voter(api) })],
      [
        "too many",
        async (api) => post(api, round.id, { json: { choices: ["1", "2", "3", "4"] }, headers: await voter(api) }),
      ],
      [
        "unknown option",
        async (api) => post(api, round.id, { json: { choices: ["1", "99"] }, headers: await voter(api) }),
      ],
      [
        "no such round",
        async (api) => post(api, "no-such-round-here", { json: { choices: ["1"] }, headers: await voter(api) }),
      ],
      [
        "not a round id",
        async (api) => post(api, "Not_A_Round", { json: { choices: ["1"] }, headers: await voter(api) }),
      ],
      ["a closed round", async (api) => post(api, closed.id, { json: { choices: ["1"] }, headers: await voter(api) })],
      ["tickets: none", async (api) => post(api, tickets.id, { json: { choices: ["1"] }, headers: await voter(api) })],
      [
        "tickets: unknown",
        async (api) => post(api, tickets.id, { json: { choices: ["1"], ticket: "AAAA-BBBB-CCCC" } }),
      ],
      [
        "another site",
        async (api) =>
          post(api, round.id, {
            json: { choices: ["1", "2"] },
            headers: { origin: "https://evil.example", ...(await voter(api)) },
          }),
      ],
      [
        "too large",
        async (api) =>
          post(api, round.id, { json: { choices: ["1", "2"], pad: "x".repeat(20_000) }, headers: await voter(api) }),
      ],
      [
        "not JSON's type",
        async (api) =>
          post(api, round.id, {
            raw: '{"choices":["1","2"]}',
            headers: { "content-type": "text/plain", ...(await voter(api)) },
          }),
      ],
    ];
    for (const [what, send] of cases) {
      const [viaFast] = await sameOnBoth(what, send);
      expect(viaFast.status, what).toBeGreaterThanOrEqual(400);
      expect(viaFast.status, what).toBeLessThan(500);
    }

    // Refusals that depend on what was counted before: each side first counts its own ballot.
    for (const api of [fast, express]) {
      const headers = await voter(api);
      expect(
        (await post(api, round.id, { json: { choices: ["1", "2"], idempotencyKey: "key-1" }, headers })).status,
      ).toBe(201);
      (api === fast ? fastLater : expressLater).push(
        await post(api, round.id, { json: { choices: ["1", "3"] }, headers }),
        await post(api, round.id, { json: { choices: ["1", "3"], idempotencyKey: "key-1" }, headers }),
      );
    }
    const batch = await fast.admin<TicketBatchCreated>("POST", `/api/rounds/${tickets.id}/tickets`, {
      batch: "A",
      count: 2,
    });
    for (const [index, api] of [fast, express].entries()) {
      const ticket = batch.body.tickets[index]?.code;
      expect((await post(api, tickets.id, { json: { choices: ["1"], ticket } })).status).toBe(201);
      (api === fast ? fastLater : expressLater).push(await post(api, tickets.id, { json: { choices: ["2"], ticket } }));
    }
    expect(fastLater.map((res) => res.status)).toEqual([409, 409, 409]);
    fastLater.forEach((res, index) => {
      expectSameAnswer(res, expressLater[index] as HttpResponse, `later refusal ${index}`);
    });
    // Every refusal was counted once per side, by code.
    for (const id of [round.id, closed.id, tickets.id]) {
      const stats = await fast.admin<RoundStats>("GET", `/api/rounds/${id}/stats`);
      const counts = Object.entries(stats.body.rejected);
      expect(counts.length, id).toBeGreaterThan(0);
      for (const [code, count] of counts) expect(count % 2, `${id} ${code}: ${count}`).toBe(0);
    }
  });
});

const fastLater: HttpResponse[] = [];
const expressLater: HttpResponse[] = [];
