/** Every page of the app. Pages are chosen by path alone: no router library is needed for five routes. */
export type Route =
  | { page: "home" }
  | { page: "vote"; roundId: string }
  | { page: "board"; roundId: string }
  | { page: "screen"; roundId: string }
  | { page: "verify"; roundId: string }
  /** The console; a round and its tab (`/admin/r/<id>/<tab>`, the host's phone remote is the tab `remote`). */
  | { page: "admin"; roundId?: string; tab?: string }
  // Events of many rounds: the phone and the projector follow the event's current round.
  | { page: "event"; eventId: string }
  | { page: "eventScreen"; eventId: string }
  | { page: "notFound" };

/** Builds links, so that a path is spelled in one place only. */
export const paths = {
  home: () => "/",
  admin: () => "/admin",
  /** A round in the console, on one of its tabs (the console shows its first tab for an unknown one). */
  adminRound: (roundId: string, tab = "live") => `/admin/r/${encodeURIComponent(roundId)}/${encodeURIComponent(tab)}`,
  /** The host's phone remote for a round. */
  remote: (roundId: string) => `/admin/r/${encodeURIComponent(roundId)}/remote`,
  vote: (roundId: string) => `/r/${encodeURIComponent(roundId)}`,
  board: (roundId: string) => `/r/${encodeURIComponent(roundId)}/board`,
  /** "Verify my ballot" (verifiable receipts), with the receipt's hash filled in when given. */
  verify: (roundId: string, hash?: string) =>
    `/r/${encodeURIComponent(roundId)}/verify${hash ? `?hash=${encodeURIComponent(hash)}` : ""}`,
  /** The projector screen; the key travels in the query so that a projector can simply be given the link. */
  screen: (roundId: string, screenKey: string) =>
    `/r/${encodeURIComponent(roundId)}/screen?key=${encodeURIComponent(screenKey)}`,
  /** An event's phone page: the vote page of whatever round is current. */
  event: (eventId: string) => `/e/${encodeURIComponent(eventId)}`,
  /** An event's projector, with the event's screen key. */
  eventScreen: (eventId: string, screenKey: string) =>
    `/e/${encodeURIComponent(eventId)}/screen?key=${encodeURIComponent(screenKey)}`,
};

/** What a console tab's path segment may be; the server answers the page for the same ones (app.ts). */
export const TAB_SEGMENT = /^[a-z][a-z-]{0,31}$/;

/**
 * What keys the page's state: moving between the console's rounds and tabs keeps the console (its sign-in, its
 * socket, its list); any other move starts the new page afresh.
 */
export function pageKey(route: Route, pathname: string): string {
  return route.page === "admin" ? "admin" : pathname;
}

export function matchRoute(pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: "notFound" }; // malformed %-escape
  }
  const [first, roundId, third] = segments;
  if (segments.length === 0) return { page: "home" };
  if (first === "admin") {
    if (segments.length === 1) return { page: "admin" };
    const [, r, id, tab] = segments;
    if (r === "r" && id && segments.length <= 4 && TAB_SEGMENT.test(tab ?? "live")) {
      return { page: "admin", roundId: id, tab: tab ?? "live" };
    }
  }
  if (first === "r" && roundId) {
    if (segments.length === 2) return { page: "vote", roundId };
    if (segments.length === 3 && third === "board") return { page: "board", roundId };
    if (segments.length === 3 && third === "screen") return { page: "screen", roundId };
    if (segments.length === 3 && third === "verify") return { page: "verify", roundId };
  }
  if (first === "e" && roundId) {
    if (segments.length === 2) return { page: "event", eventId: roundId };
    if (segments.length === 3 && third === "screen") return { page: "eventScreen", eventId: roundId };
  }
  return { page: "notFound" };
}
