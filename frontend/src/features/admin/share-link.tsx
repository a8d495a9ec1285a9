import type { ReactNode } from "react";
import { copyText } from "./admin-session";

/**
 * A link the organiser hands out (a vote page, a projector screen): the URL to read or select, a copy button, and
 * the caller's further buttons (open, a QR image, a new key).
 */
export function ShareLink({
  url,
  label,
  testId,
  copyLabel,
  onCopied,
  children,
}: {
  url: string;
  label: string;
  testId: string;
  copyLabel: string;
  onCopied: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="console-share-links">
      <input readOnly value={url} aria-label={label} data-testid={testId} />
      <div className="actions">
        <button
          type="button"
          className="button"
          onClick={async () => {
            if (await copyText(url)) onCopied();
          }}
        >
          {copyLabel}
        </button>
        {children}
      </div>
    </div>
  );
}
