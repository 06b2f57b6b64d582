/**
 * The headers every file of the interface is served with, by the station's
 * HTTP server and by Electron's app:// protocol alike. The policy allows only
 * the interface's own scripts, styles and fonts, no plugins, no framing, no
 * forms posted anywhere, and connections only to the interface's own origin.
 * Strict by default: Vite's production build of a Vue app needs no inline
 * scripts or styles and no eval (Vue's runtime-only build; styles set by
 * bindings go through the CSSOM, which style-src does not govern).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Headers sent with every file of the interface. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
