/**
 * The `Link` header of a voter's page (`/r/<id>`): it tells the browser to fetch the round's view while it still
 * downloads the page's JavaScript, instead of after the script has run (a phone on a slow network saves a round
 * trip and the time the script takes to load). An HTTP header, not an inline tag: the pages' Content-Security-
 * Policy allows no inline script, and the page itself (index.html) is the same for every round.
 *
 * The preload is used only when the page's own request matches it: same URL (`/api/rounds/<id>?descriptions=preview`,
 * the light first view, as the frontend's `api.getRound` builds it), `fetch` destination, CORS mode with same-origin credentials
 * (`crossorigin`), which is what `fetch()` sends.
 */
export function roundPreloadLink(roundId: string): string {
  return `</api/rounds/${encodeURIComponent(roundId)}?descriptions=preview>; rel=preload; as=fetch; crossorigin`;
}
