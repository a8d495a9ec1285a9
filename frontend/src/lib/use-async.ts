import { type DependencyList, useCallback, useEffect, useState } from "react";
import { type ApiRequestError, asApiRequestError } from "./api";

export type AsyncState<T> =
  | { status: "loading" }
  | { status: "failed"; error: ApiRequestError }
  | { status: "done"; value: T };

/**
 * Runs `load` when `deps` change and on `reload()`. A reload keeps showing the current value until the new one
 * arrives (no flash, no lost scroll position); only a failed state goes back to "loading".
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<AsyncState<T>>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is a fresh closure each render; the caller's `deps` say when it changes.
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: "done", value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "failed", error: asApiRequestError(error) });
      },
    );
    return () => controller.abort();
  }, [...deps, attempt]);

  const reload = useCallback(() => {
    setState((current) => (current.status === "failed" ? { status: "loading" } : current));
    setAttempt((n) => n + 1);
  }, []);

  return { state, reload };
}
