import { isIPv4, isIPv6 } from "node:net";

/**
 * Where a request comes from, as the integrity features count it: the client's IP and its network (/24 for
 * IPv4, /64 for IPv6: one venue, one home, one phone carrier's customer). The IP is the one Express reports
 * (`req.ip`, which honours TRUST_PROXY and nothing else) or the socket's peer address.
 */
export interface ClientAddress {
  ip: string;
  network: string;
}

/** Expands an IPv6 address to its eight 16-bit groups (no IPv4 tail: callers pass mapped IPv4 as IPv4). */
function ipv6Groups(ip: string): number[] {
  const [head = "", tail] = ip.split("::") as [string, string | undefined];
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** Unmaps `::ffff:a.b.c.d` (how a dual-stack socket reports IPv4 peers) and drops an IPv6 zone (`%eth0`). */
export function normalizeIp(raw: string): string {
  const ip = raw.trim().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip.toLowerCase();
}

/** Raw IPs whose client addresses are remembered per process (a venue's phones share a few IPs). */
const ADDRESS_CACHE_SIZE = 10_000;
const addresses = new Map<string, Readonly<ClientAddress>>();

/**
 * The client address of a raw IP; an unknown or unparsable one becomes `unknown` (counted as one network).
 * Remembered per raw IP: every ballot asks for it twice (the gate and the audit entry), and parsing it each time
 * was a visible share of a ballot's CPU (issue 8). The object is shared: read it, never change it.
 */
export function clientAddress(raw: string | undefined): Readonly<ClientAddress> {
  const key = raw ?? "";
  let address = addresses.get(key);
  if (address === undefined) {
    address = Object.freeze(parseClientAddress(key));
    if (addresses.size >= ADDRESS_CACHE_SIZE) addresses.clear();
    addresses.set(key, address);
  }
  return address;
}

function parseClientAddress(raw: string): ClientAddress {
  const ip = normalizeIp(raw);
  if (isIPv4(ip)) {
    const [a, b, c] = ip.split(".");
    return { ip, network: `${a}.${b}.${c}.0/24` };
  }
  if (isIPv6(ip) && !ip.includes(".")) {
    const groups = ipv6Groups(ip);
    const prefix = groups
      .slice(0, 4)
      .map((group) => group.toString(16))
      .join(":");
    return { ip: groups.map((group) => group.toString(16)).join(":"), network: `${prefix}::/64` };
  }
  return { ip: "unknown", network: "unknown" };
}
