import type { Express } from "express";

/** One route of the app: an HTTP method and the path pattern it was registered with. */
export interface AppRoute {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** As registered, e.g. `/api/rounds/:id/ballots` or `/{*path}`. */
  path: string;
}

/** What we read of Express 5's router (the `router` package): the layer stack and each route's methods. */
interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const METHODS = new Set<AppRoute["method"]>(["GET", "POST", "PATCH", "PUT", "DELETE"]);

/**
 * Every route the app answers, read from its router stack (nested Routers included), so that tests that go
 * over every route (the fuzzer, the admin-auth matrix) also cover a route added later without being told.
 */
export function appRoutes(app: Express): AppRoute[] {
  const routes: AppRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== "string") throw new Error(`a route with a non-string path: ${String(path)}`);
          for (const [method, on] of Object.entries(layer.route.methods)) {
            const upper = method.toUpperCase() as AppRoute["method"];
            if (on && METHODS.has(upper)) routes.push({ method: upper, path: `${prefix}${path}` });
          }
        }
      } else if (layer.handle?.stack) {
        // A mounted Router: `app.use(router)` mounts at "/", `app.use("/x", router)` under "/x".
        const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  // Express 5 keeps its router on `app.router`; its stack is not part of the public types.
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  if (routes.length === 0) throw new Error("no routes found: has Express's router changed shape?");
  return routes;
}

/** A concrete path for a pattern: `:id`-style parameters from `params` (else "x"), wildcards as "x". */
export function fillPath(pattern: string, params: Record<string, string> = {}): string {
  return pattern
    .replace(/\{\/?\*(\w+)\}|\*(\w+)/g, "x")
    .replace(/:(\w+)/g, (_match, name: string) => params[name] ?? "x")
    .replace(/[{}]/g, "");
}

export const routeName = (route: AppRoute) => `${route.method} ${route.path}`;
