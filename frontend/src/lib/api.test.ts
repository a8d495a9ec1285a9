import { describe, expect, it } from "vitest";
import { ApiRequestError, asApiRequestError, toApiRequestError } from "./api";

describe("toApiRequestError", () => {
  it("carries the server's code and message", () => {
    const error = toApiRequestError(409, { error: { code: "ALREADY_VOTED", message: "already voted" } });
    expect(error).toBeInstanceOf(ApiRequestError);
    expect([error.status, error.code, error.message]).toEqual([409, "ALREADY_VOTED", "already voted"]);
  });

  it("carries the challenge of a 428 and the Retry-After of a 429", () => {
    const challenge = { algorithm: "SHA-256", challenge: "c", maxnumber: 10, salt: "s", signature: "x" } as const;
    const required = toApiRequestError(428, { error: { code: "CHALLENGE_REQUIRED", message: "m" }, challenge });
    expect(required.challenge).toEqual(challenge);
    expect(toApiRequestError(429, { error: { code: "RATE_LIMITED", message: "m" } }, "3").retryAfterMs).toBe(3_000);
    expect(
      toApiRequestError(429, { error: { code: "RATE_LIMITED", message: "m" } }, null).retryAfterMs,
    ).toBeUndefined();
  });

  it("derives a known code when the body is not an API error", () => {
    expect(toApiRequestError(502, null).code).toBe("UNAVAILABLE");
    expect(toApiRequestError(404, "<html>").code).toBe("NOT_FOUND");
    expect(toApiRequestError(413, {}).code).toBe("PAYLOAD_TOO_LARGE");
    expect(toApiRequestError(418, { error: { code: "TEAPOT", message: "?" } }).code).toBe("INTERNAL");
  });
});

describe("asApiRequestError", () => {
  it("keeps API errors and wraps anything else", () => {
    const original = new ApiRequestError(401, "UNAUTHORIZED", "no");
    expect(asApiRequestError(original)).toBe(original);
    const wrapped = asApiRequestError(new TypeError("boom"));
    expect([wrapped.status, wrapped.code, wrapped.message]).toEqual([0, "INTERNAL", "boom"]);
  });
});
