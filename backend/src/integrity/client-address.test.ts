import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address.js";

describe("clientAddress", () => {
  it("groups IPv4 clients by /24 and unmaps IPv4-mapped IPv6", () => {
    expect(clientAddress("192.168.4.77")).toEqual({ ip: "192.168.4.77", network: "192.168.4.0/24" });
    expect(clientAddress("::ffff:10.0.0.9")).toEqual({ ip: "10.0.0.9", network: "10.0.0.0/24" });
  });

  it("groups IPv6 clients by /64, whatever the spelling", () => {
    const long = clientAddress("2001:db8:0:1:0:0:0:5");
    const short = clientAddress("2001:DB8:0:1::5");
    expect(long).toEqual({ ip: "2001:db8:0:1:0:0:0:5", network: "2001:db8:0:1::/64" });
    expect(short).toEqual(long);
    expect(clientAddress("::1")).toEqual({ ip: "0:0:0:0:0:0:0:1", network: "0:0:0:0::/64" });
    expect(clientAddress("fe80::1%eth0").network).toBe("fe80:0:0:0::/64");
  });

  it("puts what it cannot parse in one bucket", () => {
    expect(clientAddress(undefined)).toEqual({ ip: "unknown", network: "unknown" });
    expect(clientAddress("not an ip")).toEqual({ ip: "unknown", network: "unknown" });
  });
});
