import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "./support/backend.js";
import { FRONTEND_DIST } from "./support/browser.js";
import { expectError, type HttpResponse, type Method } from "./support/http.js";
import { smallRound } from "./support/rounds.js";
import { type AppRoute, appRoutes, fillPath, routeName } from "./support/routes.js";

/**
 * The API routes anyone may call. Every other API route the app has (read from its router, so a route added
 * later is in the matrix without anyone listing it) is an organiser route and must refuse a missing or wrong
 * token. A new public API route is added here on purpose, in review, or this test fails. Routes outside `/api/`
 * serve the pages (the console asks the API for everything) and the health checks: public by nature.
 */
const PUBLIC_API_ROUTES = new Set([
  "POST /api/voters",
  "GET /api/public-url",
  "GET /api/rounds",
  "GET /api/rounds/:id",
  "GET /api/rounds/:id/leaderboard",
  "POST /api/rounds/:id/ballots",
  "GET /api/rounds/:id/my-ballot",
  // Replay, time travel and verifiable receipts: the replay answers without votes to whoever may not see
  // results; the publication and the published log are for anyone once the organiser published.
  "GET /api/rounds/:id/replay",
  "GET /api/rounds/:id/publication",
  "GET /api/rounds/:id/published-log",
  // Events of many rounds: the public view (no drafts), and the projector's view, which needs the event's screen key.
  "GET /api/events/:id",
  "GET /api/events/:id/screen",
]);

const isPublic = (route: AppRoute) => !route.path.startsWith("/api/") || PUBLIC_API_ROUTES.has(routeName(route));

describe("every organiser route needs the admin token", () => {
  let backends: Backends;
  let roundId: string;
  let screenKey: string;
  let voter: string;
  let organiserRoutes: AppRoute[];

  beforeAll(async () => {
    backends = await startBackends(1, { staticDir: FRONTEND_DIST });
    const { api } = backends;
    roundId = (await api.createOpenRound(smallRound(3))).id;
    screenKey = ((await api.admin("GET", `/api/rounds/${roundId}/screen-key`)).body as { screenKey: string }).screenKey;
    voter = await api.newVoter();
    const server = backends.backends[0]?.server;
    if (!server) throw new Error("no backend");
    organiserRoutes = appRoutes(server.app).filter((route) => !isPublic(route));
  });
  afterAll(async () => {
    await backends?.close();
  });

  const send = (route: AppRoute, headers: Record<string, string>): Promise<HttpResponse> =>
    backends.api.request(route.method as Method, fillPath(route.path, { id: roundId }), {
      // A well-formed body where one is read: the token must be checked before anything else decides.
      ...(route.method === "GET" ? {} : { json: { confirm: roundId } }),
      headers,
    });

  it("finds the organiser routes in the router, and every public route in the allow-list exists", () => {
    const server = backends.backends[0]?.server;
    if (!server) throw new Error("no backend");
    const all = new Set(appRoutes(server.app).map(routeName));
    expect([...PUBLIC_API_ROUTES].filter((name) => !all.has(name))).toEqual([]);
    // The routes of the README's API table that need the organiser, at least.
    expect(organiserRoutes.map(routeName)).toEqual(
      expect.arrayContaining([
        "GET /api/admin/session",
        "POST /api/rounds",
        "PATCH /api/rounds/:id",
        "POST /api/rounds/:id/open",
        "POST /api/rounds/:id/pause",
        "POST /api/rounds/:id/close",
        "POST /api/rounds/:id/reset",
        "GET /api/rounds/:id/screen-key",
        "POST /api/rounds/:id/screen-key",
        "GET /api/rounds/:id/results.csv",
        "GET /api/rounds/:id/audit",
        "GET /api/rounds/:id/recount",
        "GET /api/rounds/:id/stats",
      ]),
    );
  });

  const wrongCredentials: [string, () => Record<string, string>][] = [
    ["no token", () => ({})],
    ["a wrong token", () => ({ authorization: "Bearer not-the-admin-token-at-all" })],
    ["the token with a character more", () => ({ authorization: `Bearer ${backends.adminToken}x` })],
    ["the token cut short", () => ({ authorization: `Bearer ${backends.adminToken.slice(0, -1)}` })],
    ["the token without the Bearer scheme", () => ({ authorization: backends.adminToken })],
    ["the token in another scheme", () => ({ authorization: `Basic ${backends.adminToken}` })],
    ["an empty bearer", () => ({ authorization: "Bearer " })],
    ["a screen key and a voter token", () => ({ "x-screen-key": screenKey, "x-voter-token": voter })],
  ];

  it.each(wrongCredentials)("answers 401 UNAUTHORIZED to %s on every organiser route", async (_name, headers) => {
    for (const route of organiserRoutes) {
      const res = await send(route, headers());
      expect.soft(res.status, `${routeName(route)}: ${res.text.slice(0, 200)}`).toBe(401);
      if (res.status === 401) expectError(res, "UNAUTHORIZED");
    }
  });

  it("lets the right token through on every organiser route", async () => {
    for (const route of organiserRoutes) {
      const res = await send(route, { authorization: `Bearer ${backends.adminToken}` });
      expect.soft(res.status, `${routeName(route)}: ${res.text.slice(0, 200)}`).not.toBe(401);
      expect.soft(res.status, `${routeName(route)}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
    }
  });
});
