/**
 * Finding the paired station on the LAN by mDNS / DNS-SD (bonjour-service).
 *
 * Each station publishes `_evote._tcp` on its sync port with TXT records
 * c (cluster id, derived from the pairing key, never the key), s (station id),
 * r (role), e (epoch) and v (replication protocol version), and browses for
 * the same type. Only peers of the same cluster, another station id and a
 * supported protocol version are reported.
 *
 * mDNS only finds the peer: it says nothing reliable about liveness (a crashed
 * station sends no goodbye), so the station's own heartbeats decide that, and
 * `onPeerGone` is a hint. Multicast is often blocked, so every failure here is
 * logged (`discovery-error`) and swallowed: the station goes on without
 * discovery.
 *
 * Crash paths in bonjour-service 1.4 / multicast-dns 7 that this module guards
 * (the first two reproduced in tests/discovery: both end an unguarded process):
 * - multicast-dns emits 'error' when binding UDP 5353 fails (any bind error;
 *   socket errors EADDRINUSE/EACCES too) and bonjour-service attaches no
 *   listener: we listen on `bonjour.server.mdns`, the one instance that both
 *   publishing and browsing use. Every later send retries the bind, so
 *   discovery resumes by itself once the port is free.
 * - bonjour-service's default errorCallback throws when answering a query
 *   fails (e.g. ENETUNREACH without a multicast route, or once the interface
 *   is gone), inside a socket callback: we pass our own.
 * - dns-packet throws on a port out of range inside a later tick, and writes
 *   over-long TXT strings or labels into packets nobody can decode: the advert
 *   is validated up front.
 * - The probe step only console.logs a name conflict and then sends a goodbye
 *   for that name: probing is off and the instance name is unique per start.
 * Failures of our own queries, announcements and goodbyes come back through
 * send callbacks and are logged too; other socket errors are 'warning's.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Bonjour, type Browser, type Service } from 'bonjour-service';
import type { Logger } from '../logging/logger.ts';

export interface StationAdvert {
  clusterId: string;
  stationId: string;
  role: 'primary' | 'backup';
  epoch: number;
  syncPort: number;
  protocolVersion: number;
}

export interface DiscoveredPeer extends StationAdvert {
  /** The address the advert came from first, then the addresses it lists. */
  addresses: string[];
  host: string;
}

export interface StationDiscovery {
  /** Re-announces with new role/epoch (e.g. after a take-over). Throws RangeError on an invalid one. */
  update(advert: Pick<StationAdvert, 'role' | 'epoch'>): void;
  /** Sends the mDNS goodbye and closes the socket; never rejects. */
  stop(): Promise<void>;
}

export interface DiscoveryOptions {
  advert: StationAdvert;
  logger: Logger;
  /** Called when a peer is first seen and whenever its advert changes. */
  onPeer: (peer: DiscoveredPeer) => void;
  /** Called when a reported peer says goodbye (a hint: heartbeats decide liveness). */
  onPeerGone?: (stationId: string) => void;
  /** The IPv4 address of the one interface to use; default: every interface. */
  interfaceAddress?: string;
  /** Peer protocol versions this station can pair with; default: its own only. */
  supportedProtocolVersions?: readonly number[];
}

const serviceType = 'evote';
const serviceName = `_${serviceType}._tcp.local`;
/** An update is a goodbye followed by a new announcement: this hides that gap. */
const peerGoneGraceMs = 3_000;
const firstQueryDelayMs = 1_000;
/** Peers stop announcing after an hour, so keep asking, cheaply. */
const maxQueryIntervalMs = 30_000;
const stopStepTimeoutMs = 1_000;
/** Errors from sending; cleared once a send works again. */
const sendFailures = new Set(['bind', 'query', 'respond', 'announce', 'goodbye']);
/** Anyone on the LAN can advertise: bound what their adverts make us remember. */
const maxRejectedLogged = 64;

/** The parts of a multicast-dns instance used here (bonjour-service does not type it). */
interface MulticastDns extends EventEmitter {
  query(name: string, type: string, callback: (error?: Error | null) => void): void;
  respond(records: unknown, callback: (error?: Error | null) => void): void;
}

/** Options bonjour-service passes on to multicast-dns (its typings call them ServiceConfig). */
interface MulticastDnsOptions {
  interface?: string;
  bind?: string;
}

type BonjourConstructor = new (
  options: MulticastDnsOptions,
  errorCallback: (error: Error) => void,
) => Bonjour;
const BonjourWithMdnsOptions = Bonjour as unknown as BonjourConstructor;

/**
 * Publishes this station and browses for its pair. Network failures never
 * throw (they are logged); an invalid advert throws RangeError.
 */
