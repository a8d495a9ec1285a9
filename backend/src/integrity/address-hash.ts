import { createHmac } from "node:crypto";
import type { ClientAddress } from "./client-address.js";

/** Hex digits kept of each keyed hash: 64 bits, enough to tell a round's networks apart, too few to invert. */
const HASH_HEX_DIGITS = 16;

/** Addresses whose hashes are remembered per process: a venue's phones share a few IPs and one network. */
const HASH_CACHE_SIZE = 10_000;

/** What the audit log keeps of where a ballot came from. */
export interface AddressHashes {
  ip: string;
  network: string;
}

/**
 * Keyed hashes (HMAC-SHA256) of a client's IP and network, so that the integrity view can group ballots by
 * network without the audit log holding an address. The key is derived from the voter-token secret (every
 * backend shares it, so every backend hashes an address the same way); without it, the 2^32 IPv4 addresses
 * could simply be tried against a plain hash.
 */
export function addressHasher(voterTokenSecret: string): (address: ClientAddress) => AddressHashes {
  const key = createHmac("sha256", voterTokenSecret).update("integrity:address-key:v1").digest();
  // An HMAC costs about 10 µs to set up; the same addresses come back all the time, so their hashes are kept.
  const cache = new Map<string, string>();
  const hash = (value: string) => {
    let digest = cache.get(value);
    if (digest === undefined) {
      digest = createHmac("sha256", key).update(value).digest("hex").slice(0, HASH_HEX_DIGITS);
      if (cache.size >= HASH_CACHE_SIZE) cache.clear();
      cache.set(value, digest);
    }
    return digest;
  };
  return (address) => ({ ip: hash(`ip:${address.ip}`), network: hash(`net:${address.network}`) });
}
