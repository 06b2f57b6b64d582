/**
 * The interface API over HTTP, for the interface running in a browser: every
 * operation is a POST to the station's `/api/call/<operation>`, events come
 * from `/api/events` as server-sent events read with fetch streams (not
 * EventSource, which cannot send the Authorization header; the secret must not
 * go in a URL). Browser APIs only: no Node modules.
 *
 * Answers are the station's own values (refusals included); exceptions are
 * for the transport: the station cannot be reached, or it refused the request.
 */
import { decodeApiJson, encodeApiJson } from './api-json.ts';
import type { InterfaceApi, InterfaceOperation, StationEvent } from './interface-api.ts';

/** The station did not answer, answered with a server error, or sent something unreadable. */
export class StationUnreachableError extends Error {
  override readonly name = 'StationUnreachableError';
}

/** The station refused the session secret (HTTP 401): it restarted, or the address was mistyped. */
export class AccessRefusedError extends Error {
  override readonly name = 'AccessRefusedError';
}

/** The station refused the request itself (HTTP 400 and other 4xx): a bug in the caller. */
export class RequestRefusedError extends Error {
  override readonly name = 'RequestRefusedError';

  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type TransportError = StationUnreachableError | AccessRefusedError | RequestRefusedError;

/** Whether the event stream is open; while it is not, what the interface shows may be out of date. */
export type ConnectionState =
  { readonly connected: true } | { readonly connected: false; readonly error: TransportError };

export interface HttpInterfaceClientOptions {
  /** The station's origin, e.g. `window.location.origin`. */
  readonly baseUrl: string;
  /** The session secret the station printed in its `ui:` address. */
  readonly secret: string;
  readonly fetch?: typeof fetch;
  /** Told whenever the event stream opens or drops (it reconnects by itself unless the secret was refused). */
  readonly onConnection?: (state: ConnectionState) => void;
}

/** A call that gets no answer in this long is given up as unreachable (a take-over lasts seconds). */
const callTimeoutMs = 30_000;
/** The station sends a heartbeat every 15 s; silence this long means the stream is dead. */
const eventStreamSilenceMsMax = 40_000;
const reconnectDelayMsMin = 250;
const reconnectDelayMsMax = 5_000;
/** A line of the event stream longer than this is not the station's. */
const eventLineCharsMax = 1024 * 1024;

type Answer<O extends InterfaceOperation> = Awaited<ReturnType<InterfaceApi[O]>>;

/** What this client sends; plain headers, so that the secret can be added to them. */
interface StationRequest {
  readonly method?: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

export function createHttpInterfaceClient(options: HttpInterfaceClientOptions): InterfaceApi {
  // Called unbound: browsers refuse `fetch` called on another object (e.g. the options).
  const fetchFunction: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));