export function startDiscovery(options: DiscoveryOptions): StationDiscovery {
  const { logger, onPeer, onPeerGone } = options;
  let advert: StationAdvert = { ...options.advert };
  validateAdvert(advert);
  const supportedVersions = options.supportedProtocolVersions ?? [advert.protocolVersion];
  // A fresh name per start: a restarted peer shows up as a new instance (with
  // its current addresses) instead of an unchanged cached one.
  const instanceName = `evote-${dnsLabelPart(advert.stationId)}-${randomBytes(3).toString('hex')}`;
  const host = `${instanceName}.local`;

  const peers = new Map<string, { fqdn: string; peer: DiscoveredPeer }>();
  const goneTimers = new Map<string, NodeJS.Timeout>();
  const rejectedLogged = new Set<string>();
  const errorsLogged = new Map<string, string>();
  let stopped = false;
  let stopping: Promise<void> | undefined;
  let queryTimer: NodeJS.Timeout | undefined;
  let queryIntervalMs = firstQueryDelayMs;
  let bonjour: Bonjour | undefined;
  let mdns: MulticastDns | undefined;
  let browser: Browser | undefined;
  let service: Service | undefined;

  /** Logs each kind of failure once (they repeat on every send), never throws. */
  function reportError(where: string, error: unknown): void {
    const code = errorCode(error);
    const key = `${where}:${code}`;
    if (errorsLogged.has(key)) return;
    errorsLogged.set(key, where);
    logger.log('warn', 'discovery-error', 'mDNS discovery failed here; the station goes on without it', {
      where,
      code,
      detail: errorMessage(error),
    });
  }

  function reportSendWorks(): void {
    let wasFailing = false;
    for (const [key, where] of errorsLogged) {
      if (!sendFailures.has(where)) continue;
      errorsLogged.delete(key);
      wasFailing = true;
    }
    if (wasFailing) logger.log('info', 'discovery-recovered', 'mDNS works again');
  }

  function advertFields(): Record<string, string | number> {
    return {
      clusterId: advert.clusterId,
      stationId: advert.stationId,
      role: advert.role,
      epoch: advert.epoch,
    };
  }

  function publish(): void {
    if (bonjour === undefined) return;
    try {
      service = bonjour.publish({
        name: instanceName,
        type: serviceType,
        port: advert.syncPort,
        host,
        txt: {
          c: advert.clusterId,
          s: advert.stationId,
          r: advert.role,
          e: String(advert.epoch),
          v: String(advert.protocolVersion),
        },
        probe: false,
        // Only IPv4 multicast is used; link-local IPv6 addresses without a scope are useless to the peer.
        disableIPv6: true,
      });
    } catch (error) {
      reportError('publish', error);
    }
  }

  /** Sends the goodbye for the current advert; `done` runs once it is sent (or failed). */
  function unpublish(done: () => void): void {
    const current = service;
    service = undefined;
    if (current === undefined) {
      done();
      return;
    }
    try {
      const stopService = current.stop as (callback: (error?: Error | null) => void) => void;
      stopService((error) => {
        if (error) reportError('goodbye', error);
        done();
      });
    } catch (error) {
      reportError('goodbye', error);
      done();
    }
  }

  function query(): void {
    queryTimer = undefined;
    if (stopped || mdns === undefined) return;
    try {
      mdns.query(serviceName, 'PTR', (error) => {
        if (error) reportError('query', error);
        else if (!stopped) reportSendWorks();
      });
    } catch (error) {
      reportError('query', error);
    }
    scheduleQuery(queryIntervalMs);
    queryIntervalMs = Math.min(queryIntervalMs * 2, maxQueryIntervalMs);
  }

  function scheduleQuery(delayMs: number): void {
    if (stopped) return;
    if (queryTimer !== undefined) clearTimeout(queryTimer);
    queryTimer = setTimeout(query, delayMs);
    queryTimer.unref();
  }

  /** A new interface joined the multicast group: ask and announce at once. */
  function onNetworkChange(): void {
    if (stopped || mdns === undefined) return;
    queryIntervalMs = firstQueryDelayMs;
    scheduleQuery(0);
    if (service === undefined) return;
    try {
      mdns.respond(service.records(), (error) => {
        if (error) reportError('announce', error);
      });
    } catch (error) {
      reportError('announce', error);
    }
  }

  function callSafely(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      reportError('callback', error);
    }
  }

  function forgetStation(stationId: string): void {
    const timer = goneTimers.get(stationId);
    if (timer !== undefined) clearTimeout(timer);
    goneTimers.delete(stationId);
    if (!peers.delete(stationId)) return;
    logger.log('info', 'discovery-peer-lost', 'Paired station withdrew its mDNS advert', { stationId });
    if (onPeerGone !== undefined) {
      callSafely(() => {
        onPeerGone(stationId);
      });
    }
  }

  function stationWithFqdn(fqdn: string): string | undefined {
    // DNS names compare case-insensitively.
    for (const [stationId, known] of peers) {
      if (known.fqdn.toLowerCase() === fqdn.toLowerCase()) return stationId;
    }
    return undefined;
  }

  function onService(found: Service): void {
    if (stopped) return;
    const parsed = parseAdvert(found.txt, found.port);
    if (parsed?.clusterId !== advert.clusterId || parsed.stationId === advert.stationId) {
      // Another cluster, our own advert, or a peer that changed its advert into one of those.
      const previous = stationWithFqdn(found.fqdn);
      if (previous !== undefined) forgetStation(previous);
      return;
    }
    if (!supportedVersions.includes(parsed.protocolVersion)) {
      const key = `${parsed.stationId}:${parsed.protocolVersion}`;
      if (!rejectedLogged.has(key) && rejectedLogged.size < maxRejectedLogged) {
        rejectedLogged.add(key);
        logger.log(
          'warn',
          'discovery-peer-rejected',
          'Station of this cluster speaks an unsupported protocol version',
          {
            stationId: parsed.stationId,
            protocolVersion: parsed.protocolVersion,
          },
        );
      }
      forgetStation(parsed.stationId);
      return;
    }
    const peer: DiscoveredPeer = { ...parsed, addresses: addressesOf(found), host: found.host };
    const timer = goneTimers.get(peer.stationId);
    if (timer !== undefined) clearTimeout(timer);
    goneTimers.delete(peer.stationId);
    const known = peers.get(peer.stationId);
    if (known?.fqdn === found.fqdn && samePeer(known.peer, peer)) return;
    peers.set(peer.stationId, { fqdn: found.fqdn, peer });
    logger.log('info', 'discovery-peer-found', 'Found the paired station by mDNS', {
      stationId: peer.stationId,
      role: peer.role,
      epoch: peer.epoch,
      syncPort: peer.syncPort,
      address: peer.addresses[0] ?? null,
    });
    callSafely(() => {
      onPeer({ ...peer, addresses: [...peer.addresses] });
    });
  }

  function onServiceDown(gone: Service): void {
    if (stopped) return;
    const stationId = stationWithFqdn(gone.fqdn);
    if (stationId === undefined || goneTimers.has(stationId)) return;
    const timer = setTimeout(() => {
      forgetStation(stationId);
    }, peerGoneGraceMs);
    timer.unref();
    goneTimers.set(stationId, timer);
  }

  function guarded<A extends unknown[]>(handler: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        handler(...args);
      } catch (error) {
        reportError('browse', error);
      }
    };
  }

  try {
    const mdnsOptions: MulticastDnsOptions =
      options.interfaceAddress === undefined
        ? {}
        : // Bound to a unicast address, Linux would not deliver multicast to the socket.
          { interface: options.interfaceAddress, bind: '0.0.0.0' };
    bonjour = new BonjourWithMdnsOptions(mdnsOptions, (error) => {
      reportError('respond', error);
    });
    const socket = multicastDnsOf(bonjour);
    mdns = socket;
    socket.on('error', (error: unknown) => {
      reportError('bind', error);
    });
    socket.on('warning', (error: unknown) => {
      reportError('socket', error);
    });
    socket.on('networkInterface', guarded(onNetworkChange));
    publish();
    const found = bonjour.find({ type: serviceType });
    browser = found;
    found.on('up', guarded(onService));
    found.on('txt-update', guarded(onService));
    found.on('srv-update', guarded(onService));
    found.on('down', guarded(onServiceDown));
    scheduleQuery(firstQueryDelayMs);
    logger.log('info', 'discovery-started', 'Announcing this station and looking for its pair by mDNS', {
      ...advertFields(),
      syncPort: advert.syncPort,
      instance: instanceName,
      interfaceAddress: options.interfaceAddress ?? null,
    });
  } catch (error) {
    reportError('start', error);
    try {
      bonjour?.destroy();
    } catch (destroyError) {
      reportError('destroy', destroyError);
    }
    bonjour = undefined;
    mdns = undefined;
    browser = undefined;
    service = undefined;
  }

  return {
    update(change) {
      if (stopped) return;
      if (change.role === advert.role && change.epoch === advert.epoch) return;
      const next = { ...advert, role: change.role, epoch: change.epoch };
      validateAdvert(next);
      advert = next;
      logger.log(
        'info',
        'discovery-advert-updated',
        'Announcing the new role and epoch by mDNS',
        advertFields(),
      );
      // bonjour-service cannot change a TXT record in place: goodbye, then announce anew.
      unpublish(() => {
        // Nothing waits for the goodbye: the new announcement follows it on the same socket.
      });
      publish();
    },

    stop() {
      if (stopping !== undefined) return stopping;
      stopped = true;
      if (queryTimer !== undefined) clearTimeout(queryTimer);
      for (const timer of goneTimers.values()) clearTimeout(timer);
      goneTimers.clear();
      stopping = (async () => {
        await withTimeout(stopStepTimeoutMs, unpublish);
        try {
          browser?.stop();
        } catch (error) {
          reportError('destroy', error);
        }
        const current = bonjour;
        if (current !== undefined) {
          await withTimeout(stopStepTimeoutMs, (done) => {
            try {
              current.destroy(done);
            } catch (error) {
              reportError('destroy', error);
              done();
            }
          });
        }
        logger.log('info', 'discovery-stopped', 'Withdrew this station from mDNS', advertFields());
      })();
      return stopping;
    },
  };
}

