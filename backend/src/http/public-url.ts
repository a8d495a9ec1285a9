import { networkInterfaces } from "node:os";
import { isLoopbackHost } from "@lb/common";

/** What start-up prints: the base of the links to hand out, and other addresses this service answers on. */
export interface StartupUrls {
  /** PUBLIC_URL, else the first LAN address, else localhost. */
  base: string;
  /** Other ways to reach it (localhost and the LAN addresses), shown for the organiser. */
  others: string[];
  /** Why the links may not open on phones, if they may not. */
  warning?: string;
}

type Interfaces = ReturnType<typeof networkInterfaces>;

/** The machine's non-internal IPv4 and IPv6 addresses as URL hosts (link-local IPv6 left out: it needs a zone). */
export function lanHosts(interfaces: Interfaces = networkInterfaces()): string[] {
  const hosts: string[] = [];
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      if (address.family === "IPv4") hosts.push(address.address);
      else if (!/^fe[89ab]/i.test(address.address)) hosts.push(`[${address.address}]`);
    }
  }
  // IPv4 first: what people type and what every phone's Wi-Fi has.
  return hosts.sort((a, b) => Number(a.startsWith("[")) - Number(b.startsWith("[")));
}

export function startupUrls(options: {
  publicUrl: string | undefined;
  host: string;
  port: number;
  interfaces?: Interfaces;
}): StartupUrls {
  const { publicUrl, host, port } = options;
  const url = (hostname: string) => `http://${hostname}:${port}`;
  const wildcard = host === "0.0.0.0" || host === "::";
  const local = url(wildcard ? "localhost" : host.includes(":") ? `[${host}]` : host);
  const lan = wildcard ? lanHosts(options.interfaces).map(url) : [];
  if (publicUrl) return { base: publicUrl, others: [local, ...lan] };
  const [first, ...rest] = lan;
  if (first) {
    return {
      base: first,
      others: [local, ...rest],
      warning:
        "PUBLIC_URL is unset: the links below use this machine's first LAN address; set PUBLIC_URL if phones reach it another way",
    };
  }
  return {
    base: local,
    others: [],
    warning: isLoopbackHost(new URL(local).hostname)
      ? "these links only open on this machine: set PUBLIC_URL (or HOST) to the address phones reach"
      : undefined,
  };
}
