/** HOST:PORT arguments, checked when the command line is read. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function parseHostPort(text: string): HostPort {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65_535) {
    throw new Error(`"${text}" is not an address of the form HOST:PORT (for example 127.0.0.1:50051)`);
  }
  return { host: match[1] ?? '', port };
}

export function formatAddress({ host, port }: HostPort): string {
  return `${host}:${port}`;
}
