import { useCallback, useEffect, useState } from "react";
import { type ApiRequestError, asApiRequestError } from "../../lib/api";
import { useSession } from "./admin-session";

/**
 * A console panel's live data: `load` is asked at once, then again `intervalMs` after each answer (one request at
 * a time, so a slow server is never queued up), and not while the browser tab is hidden (it asks again when the
 * tab comes back). `reload()` asks now, e.g. after the organiser changed something. A failure keeps the last
 * value and shows the error (a wrong token signs the console out, as everywhere).
 */
export function useAdminPoll<T>(
  load: (adminToken: string, signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
): { value: T | null; error: ApiRequestError | null; reload: () => void } {
  const session = useSession();
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((count) => count + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is the caller's closure over `deps`; `session` changes only with the token.
  useEffect(() => {
    let controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () => {
      clearTimeout(timer);
      controller.abort();
      controller = new AbortController();
      const { signal } = controller;
      if (document.visibilityState === "hidden") return;
      load(session.token, signal)
        .then(
          (next) => {
            if (signal.aborted) return;
            setValue(next);
            setError(null);
          },
          (caught: unknown) => {
            if (signal.aborted) return;
            session.handleError(caught);
            setError(asApiRequestError(caught));
          },
        )
        .finally(() => {
          if (!signal.aborted) timer = setTimeout(ask, intervalMs);
        });
    };
    ask();
    document.addEventListener("visibilitychange", ask);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", ask);
      controller.abort();
    };
  }, [...deps, session.token, intervalMs, reloads]);

  return { value, error, reload };
}
