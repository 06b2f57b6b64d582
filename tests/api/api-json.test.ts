import { describe, expect, it } from 'vitest';
import { decodeApiJson, encodeApiJson } from '../../core/api/api-json.ts';

describe('API JSON', () => {
  it('round-trips Uint8Array values, nested and in arrays', () => {
    const value = { token: Uint8Array.of(0, 1, 254, 255), nested: { list: [Uint8Array.of(7), 'text', 3] } };
    expect(decodeApiJson(encodeApiJson(value))).toEqual(value);
  });

  it('encodes a Node Buffer as bytes too (JSON.stringify would otherwise call its toJSON)', () => {
    const text = encodeApiJson({ session: Buffer.from([1, 2, 3]) });
    expect(JSON.parse(text)).toEqual({ session: { $bytes: 'AQID' } });
    expect(decodeApiJson(text)).toEqual({ session: Uint8Array.of(1, 2, 3) });
  });

  it('refuses a malformed $bytes value with a SyntaxError', () => {
    expect(() => decodeApiJson('{"a":{"$bytes":5}}')).toThrow(SyntaxError);
    expect(() => decodeApiJson('{"a":{"$bytes":"AQID","extra":1}}')).toThrow(SyntaxError);
    expect(() => decodeApiJson('{"a":{"$bytes":"%%%"}}')).toThrow(SyntaxError);
  });
});