  const send = async (path: string, init: StationRequest): Promise<Response> => {
    let response: Response;
    try {
      response = await fetchFunction(new URL(path, options.baseUrl), {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${options.secret}` },
      });
    } catch (error) {
      throw new StationUnreachableError(`the station at ${options.baseUrl} does not answer`, {
        cause: error,
      });
    }
    if (response.ok) return response;
    const reason = await errorOf(response);
    if (response.status === 401) throw new AccessRefusedError(`the station refused access: ${reason}`);
    if (response.status >= 500) {
      throw new StationUnreachableError(`the station failed (HTTP ${response.status}): ${reason}`);
    }
    throw new RequestRefusedError(`the station refused the request: ${reason}`, response.status);
  };

  const call = async <O extends InterfaceOperation>(operation: O, request: object): Promise<Answer<O>> => {
    const response = await send(`/api/call/${operation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: encodeApiJson(request),
      signal: AbortSignal.timeout(callTimeoutMs),
    });
    try {
      // The station answers with the type its own InterfaceApi declares for this operation.
      return decodeApiJson(await response.text()) as Answer<O>;
    } catch (error) {
      throw new StationUnreachableError(`the answer to ${operation} was cut off or unreadable`, {
        cause: error,
      });
    }
  };

  const client: InterfaceApi = {
    overview: () => call('overview', {}),
    createFirstOfficial: (request) => call('createFirstOfficial', request),
    officialChallenge: (request) => call('officialChallenge', request),
    officialSignIn: (request) => call('officialSignIn', request),
    registerOfficial: (request) => call('registerOfficial', request),
    registerVoter: (request) => call('registerVoter', request),
    unregisterVoter: (request) => call('unregisterVoter', request),
    listVoters: (request) => call('listVoters', request),
    listElections: (request) => call('listElections', request),
    createElection: (request) => call('createElection', request),
    getResult: (request) => call('getResult', request),
    voterChallenge: (request) => call('voterChallenge', request),
    voterSignIn: (request) => call('voterSignIn', request),
    ballot: (request) => call('ballot', request),
    castVote: (request) => call('castVote', request),
    auditLog: (request) => call('auditLog', request),
    conflictReport: (request) => call('conflictReport', request),
    subscribe: (listener) => events.subscribe(listener),
  };
  const events = createEventFeed(send, () => client.overview(), options.onConnection);
  return client;
}

/** The `error` of a refusal's JSON body, or its status text. */
async function errorOf(response: Response): Promise<string> {
  try {
    const body = decodeApiJson(await response.text());
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') {
      return body.error;
    }
  } catch {
    // Not the station's JSON (a proxy's page, or the body was cut off): the status says enough.
  }
  return `HTTP ${response.status} ${response.statusText}`;
}

type Listener = (event: StationEvent) => void;

/**
 * One event stream shared by every listener, open while there is one. After
 * it drops it is reopened with growing pauses; each time it opens, the
 * listeners get the current status (events sent while it was closed are lost),
 * and after a drop they are told voters, elections and the conflict report changed, so views reload.
 */
function createEventFeed(
  send: (path: string, init: StationRequest) => Promise<Response>,
  overview: InterfaceApi['overview'],
  onConnection: ((state: ConnectionState) => void) | undefined,
): { subscribe(listener: Listener): () => void } {
  const listeners = new Set<Listener>();
  let stop: AbortController | null = null;

  const deliver = (event: StationEvent): void => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        // As with DOM events: a failing listener is reported and neither stops the others nor the stream.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };

  /** Reads one stream until it ends; resolves with why it ended. */
  const follow = async (stopped: AbortSignal, afterDrop: boolean): Promise<StreamEnd> => {
    const attempt = new AbortController();
    const abort = (): void => {
      attempt.abort();
    };
    stopped.addEventListener('abort', abort);
    if (stopped.aborted) abort();
    let silence: ReturnType<typeof setTimeout> | undefined;
    const watch = (): void => {
      clearTimeout(silence);
      silence = setTimeout(abort, eventStreamSilenceMsMax);
    };
    let opened = false;
    try {
      watch();
      const response = await send('/api/events', {
        headers: { accept: 'text/event-stream' },
        signal: attempt.signal,
      });
      if (response.body === null) throw new StationUnreachableError('the station sent no event stream');
      opened = true;
      onConnection?.({ connected: true });
      let statusSeen = false;
      overview().then((current) => {
        if (attempt.signal.aborted) return;
        // A status event that came first is at least as new: the station sends one on every change.
        if (!statusSeen) deliver({ type: 'status', status: current.status });
        if (afterDrop) {
          deliver({ type: 'voters-changed' });
          deliver({ type: 'elections-changed' });
          deliver({ type: 'conflicts-changed' });
        }
      }, abort);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parse = eventStreamParser();
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) throw new StationUnreachableError('the station closed the event stream');
        watch();
        // Typed loosely in Node's declarations; a fetch body always yields bytes.
        const bytes: unknown = chunk.value;
        if (!(bytes instanceof Uint8Array))
          throw new StationUnreachableError('the event stream is not bytes');
        for (const data of parse(decoder.decode(bytes, { stream: true }))) {
          // The station encodes StationEvent values only.
          const event = decodeApiJson(data) as StationEvent;
          if (event.type === 'status') statusSeen = true;
          deliver(event);
        }
      }
    } catch (error) {
      return { opened, error: asTransportError(error) };
    } finally {
      clearTimeout(silence);
      stopped.removeEventListener('abort', abort);
      attempt.abort();
    }
  };

  const run = async (stopped: AbortSignal): Promise<void> => {
    let delayMs = reconnectDelayMsMin;
    let afterDrop = false;
    for (;;) {
      const end = await follow(stopped, afterDrop);
      if (stopped.aborted) return;
      onConnection?.({ connected: false, error: end.error });
      // A refused secret stays refused: only a new `ui:` address helps.
      if (end.error instanceof AccessRefusedError) return;
      if (end.opened) delayMs = reconnectDelayMsMin;
      await pause(delayMs, stopped);
      delayMs = Math.min(delayMs * 2, reconnectDelayMsMax);
      afterDrop = true;
    }
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (stop === null) {
        stop = new AbortController();
        void run(stop.signal);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stop !== null) {
          stop.abort();
          stop = null;
        }
      };
    },
  };
}

interface StreamEnd {
  /** Whether the stream had opened before it ended. */
  readonly opened: boolean;
  readonly error: TransportError;
}

function asTransportError(error: unknown): TransportError {
  if (
    error instanceof StationUnreachableError ||
    error instanceof AccessRefusedError ||
    error instanceof RequestRefusedError
  ) {
    return error;
  }
  return new StationUnreachableError('the event stream from the station broke off', { cause: error });
}

/** Splits server-sent events text, fed in pieces, into the data of each event; comments are skipped. */
function eventStreamParser(): (text: string) => string[] {
  let pending = '';
  let data: string[] = [];
  return (text) => {
    pending += text;
    const events: string[] = [];
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) events.push(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice('data:'.length).replace(/^ /, ''));
      }
      newline = pending.indexOf('\n');
    }
    if (pending.length > eventLineCharsMax) throw new StationUnreachableError('the event stream is garbled');
    return events;
  };
}

function pause(ms: number, stopped: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      stopped.removeEventListener('abort', done);
      resolve();
    }
    stopped.addEventListener('abort', done);
  });
}
