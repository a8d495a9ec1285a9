import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../config.js";
import { normalizeOrigin, originAllowed, ownOrigin } from "./origin.js";

function request(headers: Record<string, string>, encrypted = false): IncomingMessage {
  return { headers, socket: { encrypted } } as unknown as IncomingMessage;
}

describe("origins", () => {
  it("normalises origins as browsers send them, and refuses what is not one", () => {
    expect(normalizeOrigin("HTTP://Vote.Example:80/")).toBe("http://vote.example");
    expect(normalizeOrigin("https://vote.example:8443")).toBe("https://vote.example:8443");
    expect(normalizeOrigin("null")).toBeNull();
    expect(normalizeOrigin("vote.example")).toBeNull();
  });

  it("takes the own origin from the connection and Host, or from X-Forwarded-* only behind a trusted proxy", () => {
    const headers = { host: "127.0.0.1:3000", "x-forwarded-proto": "https", "x-forwarded-host": "vote.example" };
    expect(ownOrigin(request(headers), false)).toBe("http://127.0.0.1:3000");
    expect(ownOrigin(request(headers, true), false)).toBe("https://127.0.0.1:3000");
    expect(ownOrigin(request(headers), true)).toBe("https://vote.example");
  });

  it("allows no Origin unless cross-site, the own origin and the listed ones", () => {
    const host = { host: "localhost:3000" };
    expect(originAllowed(request(host), false, [])).toBe(true);
    expect(originAllowed(request({ ...host, "sec-fetch-site": "cross-site" }), false, [])).toBe(false);
    expect(originAllowed(request({ ...host, origin: "http://localhost:3000" }), false, [])).toBe(true);
    expect(originAllowed(request({ ...host, origin: "http://localhost:5173" }), false, [])).toBe(false);
    expect(originAllowed(request({ ...host, origin: "http://localhost:5173" }), false, ["http://localhost:5173"])).toBe(
      true,
    );
  });

  it("reads ALLOWED_ORIGINS as a comma-separated list and names a bad entry", () => {
    expect(parseEnv({ ALLOWED_ORIGINS: " http://localhost:5173, https://Vote.Example " }).ALLOWED_ORIGINS).toEqual([
      "http://localhost:5173",
      "https://vote.example",
    ]);
    expect(parseEnv({}).ALLOWED_ORIGINS).toEqual([]);
    expect(() => parseEnv({ ALLOWED_ORIGINS: "localhost:5173" })).toThrow(/ALLOWED_ORIGINS/);
  });
});
