import { readStored, writeStored } from "../../lib/storage";

/** Per tab only (sessionStorage): the token dies with the tab and never appears in a URL or in history. */
const STORAGE_KEY = "lb.adminToken";

export function readAdminToken(): string | null {
  return readStored("sessionStorage", STORAGE_KEY);
}

export function writeAdminToken(token: string | null): void {
  writeStored("sessionStorage", STORAGE_KEY, token);
}
