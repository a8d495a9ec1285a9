import { describe, expect, it } from "vitest";
import { isLoopbackHost } from "./public-url.js";

describe("isLoopbackHost", () => {
  it("knows the addresses only this machine can open", () => {
    for (const host of ["localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it("lets LAN addresses and names pass", () => {
    for (const host of ["192.168.1.20", "10.0.0.5", "[fd00::1]", "vote.example.org", "localhost.example.org"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
