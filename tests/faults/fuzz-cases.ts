/**
 * What the fuzzer sends (fuzz.int.test.ts): seeded generators of bad paths, queries, headers and bodies. Every
 * value is chosen by the random function it is given, so a seed replays a run exactly.
 */
import { gzipSync } from "node:zlib";
import { smallRound } from "../support/rounds.js";
import type { AppRoute } from "../support/routes.js";
import { fillPath, routeName } from "../support/routes.js";

export type Random = () => number;

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
export const chance = (random: Random, p: number) => random() < p;

/** Round ids, already percent-encoded where they need it: tricks on the path parameter. */
const TRICKY_IDS = [
  "..",
  "%2e%2e",
  "%2E%2E%2F%2E%2E%2Fadmin",
  ".",
  "%00",
  "a%00b",
  "%ff",
  "%E0%A4%A",
  "%ED%A0%80", // a lone surrogate, UTF-8 encoded: not valid UTF-8
  "%E2%80%AEevil", // right-to-left override
  "%D8%B4%D9%85%D8%B3", // Arabic
  "%F0%9F%98%80",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "x".repeat(65),
  "x".repeat(5_000),
  "%2F",
  "a%2Fb",
  "%20",
  ";x=1",
  ":id",
  "*",
  "{id}",
  "-",
  "UPPER",
  "nope-does-not-exist",
];

/** Query strings: repeated and bracketed keys, bad numbers, prototype keys, sizes. */
const QUERIES = [
  "?epoch=1&epoch=2",
  "?epoch[]=",
  "?epoch[]=1&epoch[]=2",
  "?epoch[a]=1",
  "?epoch=-1",
  "?epoch=0",
  "?epoch=1.5",
  "?epoch=1e309",
  "?epoch=99999999999999999999999",
  "?epoch=0x10",
  "?epoch=%00",
  "?epoch=%ff",
  "?epoch=",
  "?epoch",
  "?epoch=1&screenKey=",
  `?screenKey=${"k".repeat(10_000)}`,
  "?screenKey[]=a",
  "?__proto__=1",
  "?__proto__[epoch]=1",
  "?constructor[prototype][epoch]=1",
  "?toString=1&valueOf=2",
  `?${Array.from({ length: 1_500 }, (_, i) => `a${i}=1`).join("&")}`,
  "?%ff=%ff",
  "?a=%E2%80%AE",
  "?=&&=",
];

/** Whole-path tricks, applied to a filled route path. */
const PATH_TRICKS: ((path: string) => string)[] = [
  (path) => `/${path}`,
  (path) => `${path}/`,
  (path) => path.replace("/api/", "/api//"),
  (path) => `${path}/..`,
  (path) => `${path}/../../api/admin/session`,
  (path) => `/./${path.slice(1)}`,
  (path) => path.toUpperCase(),
  (path) => `${path}%00`,
  (path) => `${path};jsessionid=1`,
  (path) => `${path}/%2e%2e/%2e%2e`,
  (path) => `${path}?`,
  (path) => `${path}/${"y".repeat(20_000)}`,
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16le",
  "application/json; charset=bogus",
  "application/json; charset=",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/vnd.api+json",
  "application/*",
  "",
];

const CONTENT_ENCODINGS = ["gzip", "deflate", "br", "gzip, deflate", "identity", "x-unknown", "GZIP", "valid-gzip"];

/** Values put in place of a field of a valid body. */
function junkValue(random: Random): unknown {
  const values: (() => unknown)[] = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e308,
    () => -1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => "",
    () => "x".repeat(pick(random, [65, 201, 5_000, 30_000])),
    () => "\ud800",
    () => "\udc00x\ud800",
    () => "\u202eevil",
    () => "a\u0000b",
    () => "مرحبا",
    () => "😀".repeat(100),
    () => [],
    () => [[]],
    () => ({}),
    () => JSON.parse('{"__proto__":{"polluted":true}}'),
    () => ({ constructor: { prototype: { polluted: true } } }),
    () => Array.from({ length: pick(random, [16, 501, 5_000]) }, (_, i) => String(i + 1)),
    () => ["1", "1"],
    () => ["999"],
    () => [1, 2],
    () => "1",
    () => [null],
    () => nested(pick(random, [50, 2_000])),
  ];
  return pick(random, values)();
}

