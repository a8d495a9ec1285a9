/**
 * SHA-256 in plain JavaScript, for the proof-of-work challenge. WebCrypto (`crypto.subtle`) exists only in
 * secure contexts, and a venue's voting server is often plain HTTP on the LAN; a synchronous hash in a worker
 * is also faster for millions of tiny inputs than one awaited WebCrypto call each.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Uint32Array(64);
const H = new Uint32Array(8);

function block(bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = ((bytes[j] ?? 0) << 24) | ((bytes[j + 1] ?? 0) << 16) | ((bytes[j + 2] ?? 0) << 8) | (bytes[j + 3] ?? 0);
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] ?? 0;
    const w2 = W[i - 2] ?? 0;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] ?? 0) + s0 + (W[i - 7] ?? 0) + s1) | 0;
  }
  let a = H[0] ?? 0;
  let b = H[1] ?? 0;
  let c = H[2] ?? 0;
  let d = H[3] ?? 0;
  let e = H[4] ?? 0;
  let f = H[5] ?? 0;
  let g = H[6] ?? 0;
  let h = H[7] ?? 0;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + (K[i] ?? 0) + (W[i] ?? 0)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0] ?? 0) + a;
  H[1] = (H[1] ?? 0) + b;
  H[2] = (H[2] ?? 0) + c;
  H[3] = (H[3] ?? 0) + d;
  H[4] = (H[4] ?? 0) + e;
  H[5] = (H[5] ?? 0) + f;
  H[6] = (H[6] ?? 0) + g;
  H[7] = (H[7] ?? 0) + h;
}

/** The digest of `length` bytes of `bytes`, as eight 32-bit words (a view reused by the next call). */
export function sha256Words(bytes: Uint8Array, length = bytes.length): Uint32Array {
  H.set(INITIAL);
  const full = length - (length % 64);
  for (let offset = 0; offset < full; offset += 64) block(bytes, offset);
  // The tail, the 0x80 marker and the bit length, in one or two final blocks.
  const tail = new Uint8Array(length % 64 < 56 ? 64 : 128);
  tail.set(bytes.subarray(full, length));
  tail[length % 64] = 0x80;
  const bits = length * 8;
  const end = tail.length;
  tail[end - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  tail[end - 4] = (bits >>> 24) & 0xff;
  tail[end - 3] = (bits >>> 16) & 0xff;
  tail[end - 2] = (bits >>> 8) & 0xff;
  tail[end - 1] = bits & 0xff;
  for (let offset = 0; offset < end; offset += 64) block(tail, offset);
  return H;
}

export function sha256Hex(text: string): string {
  const words = sha256Words(new TextEncoder().encode(text));
  return Array.from(words, (word) => word.toString(16).padStart(8, "0")).join("");
}

/** Hex digest to words, for comparing against `sha256Words` without building strings. */
export function hexToWords(hex: string): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return words;
}

/**
 * Solves an ALTCHA v1 challenge: the number n in 0..max with SHA-256(salt + n) = challenge, or null. Salts are
 * ASCII (hex and URL parameters), so each character is one byte.
 */
export function solvePow(challenge: string, salt: string, max: number): number | null {
  const target = hexToWords(challenge);
  const buffer = new Uint8Array(salt.length + 16);
  for (let i = 0; i < salt.length; i++) buffer[i] = salt.charCodeAt(i);
  for (let n = 0; n <= max; n++) {
    const digits = String(n);
    for (let i = 0; i < digits.length; i++) buffer[salt.length + i] = digits.charCodeAt(i);
    const words = sha256Words(buffer, salt.length + digits.length);
    if (words[0] === target[0] && words.every((word, i) => word === target[i])) return n;
  }
  return null;
}
