/** Validation of the names and labels that travel in protocol messages. */

// C0 and C1 control characters, and the Unicode line/paragraph separators:
// none belongs in a name shown on a screen or printed in a report.
const forbiddenCharacters = /[\p{Cc}\u2028\u2029]/u;

/** True if `text` is a non-blank, printable label of at most `bytesMax` UTF-8 bytes. */
export function isValidLabel(text: unknown, bytesMax: number): text is string {
  if (typeof text !== 'string' || text.trim().length === 0) return false;
  // A UTF-16 length already over the byte limit can never fit; skip encoding it.
  if (text.length > bytesMax) return false;
  if (Buffer.byteLength(text, 'utf8') > bytesMax) return false;
  if (!text.isWellFormed()) return false;
  return !forbiddenCharacters.test(text);
}
