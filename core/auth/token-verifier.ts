/**
 * Token checks with a memory of tokens already proven genuine: a voter's
 * client sends the same token for every call of a session, and recomputing
 * the HMAC each time was about half the CPU cost of a vote. Expiry is still
 * checked against each command's own time, and the kind against each use.
 */
import type { ActorKind } from '../engine/commands.ts';
import { verifyToken, type TokenClaims } from './tokens.ts';

/** Bounds memory; when full the memory is simply forgotten and rebuilt. */
const rememberedTokensMax = 65_536;

export class TokenVerifier {
  private readonly genuine = new Map<string, TokenClaims>();

  constructor(readonly key: Uint8Array) {}

  /** The claims of a genuine token of `kind` still valid at `atMs`, or null. */
  verify<Kind extends ActorKind>(
    token: Uint8Array,
    atMs: number,
    kind: Kind,
  ): (TokenClaims & { readonly kind: Kind }) | null {
    const id = Buffer.from(token.buffer, token.byteOffset, token.length).toString('latin1');
    let claims = this.genuine.get(id);
    if (claims === undefined) {
      const verified = verifyToken(this.key, token, atMs);
      if (verified === null) return null;
      if (this.genuine.size >= rememberedTokensMax) this.genuine.clear();
      this.genuine.set(id, verified);
      claims = verified;
    }
    return atMs < claims.expiresAtMs && isOfKind(claims, kind) ? claims : null;
  }
}

function isOfKind<Kind extends ActorKind>(
  claims: TokenClaims,
  kind: Kind,
): claims is TokenClaims & { readonly kind: Kind } {
  return claims.kind === kind;
}