function nested(depth: number): unknown {
  let value: unknown = "1";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Bodies that are not JSON, or are JSON of the wrong shape, as raw text. */
const RAW_BODIES = [
  "{",
  '{"a":',
  "[",
  "nul",
  "\u0000",
  "",
  " ",
  '{"choices":["1"]',
  '{"a":1}{"b":2}',
  '"\\ud800"',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
  "1e99999",
  "-0",
  "123",
  "true",
  "null",
  '"x"',
  "\uFEFF{}",
  '{"choices":["1"],"choices":["2"]}',
  '{"choices":["\\u0000"]}',
  `{"choices":["${"1".repeat(4_100)}"]}`,
  `{"title":"${"x".repeat(2_100_000)}"}`,
];

/** A valid body per route, mutated by the fuzzer; routes not listed get `{}`. */
function template(route: AppRoute, roundId: string, seed: number, n: number): Record<string, unknown> {
  switch (routeName(route)) {
    case "POST /api/rounds":
      return { ...smallRound(3), id: `fz-${seed}-${n}` };
    case "PATCH /api/rounds/:id":
      return { title: "Fuzzed", rules: { maxChoices: 2, resultsVisibility: "never" } };
    case "POST /api/rounds/:id/reset":
      return { confirm: roundId };
    case "POST /api/rounds/:id/ballots":
      return { choices: ["1", "2"], idempotencyKey: `fz-${seed}-${n}` };
    default:
      return {};
  }
}

/** Replaces, removes or adds one field somewhere in a JSON value (in place). */
function mutate(random: Random, value: Record<string, unknown>): void {
  const containers: Record<string, unknown>[] = [];
  // Only near the top: a junk value may be 2,000 arrays deep, and junk inside junk would nest past what
  // JSON.stringify (and the server's parser) can take, which tests nothing of ours.
  const walk = (node: unknown, depth: number) => {
    if (node && typeof node === "object" && depth < 8) {
      containers.push(node as Record<string, unknown>);
      for (const child of Object.values(node)) walk(child, depth + 1);
    }
  };
  walk(value, 0);
  const target = pick(random, containers);
  const keys = Object.keys(target);
  const action = random();
  if (action < 0.6 && keys.length > 0) target[pick(random, keys)] = junkValue(random);
  else if (action < 0.75 && keys.length > 0) delete target[pick(random, keys)];
  else target[pick(random, ["__proto__", "constructor", "extra", "", "\u0000", "toString"])] = junkValue(random);
}

export interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body in pieces with pauses (a slow phone). */
  slow?: boolean;
}

export interface Credentials {
  /** Authorization header values to choose from. */
  authorization: (string | undefined)[];
  /** X-Voter-Token values to choose from. */
  voterToken: (string | undefined)[];
}

/** One request against `route`. */
export function httpCase(
  random: Random,
  route: AppRoute,
  context: { roundIds: string[]; credentials: Credentials; seed: number; n: number },
): HttpCase {
  const method = chance(random, 0.9)
    ? route.method
    : pick(random, ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
  const roundId = pick(random, context.roundIds);
  const id = chance(random, 0.65) ? roundId : pick(random, TRICKY_IDS);
  let path = fillPath(route.path, { id });
  if (chance(random, 0.12)) path = pick(random, PATH_TRICKS)(path);
  if (chance(random, 0.3)) path += pick(random, QUERIES);

  const headers: Record<string, string> = { accept: pick(random, ["application/json", "*/*", "text/html", "x/y"]) };
  const authorization = pick(random, context.credentials.authorization);
  if (authorization !== undefined) headers.authorization = authorization;
  const voterToken = pick(random, context.credentials.voterToken);
  if (voterToken !== undefined) headers["x-voter-token"] = voterToken;
  if (chance(random, 0.05))
    headers.cookie = pick(random, ["lb_voter=%ff", "lb_voter=; lb_voter=x", `lb_voter=${"c".repeat(4_000)}`]);
  if (chance(random, 0.05)) headers["x-screen-key"] = pick(random, ["", "k".repeat(200), "\u00ff"]);

  if (method === "GET" && chance(random, 0.9)) return { method, path, headers };
  let text: string;
  const shape = random();
  if (shape < 0.55) {
    const body = template(route, roundId, context.seed, context.n);
    // Now and then the valid body itself, so that the routes' own paths run too.
    const mutations = Math.floor(random() * 4);
    for (let i = 0; i < mutations; i++) mutate(random, body);
    text = JSON.stringify(body);
  } else if (shape < 0.8) {
    text = pick(random, RAW_BODIES);
  } else {
    text = JSON.stringify(junkValue(random)) ?? "";
  }
  let body = Buffer.from(text);
  // Invalid UTF-8 inside a JSON string now and then.
  if (chance(random, 0.03))
    body = Buffer.concat([Buffer.from('{"choices":["'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"]}')]);
  headers["content-type"] = chance(random, 0.75) ? "application/json" : pick(random, CONTENT_TYPES);
  if (chance(random, 0.1)) {
    const encoding = pick(random, CONTENT_ENCODINGS);
    if (encoding === "valid-gzip") {
      body = gzipSync(body);
      headers["content-encoding"] = "gzip";
    } else {
      headers["content-encoding"] = encoding;
    }
  }
  return { method, path, headers, body };
}

/** Payloads for `board:join` / `board:leave`: junk, near-misses, and huge ones. */
export function socketPayload(random: Random, roundIds: string[], adminTokens: (string | undefined)[]): unknown {
  const roundId = chance(random, 0.7) ? pick(random, roundIds) : decodeURIComponentSafe(pick(random, TRICKY_IDS));
  const shapes: (() => unknown)[] = [
    () => junkValue(random),
    () => ({ roundId }),
    () => ({ roundId, view: pick(random, ["vote", "board", "screen", "console", "x", 1, null]) }),
    () => ({ roundId, screenKey: pick(random, ["", "wrong", "k".repeat(129), 5]) }),
    () => ({ roundId, adminToken: pick(random, adminTokens) }),
    () => ({ roundId, extra: 1 }),
    () => ({ roundId: junkValue(random) }),
    () => JSON.parse(`{"roundId":${JSON.stringify(roundId)},"__proto__":{"adminToken":"x"}}`),
    () => ({ roundId, adminToken: "a".repeat(20_000) }),
  ];
  return pick(random, shapes)();
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
