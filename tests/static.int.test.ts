import { readdirSync, readFileSync } from "node:fs";
import { isLongDescription, type RoundView, type ScreenKeyResponse } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, redisTarget, startBackends } from "./support/backend.js";
import { FRONTEND_DIST } from "./support/browser.js";
import { type Api, expectError, expectStatus, type HttpResponse } from "./support/http.js";
import { demoRound, smallRound } from "./support/rounds.js";

let backends: Backends;
let api: Api;

beforeAll(async () => {
  backends = await startBackends(1, { staticDir: FRONTEND_DIST });
  api = backends.api;
});

afterAll(async () => {
  await backends?.close();
});

const INDEX_HTML = readFileSync(`${FRONTEND_DIST}/index.html`, "utf8");

/** The single page, with the status it should have. */
function expectPage(res: HttpResponse, status: number): void {
  expectStatus(res, status);
  expect(String(res.headers["content-type"])).toMatch(/^text\/html/);
  expect(res.headers["cache-control"]).toBe("no-cache");
  expect(res.text).toBe(INDEX_HTML);
}

describe("missing files are 404, never the page", () => {
  it.each([
    "/assets/nope.js",
    "/assets/nope.css",
    "/favicon.ico",
    "/robots.txt",
    "/nope",
    "/r",
    "/r/x/y/z",
    "/admin/x",
  ])("%s → 404 NOT_FOUND", async (path) => {
    const res = await api.get(path);
    expectError(res, "NOT_FOUND");
    expect(String(res.headers["content-type"])).not.toMatch(/html/);
  });
});

describe("pages", () => {
  it.each(["/", "/admin"])("%s → 200 with the page, not cached", async (path) => {
    expectPage(await api.get(path), 200);
  });

  it("a public round's pages → 200; an unknown round's → 404 with the page (it shows 'unknown round')", async () => {
    const round = await api.createOpenRound(smallRound(2));
    for (const suffix of ["", "/board", "/screen?key=whatever"]) {
      expectPage(await api.get(`/r/${round.id}${suffix}`), 200);
      expectPage(await api.get(`/r/no-such-round-here${suffix}`), 404);
    }
    expectPage(await api.get("/r/Not_A_Slug"), 404);
  });

  it("the voter's page preloads the round's light view: long descriptions cut to what a collapsed card shows", async () => {
    const round = await api.createOpenRound(demoRound());
    const page = await api.get(`/r/${round.id}`);
    expect(page.headers.link).toBe(
      `</api/rounds/${round.id}?descriptions=preview>; rel=preload; as=fetch; crossorigin`,
    );
    const wholeRes = await api.get(`/api/rounds/${round.id}`);
    const lightRes = await api.get(`/api/rounds/${round.id}?descriptions=preview`);
    expectStatus(lightRes, 200);
    const whole = wholeRes.body as RoundView;
    const light = lightRes.body as RoundView;
    expect(whole.descriptionsCut).toBeUndefined();
    expect(light.descriptionsCut).toBe(true);
    expect(light.options.map((option) => option.id)).toEqual(whole.options.map((option) => option.id));
    whole.options.forEach((option, i) => {
      const cut = light.options[i]?.description ?? "";
      expect(option.description.startsWith(cut)).toBe(true);
      expect(isLongDescription(cut)).toBe(isLongDescription(option.description));
    });
    expect(lightRes.text.length, "the light view is a fraction of the whole").toBeLessThan(wholeRes.text.length / 4);
    expectError(await api.get(`/api/rounds/${round.id}?descriptions=all`), "INVALID_QUERY");
  });

  it("a draft's pages are 404 for the public; its projector with the screen key gets 200", async () => {
    const draft = await api.createRound(smallRound(2));
    const key = (await api.admin<ScreenKeyResponse>("GET", `/api/rounds/${draft.id}/screen-key`)).body.screenKey;
    expectPage(await api.get(`/r/${draft.id}`), 404);
    expectPage(await api.get(`/r/${draft.id}/board`), 404);
    expectPage(await api.get(`/r/${draft.id}/screen?key=wrong-key`), 404);
    expectPage(await api.get(`/r/${draft.id}/screen?key=${encodeURIComponent(key)}`), 200);
    await api.transition(draft.id, "open");
    expectPage(await api.get(`/r/${draft.id}`), 200);
  });

  it("an archived round's pages stay reachable by their links", async () => {
    const round = await api.createOpenRound(smallRound(2));
    await api.transition(round.id, "close");
    expectStatus(await api.admin("POST", `/api/rounds/${round.id}/archive`), 200);
    expectPage(await api.get(`/r/${round.id}`), 200);
    expectPage(await api.get(`/r/${round.id}/board`), 200);
  });
});

// One Redis connection cut by hand. A Cluster client cut the same way queues the page's reads until it ends
// (README "Running on Redis Cluster"), and its outages are the cluster tests' business (tests/cluster/).
describe.skipIf("cluster" in redisTarget())("Redis away", () => {
  it("a round's page still comes, with 503: the page shows its own 'try again'", async () => {
    const lonely = await startBackends(1, { staticDir: FRONTEND_DIST });
    try {
      lonely.backends[0]?.redis.disconnect(false);
      expectPage(await lonely.api.get("/r/some-round"), 503);
      expectPage(await lonely.api.get("/admin"), 200);
    } finally {
      await lonely.close();
    }
  });
});

describe("caching and the favicon", () => {
  it("hashed assets are cached for a year, immutable", async () => {
    const assets = readdirSync(`${FRONTEND_DIST}/assets`);
    expect(assets.length).toBeGreaterThan(0);
    for (const name of assets.filter((file) => /\.(js|css)$/.test(file))) {
      const res = await api.get(`/assets/${name}`);
      expectStatus(res, 200);
      expect(res.headers["cache-control"], name).toBe("public, max-age=31536000, immutable");
    }
  });

  it("index.html itself is never cached", async () => {
    expectPage(await api.get("/index.html"), 200);
  });

  it("the page links an SVG favicon that is served", async () => {
    expect(INDEX_HTML).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
    const res = await api.get("/favicon.svg");
    expectStatus(res, 200);
    expect(String(res.headers["content-type"])).toMatch(/^image\/svg\+xml/);
    expect(res.headers["cache-control"]).toBe("public, max-age=3600");
  });
});
