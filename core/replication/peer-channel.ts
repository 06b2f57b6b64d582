/** What replication needs from a connection to the paired station (the secure channel provides it). */
export interface PeerChannel {
  readonly remoteAddress: string;
  /** Queues a message; false means the send buffer is full and the sender should wait for `drained`. */
  send(message: Uint8Array): boolean;
  drained(): Promise<void>;
  onMessage(handler: (message: Uint8Array) => void): void;
  onClose(handler: (reason: string) => void): void;
  close(): void;
}
