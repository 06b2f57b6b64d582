/**
 * Token checks with a memory of tokens already proven genuine: a voter's
 * client sends the same token for every call of a session, and recomputing
 * the HMAC each time was about half the CPU cost of a vote. Expiry is still
 * checked against each command's own time.
 */
import { verifyToken, type TokenClaims } from './tokens.ts';

/** Bounds memory; when full the memory is simply forgotten and rebuilt. */
const rememberedTokensMax = 65_536;

export class TokenVerifier {
  private readonly genuine = new Map<string, TokenClaims>();

  constructor(readonly key: Uint8Array) {}

  /** The claims of a genuine token still valid at `atMs`, or null. */
  verify(token: Uint8Array, atMs: number): TokenClaims | null {
    const id = Buffer.from(token.buffer, token.byteOffset, token.length).toString('latin1');
    const known = this.genuine.get(id);
    if (known !== undefined) return atMs < known.expiresAtMs ? known : null;
    const claims = verifyToken(this.key, token, atMs);
    if (claims === null) return null;
    if (this.genuine.size >= rememberedTokensMax) this.genuine.clear();
    this.genuine.set(id, claims);
    return claims;
  }
}
