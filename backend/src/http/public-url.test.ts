import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "../config.js";
import { lanHosts, startupUrls } from "./public-url.js";

const address = (address: string, family: "IPv4" | "IPv6", internal = false) =>
  ({ address, family, internal, netmask: "", mac: "", cidr: null }) as unknown as NetworkInterfaceInfo;

const interfaces = {
  lo: [address("127.0.0.1", "IPv4", true), address("::1", "IPv6", true)],
  eth0: [address("fe80::1", "IPv6"), address("fd00::20", "IPv6"), address("192.168.1.20", "IPv4")],
};

describe("start-up URLs", () => {
  it("lists the machine's non-internal addresses, IPv4 first, without link-local IPv6", () => {
    expect(lanHosts(interfaces)).toEqual(["192.168.1.20", "[fd00::20]"]);
  });

  it("uses PUBLIC_URL for the links and shows the other addresses beside it", () => {
    const urls = startupUrls({ publicUrl: "https://vote.example.org", host: "0.0.0.0", port: 3000, interfaces });
    expect(urls).toEqual({
      base: "https://vote.example.org",
      others: ["http://localhost:3000", "http://192.168.1.20:3000", "http://[fd00::20]:3000"],
    });
  });

  it("without PUBLIC_URL, links use the first LAN address, and say so", () => {
    const urls = startupUrls({ publicUrl: undefined, host: "0.0.0.0", port: 3000, interfaces });
    expect(urls.base).toBe("http://192.168.1.20:3000");
    expect(urls.others).toEqual(["http://localhost:3000", "http://[fd00::20]:3000"]);
    expect(urls.warning).toMatch(/PUBLIC_URL/);
  });

  it("warns when the only link is a loopback address", () => {
    const urls = startupUrls({ publicUrl: undefined, host: "127.0.0.1", port: 3000, interfaces });
    expect(urls.base).toBe("http://127.0.0.1:3000");
    expect(urls.warning).toMatch(/only open on this machine/);
  });
});

describe("PUBLIC_URL", () => {
  it("is an http(s) origin, kept without its trailing slash", () => {
    expect(parseEnv({ PUBLIC_URL: "http://192.168.1.20:3000/" }).PUBLIC_URL).toBe("http://192.168.1.20:3000");
    expect(parseEnv({ PUBLIC_URL: "https://vote.example.org" }).PUBLIC_URL).toBe("https://vote.example.org");
    expect(parseEnv({}).PUBLIC_URL).toBeUndefined();
  });

  it("refuses what is not an origin, naming the variable", () => {
    for (const value of ["vote.example.org", "ftp://vote.example.org", "https://vote.example.org/app", "http://x?y"]) {
      expect(() => parseEnv({ PUBLIC_URL: value }), value).toThrow(ConfigError);
      expect(() => parseEnv({ PUBLIC_URL: value }), value).toThrow(/PUBLIC_URL/);
    }
  });
});
