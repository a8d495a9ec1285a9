import { describe, expect, it } from "vitest";
import { ConfigError, defaultHttpLimits, httpLimitsFromEnv, parseEnv } from "./config.js";
import { connectionsCheckingInterval } from "./server.js";

describe("HTTP limits from the environment", () => {
  it("defaults to the event-day values of defaultServerConfig", () => {
    expect(httpLimitsFromEnv(parseEnv({}))).toEqual(defaultHttpLimits);
    expect(defaultHttpLimits).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 5_000,
      maxHeaderBytes: 16_384,
    });
  });

  it("reads each variable", () => {
    const env = parseEnv({
      HTTP_HEADERS_TIMEOUT_MS: "2000",
      HTTP_REQUEST_TIMEOUT_MS: "4000",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "1500",
      HTTP_MAX_CONNECTIONS: "100",
      HTTP_MAX_HEADER_BYTES: "8192",
    });
    expect(httpLimitsFromEnv(env)).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      keepAliveTimeoutMs: 1500,
      maxConnections: 100,
      maxHeaderBytes: 8192,
    });
  });

  it("refuses headers that may take longer than the whole request (Node would throw), naming the variable", () => {
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "40000" })).toThrow(ConfigError);
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "40000" })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => parseEnv({ HTTP_MAX_CONNECTIONS: "0" })).toThrow(/HTTP_MAX_CONNECTIONS/);
  });

  it("looks for late requests every tenth of the shorter limit, at most once a second", () => {
    expect(connectionsCheckingInterval(defaultHttpLimits)).toBe(1000);
    expect(connectionsCheckingInterval({ ...defaultHttpLimits, headersTimeoutMs: 400, requestTimeoutMs: 800 })).toBe(
      40,
    );
  });
});
