import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, type ServerConfig, startBackends } from "./support/backend.js";
import { FRONTEND_DIST } from "./support/browser.js";
import { expectStatus, type HttpResponse } from "./support/http.js";

/** One backend per configuration of the matrix, each serving the built frontend. */
const configs = {
  plain: {},
  proxied: { trustProxy: true },
  cookieSecure: { cookieSecure: true },
} satisfies Record<string, Partial<ServerConfig>>;
type ConfigName = keyof typeof configs;

const started: Partial<Record<ConfigName, Backends>> = {};

beforeAll(async () => {
  for (const [name, overrides] of Object.entries(configs) as [ConfigName, Partial<ServerConfig>][]) {
    started[name] = await startBackends(1, { staticDir: FRONTEND_DIST, ...overrides });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(started).map((backends) => backends?.close()));
});

const backend = (name: ConfigName) => {
  const found = started[name];
  if (!found) throw new Error(`backend ${name} did not start`);
  return found;
};

/** The CSP directives by name. */
function directives(res: HttpResponse): Map<string, string> {
  const header = String(res.headers["content-security-policy"] ?? "");
  return new Map(
    header
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name, values.join(" ")];
      }),
  );
}

describe("security headers on every answer", () => {
  it.each(["/r/some-round", "/admin", "/api/rounds", "/healthz", "/assets/nope.js"])(
    "%s: the policy with frame-ancestors 'none', X-Frame-Options DENY, nosniff, same-origin referrer",
    async (path) => {
      const res = await backend("plain").api.get(path);
      expect(Object.fromEntries(directives(res))).toEqual({
        "default-src": "'self'",
        "img-src": "'self' data: blob:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
      });
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("same-origin");
      expect(res.headers["x-powered-by"]).toBeUndefined();
      // Would block the QR code's data: image and downloads in some browsers; helmet leaves it off, so do we.
      expect(res.headers["cross-origin-embedder-policy"]).toBeUndefined();
    },
  );
});

describe("Strict-Transport-Security only over TLS", () => {
  const HSTS = "max-age=31536000";
  it.each([
    ["plain HTTP", "plain", {}, undefined],
    [
      "X-Forwarded-Proto: https without TRUST_PROXY (anyone can send it)",
      "plain",
      { "x-forwarded-proto": "https" },
      undefined,
    ],
    ["TRUST_PROXY, plain HTTP", "proxied", {}, undefined],
    ["TRUST_PROXY, X-Forwarded-Proto: http", "proxied", { "x-forwarded-proto": "http" }, undefined],
    ["TRUST_PROXY, X-Forwarded-Proto: https", "proxied", { "x-forwarded-proto": "https" }, HSTS],
    ["COOKIE_SECURE (the site is served over HTTPS)", "cookieSecure", {}, HSTS],
  ] as const)("%s → %s", async (_case, name, headers, expected) => {
    for (const path of ["/r/some-round", "/api/rounds"]) {
      const res = await backend(name).api.get(path, headers);
      expect(res.headers["strict-transport-security"], path).toBe(expected);
    }
  });
});

describe("the voter cookie", () => {
  it.each([
    ["plain", false],
    ["cookieSecure", true],
  ] as const)("%s: HttpOnly, SameSite=Lax, Path=/, a year; Secure only with COOKIE_SECURE", async (name, secure) => {
    const res = await backend(name).api.request("POST", "/api/voters");
    expectStatus(res, 200);
    const cookie = (res.headers["set-cookie"] ?? []).find((line) => line.startsWith("lb_voter="));
    expect(cookie).toBeDefined();
    const attributes = (cookie ?? "")
      .split(";")
      .slice(1)
      .map((part) => part.trim().split("=")[0]?.toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(["httponly", "samesite", "path", "max-age"]));
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Max-Age=31536000/);
    expect(attributes.includes("secure")).toBe(secure);
  });
});
