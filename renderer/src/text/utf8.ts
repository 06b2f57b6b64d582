/**
 * The protocol limits names, groups and choices in UTF-8 bytes (core/protocol/limits.ts),
 * and the station's transports refuse a longer one outright. The screens check
 * lengths here first, so that a person reads which field is too long instead
 * of a refused request.
 */
const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}