/** Reaches multicast-dns inside bonjour-service, the only place to listen for its errors. */
function multicastDnsOf(bonjour: Bonjour): MulticastDns {
  const server: unknown = Reflect.get(bonjour, 'server');
  const mdns: unknown =
    typeof server === 'object' && server !== null ? Reflect.get(server, 'mdns') : undefined;
  if (
    !(mdns instanceof EventEmitter) ||
    typeof Reflect.get(mdns, 'query') !== 'function' ||
    typeof Reflect.get(mdns, 'respond') !== 'function'
  ) {
    throw new Error('bonjour-service has no server.mdns: its errors cannot be guarded');
  }
  return mdns as MulticastDns;
}

/** Resolves when `start` calls back or after `ms`, whichever is first. */
function withTimeout(ms: number, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    start(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const printable = /^[\x21-\x7e]{1,128}$/;
const roles: readonly string[] = ['primary', 'backup'];

/** Rejects what dns-packet would encode wrongly or throw on later, inside a timer. */
function validateAdvert(advert: StationAdvert): void {
  if (!printable.test(advert.clusterId))
    throw new RangeError('clusterId must be 1-128 printable ASCII characters');
  if (!printable.test(advert.stationId))
    throw new RangeError('stationId must be 1-128 printable ASCII characters');
  // Checked although typed: adverts also come from configuration and JavaScript callers.
  if (!roles.includes(advert.role)) throw new RangeError('role must be primary or backup');
  if (!Number.isSafeInteger(advert.epoch) || advert.epoch < 0)
    throw new RangeError('epoch must be an integer ≥ 0');
  if (!Number.isSafeInteger(advert.protocolVersion) || advert.protocolVersion < 0) {
    throw new RangeError('protocolVersion must be an integer ≥ 0');
  }
  if (!Number.isInteger(advert.syncPort) || advert.syncPort < 1 || advert.syncPort > 65_535) {
    throw new RangeError('syncPort must be a port number');
  }
}

function dnsLabelPart(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
}

function parseAdvert(txt: unknown, port: unknown): StationAdvert | undefined {
  if (typeof txt !== 'object' || txt === null) return undefined;
  const field = (key: string): string | undefined => {
    const value: unknown = Reflect.get(txt, key);
    return typeof value === 'string' ? value : undefined;
  };
  const clusterId = field('c');
  const stationId = field('s');
  const role = field('r');
  const epoch = integerOf(field('e'));
  const protocolVersion = integerOf(field('v'));
  if (
    clusterId === undefined ||
    stationId === undefined ||
    epoch === undefined ||
    protocolVersion === undefined
  ) {
    return undefined;
  }
  if (role !== 'primary' && role !== 'backup') return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { clusterId, stationId, role, epoch, syncPort: port, protocolVersion };
}

function integerOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function addressesOf(found: Service): string[] {
  const listed: unknown[] = [found.referer?.address, ...(found.addresses ?? [])];
  return [...new Set(listed.filter((address): address is string => typeof address === 'string'))];
}

function samePeer(a: DiscoveredPeer, b: DiscoveredPeer): boolean {
  return (
    a.clusterId === b.clusterId &&
    a.stationId === b.stationId &&
    a.role === b.role &&
    a.epoch === b.epoch &&
    a.syncPort === b.syncPort &&
    a.protocolVersion === b.protocolVersion &&
    a.host === b.host &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((address, index) => address === b.addresses[index])
  );
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code: unknown = Reflect.get(error, 'code');
    if (typeof code === 'string') return code;
    if (error instanceof Error) return error.name;
  }
  return 'UNKNOWN';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
