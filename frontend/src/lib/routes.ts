/** Every page of the app. Pages are chosen by path alone: no router library is needed for five routes. */
export type Route =
  | { page: "home" }
  | { page: "vote"; roundId: string }
  | { page: "board"; roundId: string }
  | { page: "admin" }
  | { page: "notFound" };

/** Builds links, so that a path is spelled in one place only. */
export const paths = {
  home: () => "/",
  admin: () => "/admin",
  vote: (roundId: string) => `/r/${encodeURIComponent(roundId)}`,
  board: (roundId: string) => `/r/${encodeURIComponent(roundId)}/board`,
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
  }
  return { page: "notFound" };
}
