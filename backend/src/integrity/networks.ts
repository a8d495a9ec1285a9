import { BlockList, isIPv4, isIPv6 } from "node:net";
import { roundKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/redis-client.js";
import { normalizeIp } from "./client-address.js";

/**
 * Whether an IP lies in one of the networks (CIDRs or single addresses, as `NetworkSchema` accepts them). An
 * empty list allows any address. Node's BlockList matches IPv4-mapped IPv6 (`::ffff:a.b.c.d`) against IPv4
 * networks and the other way round.
 */
export function networkMatcher(networks: readonly string[]): (ip: string) => boolean {
  if (networks.length === 0) return () => true;
  const list = new BlockList();
  for (const network of networks) {
    const [address = "", prefix] = network.split("/");
    const type = isIPv4(address) ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (raw) => {
    const ip = normalizeIp(raw);
    if (isIPv4(ip)) return list.check(ip, "ipv4");
    return isIPv6(ip) && list.check(ip, "ipv6");
  };
}

/** How long a round's allowed networks are reused before they are read again (an edit applies within it). */
const CACHE_MS = 1_000;
/** Rounds whose networks are kept; past it the cache starts afresh (only busy rounds matter). */
const CACHE_ROUNDS = 1_000;

/**
 * The current epoch's `rules.allowedNetworks` of each round, read at most once a second per round and backend:
 * two small reads instead of two per ballot. A round that does not exist allows any network (the route answers
 * ROUND_NOT_FOUND itself). Once a round's entry is a second old it is read again in the background while ballots
 * keep using the old one (an edit applies within a second and a read): no ballot waits for that read, and a
 * Redis that is slow to answer it does not hold every ballot of the round back (issue 8).
 */
export class RoundNetworks {
  private readonly cache = new Map<string, { until: number; allows: (ip: string) => boolean; reading?: boolean }>();

  constructor(private readonly redis: RedisClient) {}

  async allows(roundId: string, ip: string): Promise<boolean> {
    return this.allowsNow(roundId, ip) ?? (await this.refresh(roundId)).allows(ip);
  }

  /** `allows` without waiting when the round's networks are in memory; undefined when they must be read first. */
  allowsNow(roundId: string, ip: string): boolean | undefined {
    const entry = this.cache.get(roundId);
    if (!entry) return undefined;
    if (entry.until <= Date.now() && !entry.reading) {
      entry.reading = true;
      // A failed read leaves the old entry in place, to be read again by the next ballot.
      this.refresh(roundId).catch(() => {
        entry.reading = false;
      });
    }
    return entry.allows(ip);
  }

  private async refresh(roundId: string) {
    const now = Date.now();
    const networks = await this.read(roundId);
    if (this.cache.size >= CACHE_ROUNDS) this.cache.clear();
    const entry = { until: now + CACHE_MS, allows: networkMatcher(networks) };
    this.cache.set(roundId, entry);
    return entry;
  }

  private async read(roundId: string): Promise<string[]> {
    const keys = roundKeys(roundId);
    const epoch = await this.redis.hget(keys.meta, "epoch");
    if (epoch === null) return [];
    const stored = await this.redis.hget(keys.epoch(Number(epoch)).state, "allowedNetworks");
    return stored ? stored.split(" ") : [];
  }
}
