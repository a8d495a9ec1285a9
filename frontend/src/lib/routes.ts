/** Every page of the app. Pages are chosen by path alone: no router library is needed for five routes. */
export type Route =
  | { page: "home" }
  | { page: "vote"; roundId: string }
  | { page: "board"; roundId: string }
  | { page: "screen"; roundId: string }
  | { page: "admin" }
  // Events of many rounds: the phone and the projector follow the event's current round.
  | { page: "event"; eventId: string }
  | { page: "eventScreen"; eventId: string }
  | { page: "notFound" };

/** Builds links, so that a path is spelled in one place only. */
export const paths = {
  home: () => "/",
  admin: () => "/admin",
  vote: (roundId: string) => `/r/${encodeURIComponent(roundId)}`,
  board: (roundId: string) => `/r/${encodeURIComponent(roundId)}/board`,
  /** The projector screen; the key travels in the query so that a projector can simply be given the link. */
  screen: (roundId: string, screenKey: string) =>
    `/r/${encodeURIComponent(roundId)}/screen?key=${encodeURIComponent(screenKey)}`,
  /** An event's phone page: the vote page of whatever round is current. */
  event: (eventId: string) => `/e/${encodeURIComponent(eventId)}`,
  /** An event's projector, with the event's screen key. */
  eventScreen: (eventId: string, screenKey: string) =>
    `/e/${encodeURIComponent(eventId)}/screen?key=${encodeURIComponent(screenKey)}`,
};

export function matchRoute(pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: "notFound" }; // malformed %-escape
  }
  const [first, roundId, third] = segments;
  if (segments.length === 0) return { page: "home" };
  if (first === "admin" && segments.length === 1) return { page: "admin" };
  if (first === "r" && roundId) {
    if (segments.length === 2) return { page: "vote", roundId };
    if (segments.length === 3 && third === "board") return { page: "board", roundId };
    if (segments.length === 3 && third === "screen") return { page: "screen", roundId };
  }
  if (first === "e" && roundId) {
    if (segments.length === 2) return { page: "event", eventId: roundId };
    if (segments.length === 3 && third === "screen") return { page: "eventScreen", eventId: roundId };
  }
  return { page: "notFound" };
}
