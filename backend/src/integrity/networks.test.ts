import { describe, expect, it } from "vitest";
import { networkMatcher } from "./networks.js";

describe("networkMatcher", () => {
  it("allows any address when the list is empty", () => {
    expect(networkMatcher([])("203.0.113.9")).toBe(true);
    expect(networkMatcher([])("unknown")).toBe(true);
  });

  it("matches IPv4 networks and single addresses", () => {
    const allows = networkMatcher(["192.168.10.0/24", "10.0.0.0/8", "203.0.113.7"]);
    expect(allows("192.168.10.1")).toBe(true);
    expect(allows("192.168.10.255")).toBe(true);
    expect(allows("192.168.11.1")).toBe(false);
    expect(allows("10.200.3.4")).toBe(true);
    expect(allows("203.0.113.7")).toBe(true);
    expect(allows("203.0.113.8")).toBe(false);
  });

  it("matches IPv6 networks, in any spelling of the address", () => {
    const allows = networkMatcher(["2001:db8:5::/48", "fe80::1"]);
    expect(allows("2001:db8:5:1::9")).toBe(true);
    expect(allows("2001:0DB8:0005:ffff:0:0:0:1")).toBe(true);
    expect(allows("2001:db8:6::1")).toBe(false);
    expect(allows("fe80::1")).toBe(true);
    expect(allows("fe80::1%eth0")).toBe(true);
    expect(allows("fe80::2")).toBe(false);
  });

  it("matches IPv4-mapped IPv6 (a dual-stack socket's IPv4 peers) against IPv4 networks", () => {
    const allows = networkMatcher(["192.168.10.0/24"]);
    expect(allows("::ffff:192.168.10.20")).toBe(true);
    expect(allows("::FFFF:192.168.11.20")).toBe(false);
    // And an IPv6 rule written for mapped addresses matches plain IPv4.
    expect(networkMatcher(["::ffff:192.168.10.0/120"])("192.168.10.20")).toBe(true);
  });

  it("refuses what is not an address when a list is set", () => {
    const allows = networkMatcher(["0.0.0.0/0"]);
    expect(allows("unknown")).toBe(false);
    expect(allows("")).toBe(false);
    expect(allows("1.2.3.4")).toBe(true);
  });
});
