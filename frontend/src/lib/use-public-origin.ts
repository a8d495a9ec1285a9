import { api } from "./api";
import { useAsync } from "./use-async";

/**
 * The origin that links and QR codes for phones should name: the server's PUBLIC_URL when it has one, else the
 * address this page was opened at (which may be `localhost` on the organiser's laptop: phones cannot open that).
 */
export function usePublicOrigin(): string {
  const publicUrl = useAsync(() => api.publicUrl(), []);
  return (publicUrl.state.status === "done" ? publicUrl.state.value : null) ?? window.location.origin;
}
