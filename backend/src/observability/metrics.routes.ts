import type { RequestHandler } from "express";
import { bearerToken, sameSecret } from "../auth/admin-auth.js";
import type { AuthThrottle } from "../auth/auth-throttle.js";
import { AppError } from "../http/app-error.js";
import { clientAddress } from "../integrity/client-address.js";

export interface MetricsRouteOptions {
  /** METRICS_TOKEN; undefined: the endpoint is off (404, as for any unknown path). */
  token: string | undefined;
  throttle: AuthThrottle;
  /** The Prometheus text: this backend's registry, or with WORKERS > 1 every worker's (cluster-metrics.ts). */
  text: () => Promise<string>;
  contentType: string;
}

/**
 * `GET /metrics` for Prometheus, behind its own bearer token (METRICS_TOKEN, not the organiser's: a scraper
 * must not be able to run rounds). Wrong tokens count in the same per-IP throttle as wrong admin tokens.
 */
export function metricsRoute(options: MetricsRouteOptions): RequestHandler {
  const { token } = options;
  return async (req, res) => {
    if (token === undefined) throw new AppError("NOT_FOUND", "Nothing here.");
    await options.throttle.verify(
      clientAddress(req.ip).ip,
      sameSecret(token, bearerToken(req.get("authorization"))),
      () => new AppError("UNAUTHORIZED", "This needs the metrics token: Authorization: Bearer <METRICS_TOKEN>."),
    );
    const text = await options.text();
    res.set("Content-Type", options.contentType).set("Cache-Control", "no-store").send(text);
  };
}
