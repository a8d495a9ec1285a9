import { useEffect, useRef } from "react";
import { ta } from "./admin-messages";

/**
 * A one-click action that affects everyone (closing voting) asked once more, in place: what happens, then the
 * action and Cancel. Focus goes to Cancel, so a second Enter does not confirm by accident.
 */
export function ConfirmInline({
  text,
  confirmLabel,
  busy,
  onConfirm,
  onCancel,
  className = "",
}: {
  text: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  className?: string;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className={`notice notice-error console-confirm ${className}`}>
      <p>{text}</p>
      <div className="actions">
        <button type="button" className="button button-danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="button button-secondary" ref={cancel} onClick={onCancel}>
          {ta("admin.form.cancel")}
        </button>
      </div>
    </div>
  );
}
