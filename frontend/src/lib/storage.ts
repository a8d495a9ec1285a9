/**
 * Storage that never throws: Safari private mode and locked-down browsers throw on access, and a voter must
 * still be able to vote (the HttpOnly cookie carries the voter token too).
 */
function safe(kind: "localStorage" | "sessionStorage"): Storage | null {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null;
  }
}

export function readStored(kind: "localStorage" | "sessionStorage", key: string): string | null {
  try {
    return safe(kind)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeStored(kind: "localStorage" | "sessionStorage", key: string, value: string | null): void {
  try {
    const storage = safe(kind);
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Quota or privacy settings: the value simply is not remembered.
  }
}
