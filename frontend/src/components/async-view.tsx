import type { ErrorCode } from "@lb/common";
import type { ReactNode } from "react";
import { t } from "../i18n";
import type { AsyncState } from "../lib/use-async";

export function Loading() {
  return (
    <p className="muted" role="status">
      {t("common.loading")}
    </p>
  );
}

export function ErrorNotice({ error, onRetry }: { error: { code: ErrorCode }; onRetry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{t(`error.${error.code}`)}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

/** Shows loading and failure the same way everywhere, and the content once the value is there. */
export function AsyncView<T>({
  state,
  onRetry,
  children,
}: {
  state: AsyncState<T>;
  onRetry: () => void;
  children: (value: T) => ReactNode;
}) {
  if (state.status === "loading") return <Loading />;
  if (state.status === "failed") return <ErrorNotice error={state.error} onRetry={onRetry} />;
  return <>{children(state.value)}</>;
}
