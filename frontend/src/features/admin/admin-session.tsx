import { createContext, useContext } from "react";
import { ApiRequestError, adminApi } from "../../lib/api";

/** The signed-in organiser: the token for admin calls, and what to do when the server stops accepting it. */
export interface AdminSession {
  token: string;
  /** Call with any failure of an admin call: a rejected token signs the organiser out. */
  handleError: (error: unknown) => void;
}

const SessionContext = createContext<AdminSession | null>(null);
export const SessionProvider = SessionContext.Provider;

export function useSession(): AdminSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the signed-in console");
  return session;
}

/** Whether the server accepts this admin token. */
export async function tokenAccepted(token: string): Promise<boolean> {
  try {
    await adminApi.checkSession(token);
    return true;
  } catch (error) {
    if (error instanceof ApiRequestError && error.code === "UNAUTHORIZED") return false;
    throw error;
  }
}

/** Starts a download of a blob or a data URL under the given file name. */
export function saveFile(content: Blob | string, fileName: string): void {
  const href = typeof content === "string" ? content : URL.createObjectURL(content);
  const link = document.createElement("a");
  link.href = href;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file by the time this runs; until then the URL must stay valid.
  if (typeof content !== "string") setTimeout(() => URL.revokeObjectURL(href), 30_000);
}

/** Copies text, falling back to a prompt where the clipboard API is not allowed (plain http, old browsers). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    window.prompt("", text);
    return false;
  }
}
