import { type DependencyList, useCallback, useEffect, useState } from "react";
import { type ApiRequestError, asApiRequestError } from "./api";

export type AsyncState<T> =
  | { status: "loading" }
  | { status: "failed"; error: ApiRequestError }
  | { status: "done"; value: T };

/**
 * Runs `load` when `deps` change and on `reload()`. A reload keeps showing the current value until the new one
 * arrives (no flash, no lost scroll position); only a failed state goes back to "loading". New `deps` go back to
 * "loading" in the same render: the value of the old ones (another round's controls under the new round's URL)
 * is never shown for the new ones.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<AsyncState<T>>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [loadedFor, setLoadedFor] = useState(deps);
  if (!sameDeps(loadedFor, deps)) {
    // React's pattern for state that follows a prop: set during render, re-rendered before anything is painted.
    setLoadedFor(deps);
    setState({ status: "loading" });
  }

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

function sameDeps(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
