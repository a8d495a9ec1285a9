import { solvePow } from "./sha256";

/** Solves one proof-of-work challenge off the page's thread: `{ challenge, salt, max }` in, `{ number }` out. */
globalThis.onmessage = (event: MessageEvent<{ challenge: string; salt: string; max: number }>) => {
  const { challenge, salt, max } = event.data;
  globalThis.postMessage({ number: solvePow(challenge, salt, max) });
};
