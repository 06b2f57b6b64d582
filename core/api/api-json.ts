/**
 * JSON for the interface API over HTTP: Uint8Array values travel as
 * `{ "$bytes": "<base64>" }`. Runs in Node and in the browser (no Buffer).
 */
const bytesTag = '$bytes';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

export function encodeApiJson(value: unknown): string {
  // The replacer reads the holder's property, not the value it is handed: JSON.stringify calls a
  // Node Buffer's toJSON() first, so the handed value of a Buffer is no longer a Uint8Array.
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? { [bytesTag]: toBase64(original) } : item;
  });
}

/** Parses API JSON; throws SyntaxError on malformed text or a malformed `$bytes` value. */
export function decodeApiJson(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item === 'object' && item !== null && bytesTag in item) {
      const encoded = (item as Record<string, unknown>)[bytesTag];
      if (typeof encoded !== 'string' || Object.keys(item).length !== 1) {
        throw new SyntaxError('malformed $bytes value');
      }
      try {
        return fromBase64(encoded);
      } catch {
        throw new SyntaxError('malformed base64 in $bytes value');
      }
    }
    return item;
  });
}
