import { type ReactNode, useEffect, useRef } from "react";

/**
 * A modal on the native <dialog>: the browser traps focus inside, closes it on Escape, renders it above
 * everything and gives focus back to the button that opened it. `onClose` keeps the caller's state in step.
 */
export function Modal({
  open,
  onClose,
  labelledBy,
  className,
  children,
}: {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  className?: string;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the click only closes on the backdrop; Escape does it by keyboard.
    <dialog
      ref={dialog}
      className={className ? `modal ${className}` : "modal"}
      aria-labelledby={labelledBy}
      onClose={onClose}
      // A tap on the backdrop (the dialog element itself, outside its content) closes it, as on most phones'
      // sheets. Keyboard users have Escape, which the dialog handles natively.
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      {open && <div className="modal-content">{children}</div>}
    </dialog>
  );
}
