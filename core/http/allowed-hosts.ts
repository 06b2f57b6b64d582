/**
 * DNS-rebinding defence. A page on another site can have its own host name
 * resolve to the station's address; the browser then sends that name in the
 * Host header. Only requests naming the station's own address are served.
 */
import net from 'node:net';

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracketed(host).toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * Whether a Host header names the server bound to `boundHost:port`. Bound to
 * loopback, the loopback names are accepted too. Bound to every interface
 * (0.0.0.0 or ::), any IP literal is: rebinding needs a host name, and the
 * station cannot know which of its addresses a caller used.
 */
export function hostChecker(boundHost: string, port: number): (hostHeader: string | undefined) => boolean {
  const bound = unbracketed(boundHost).toLowerCase();
  const names = new Set([bound]);
  if (isLoopbackHost(bound)) for (const name of ['localhost', '127.0.0.1', '::1']) names.add(name);
  const anyAddress = bound === '0.0.0.0' || bound === '::';
  if (anyAddress) names.add('localhost');
  return (hostHeader) => {
    const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(hostHeader?.toLowerCase() ?? '');
    if (match === null) return false;
    // Browsers leave out the port when it is the scheme's default.
    const headerPort = match[2] === undefined ? 80 : Number(match[2]);
    const name = unbracketed(match[1] ?? '');
    return headerPort === port && (names.has(name) || (anyAddress && net.isIP(name) !== 0));
  };
}

function unbracketed(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}
