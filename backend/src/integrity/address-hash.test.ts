import { describe, expect, it } from "vitest";
import { addressHasher } from "./address-hash.js";
import { clientAddress } from "./client-address.js";

describe("addressHasher", () => {
  it("hashes an IP and its network with a key from the secret: stable, 16 hex digits, never the address", () => {
    const hash = addressHasher("a".repeat(32));
    const one = hash(clientAddress("192.168.1.10"));
    expect(one).toEqual({
      ip: expect.stringMatching(/^[0-9a-f]{16}$/),
      network: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    // The same address again (from the cache) and from another backend with the same secret: the same hashes.
    expect(hash(clientAddress("192.168.1.10"))).toEqual(one);
    expect(addressHasher("a".repeat(32))(clientAddress("192.168.1.10"))).toEqual(one);
    // Same /24, another IP: same network, other IP hash; an IP and a network never share a hash.
    const neighbour = hash(clientAddress("192.168.1.11"));
    expect(neighbour.network).toBe(one.network);
    expect(neighbour.ip).not.toBe(one.ip);
    expect(one.ip).not.toBe(one.network);
    // Another secret: other hashes (they cannot be compared across deployments, nor tried without the key).
    expect(addressHasher("b".repeat(32))(clientAddress("192.168.1.10")).network).not.toBe(one.network);
  });
});
