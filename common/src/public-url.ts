/**
 * Links handed to voters must open on their phones: a loopback address (localhost, 127.0.0.0/8, ::1) only opens
 * on the machine that shows it. The backend prints a warning at start, the console's Share tab shows one.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === "::1" ||
    host === "0:0:0:0:0:0:0:1" ||
    host === "::ffff:127.0.0.1"
  );
}

/** `GET /api/public-url`: where phones reach this service (PUBLIC_URL), for the QR codes pages show. */
export interface PublicUrlResponse {
  /** The server's PUBLIC_URL without a trailing slash, or null when unset (pages then use their own origin). */
  publicUrl: string | null;
}

/** `GET /api/admin/session`: the token is right; where phones reach this service (PUBLIC_URL), when set. */
export interface AdminSessionResponse {
  ok: true;
  /** The server's PUBLIC_URL without a trailing slash, or null when unset. */
  publicUrl: string | null;
}
