/** ERP SIMULATOR: Windows-1252 (the code page of legacy VARCHAR columns), both ways. */
const HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const TO_BYTE = new Map<string, number>([...HIGH].map((ch, i) => [ch, 0x80 + i]));

export function encodeCp1252(s: string): Buffer {
  const out = Buffer.alloc(s.length);
  let n = 0;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    out[n++] = code < 0x80 || (code >= 0xa0 && code <= 0xff) ? code : (TO_BYTE.get(ch) ?? 0x3f); // '?' for the unrepresentable
  }
  return out.subarray(0, n);
}

export function decodeCp1252(b: Buffer): string {
  let s = '';
  for (const byte of b) s += byte >= 0x80 && byte < 0xa0 ? HIGH[byte - 0x80] : String.fromCharCode(byte);
  return s;
}
