/**
 * Real mDNS between stations, each a discovery agent process inside a network
 * namespace this test makes (never the machine's own: mDNS must not leave
 * it). Checks that paired stations find each other with the right advert,
 * that other clusters and unsupported protocol versions are not reported,
 * that an advert update and a goodbye reach the peer, and that where
 * multicast cannot work (no network, no multicast route, the link removed,
 * port 5353 taken) the station logs `discovery-error`, keeps running and
 * stops cleanly.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredPeer, StationAdvert } from '../../core/discovery/station-discovery.ts';
import {
  createIsolatedNamespace,
  createNetworkPair,
  execInNamespace,
  listNamespaces,
  namespacesSupported,
  removeAllNamespaces,
  runInNamespace,
  uniquePrefix,
  type NamespaceProcess,
  type NetworkPair,
} from './netns.ts';

const agentScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'discovery-agent.ts');
const cluster = 'cluster-3f9a1c';
const otherCluster = 'cluster-77b0e2';
const findTimeoutMs = 8_000;

type AgentLine =
  | { readonly event: 'started' | 'stopped' }
  | { readonly event: 'peer'; readonly peer: DiscoveredPeer }
  | { readonly event: 'gone'; readonly stationId: string };

function advert(stationId: string, overrides: Partial<StationAdvert> = {}): StationAdvert {
  return {
    clusterId: cluster,
    stationId,
    role: 'primary',
    epoch: 1,
    syncPort: 7100,
    protocolVersion: 1,
    ...overrides,
  };
}

function startAgent(ns: string, stationAdvert: StationAdvert): NamespaceProcess {
  return runInNamespace(ns, agentScript, [JSON.stringify({ advert: stationAdvert })]);
}

function linesOf(agent: NamespaceProcess): AgentLine[] {
  return agent.stdoutLines.map((line) => JSON.parse(line) as AgentLine);
}

function peersSeenBy(agent: NamespaceProcess): DiscoveredPeer[] {
  return linesOf(agent).flatMap((line) => (line.event === 'peer' ? [line.peer] : []));
}

function waitForPeer(
  agent: NamespaceProcess,
  matches: (peer: DiscoveredPeer) => boolean,
  timeoutMs = findTimeoutMs,
): Promise<DiscoveredPeer> {
  return agent
    .waitForLine((line) => {
      const parsed = JSON.parse(line) as AgentLine;
      return parsed.event === 'peer' && matches(parsed.peer);
    }, timeoutMs)
    .then((line) => (JSON.parse(line) as { peer: DiscoveredPeer }).peer);
}

function logEntries(agent: NamespaceProcess): Record<string, unknown>[] {
  return agent.stderrLines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

function waitForLog(agent: NamespaceProcess, event: string, where?: string): Promise<string> {
  return agent.waitForLine(
    (line) =>
      line.includes(`"event":"${event}"`) && (where === undefined || line.includes(`"where":"${where}"`)),
    findTimeoutMs,
    'stderr',
  );
}

/** SIGTERM, then the agent must say it stopped and exit 0 on its own (no socket or timer left). */
async function stopAgent(agent: NamespaceProcess): Promise<void> {
  agent.child.kill('SIGTERM');
  const exit = await agent.exit;
  expect(exit, agent.stderrLines.join('\n')).toEqual({ code: 0, signal: null });
  expect(linesOf(agent).at(-1)).toEqual({ event: 'stopped' });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const unsupported = namespacesSupported();
const ourPrefix = `evt-${process.pid}-`;

if (unsupported !== null) {
  it('mDNS discovery in network namespaces', (context) => {
    context.skip(`skipped: ${unsupported}`);
  });
} else {
  describe('stations on one link', () => {
    let pair: NetworkPair;
    let a: NamespaceProcess;
    let b: NamespaceProcess;
    let otherA: NamespaceProcess;
    let otherB: NamespaceProcess;
    let newerB: NamespaceProcess;

    beforeAll(async () => {
      pair = await createNetworkPair(uniquePrefix());
      a = startAgent(pair.nsA, advert('station-a', { role: 'primary', epoch: 1, syncPort: 7101 }));
      b = startAgent(pair.nsB, advert('station-b', { role: 'backup', epoch: 1, syncPort: 7102 }));
      // Another cluster on the same link, one station on each side.
      otherA = startAgent(pair.nsA, advert('other-a', { clusterId: otherCluster, epoch: 5 }));
      otherB = startAgent(pair.nsB, advert('other-b', { clusterId: otherCluster, epoch: 5 }));
      // Same cluster, but a protocol version station-a does not speak.
      newerB = startAgent(pair.nsB, advert('newer-b', { protocolVersion: 2 }));
    });

    afterAll(async () => {
      await pair.remove();
    });

    it('finds its pair with the right role, epoch, station id, sync port and address', async () => {
      const [seenByA, seenByB] = await Promise.all([
        waitForPeer(a, (peer) => peer.stationId === 'station-b'),
        waitForPeer(b, (peer) => peer.stationId === 'station-a'),
      ]);
      expect(seenByA).toMatchObject({
        clusterId: cluster,
        stationId: 'station-b',
        role: 'backup',
        epoch: 1,
        syncPort: 7102,
        protocolVersion: 1,
      });
      expect(seenByA.addresses[0]).toBe(pair.addressB);
      expect(seenByA.host).toMatch(/\.local$/);
      expect(seenByB).toMatchObject({ stationId: 'station-a', role: 'primary', epoch: 1, syncPort: 7101 });
      expect(seenByB.addresses[0]).toBe(pair.addressA);
    });

    it('does not report stations of another cluster or of an unsupported protocol version', async () => {
      // The other cluster's stations find each other: their adverts do cross the link.
      await Promise.all([
        waitForPeer(otherA, (peer) => peer.stationId === 'other-b'),
        waitForPeer(otherB, (peer) => peer.stationId === 'other-a'),
      ]);
      await waitForLog(a, 'discovery-peer-rejected');
      // One more round of queries and answers for anything late to show up.
      await sleep(1_500);
      expect(peersSeenBy(a).map((peer) => peer.stationId)).toEqual(['station-b']);
      expect(new Set(peersSeenBy(b).map((peer) => peer.stationId))).toEqual(new Set(['station-a']));
      expect(peersSeenBy(otherA).map((peer) => peer.stationId)).toEqual(['other-b']);
      expect(peersSeenBy(otherB).map((peer) => peer.stationId)).toEqual(['other-a']);
      expect(logEntries(a)).toContainEqual(
        expect.objectContaining({
          event: 'discovery-peer-rejected',
          stationId: 'newer-b',
          protocolVersion: 2,
        }),
      );
      await Promise.all([stopAgent(otherA), stopAgent(otherB), stopAgent(newerB)]);
    });

    it('sees the new role and epoch when the peer updates its advert', async () => {
      b.send(JSON.stringify({ role: 'primary', epoch: 2 }));
      const updated = await waitForPeer(a, (peer) => peer.stationId === 'station-b' && peer.epoch === 2);
      expect(updated).toMatchObject({ role: 'primary', epoch: 2, syncPort: 7102 });
      expect(updated.addresses[0]).toBe(pair.addressB);
    });

    it('reports the peer gone after its goodbye, once, and both stop cleanly', async () => {
      await stopAgent(b);
      await a.waitForLine((line) => line.includes('"event":"gone"'), findTimeoutMs);
      // The update's goodbye-and-announce before did not count as leaving.
      expect(linesOf(a).filter((line) => line.event === 'gone')).toEqual([
        { event: 'gone', stationId: 'station-b' },
      ]);
      await stopAgent(a);
    });
  });

  describe('where multicast cannot work', () => {
    afterAll(async () => {
      await removeAllNamespaces();
    });

    it('with no network at all (only lo, down): logs the failure, keeps running, stops cleanly', async () => {
      const isolated = createIsolatedNamespace(uniquePrefix());
      const agent = startAgent(isolated.ns, advert('station-alone'));
      const logged = await waitForLog(agent, 'discovery-error', 'query');
      expect(JSON.parse(logged)).toMatchObject({ level: 'warn', code: 'ENETUNREACH' });
      expect(agent.child.exitCode).toBeNull();
      await stopAgent(agent);
      expect(peersSeenBy(agent)).toEqual([]);
      await isolated.remove();
    });

    it('without a multicast route: answering a query fails, and the station survives it', async () => {
      // bonjour-service's default reaction to this failure is to throw, which ends the process.
      const pair = await createNetworkPair(uniquePrefix(), { multicastRoute: { a: true, b: false } });
      const routed = startAgent(pair.nsA, advert('station-routed'));
      const unrouted = startAgent(pair.nsB, advert('station-unrouted', { role: 'backup' }));
      const logged = await waitForLog(unrouted, 'discovery-error', 'respond');
      expect(JSON.parse(logged)).toMatchObject({ code: 'ENETUNREACH' });
      // It still hears its peer; only its own packets cannot leave.
      await waitForPeer(unrouted, (peer) => peer.stationId === 'station-routed');
      expect(unrouted.child.exitCode).toBeNull();
      await Promise.all([stopAgent(unrouted), stopAgent(routed)]);
      expect(peersSeenBy(routed)).toEqual([]);
      await pair.remove();
    });

    it('when the link disappears under a running station: logs the failure, keeps running, stops cleanly', async () => {
      const pair = await createNetworkPair(uniquePrefix());
      const unplugged = startAgent(pair.nsA, advert('station-unplugged'));
      const other = startAgent(pair.nsB, advert('station-other', { role: 'backup' }));
      await waitForPeer(unplugged, (peer) => peer.stationId === 'station-other');
      pair.removeLink();
      // A take-over after the network is gone: its goodbye and announcement cannot be sent.
      unplugged.send(JSON.stringify({ role: 'backup', epoch: 2 }));
      const logged = await waitForLog(unplugged, 'discovery-error');
      expect(JSON.parse(logged)).toMatchObject({ level: 'warn', code: 'ENETUNREACH' });
      expect(unplugged.child.exitCode).toBeNull();
      await Promise.all([stopAgent(unplugged), stopAgent(other)]);
      await pair.remove();
    });

    it('with port 5353 taken: logs the bind failure, survives, and finds its pair once the port is free', async () => {
      const pair = await createNetworkPair(uniquePrefix());
      // A socket without SO_REUSEADDR on 5353 makes every other bind fail with EADDRINUSE.
      const holder = execInNamespace(pair.nsB, [
        process.execPath,
        '-e',
        "require('dgram').createSocket({ type: 'udp4', reuseAddr: false }).bind(5353, () => console.log('bound'));",
      ]);
      await holder.waitForLine((line) => line === 'bound', findTimeoutMs);
      const peer = startAgent(pair.nsA, advert('station-peer'));
      const blocked = startAgent(pair.nsB, advert('station-blocked', { role: 'backup' }));
      const logged = await waitForLog(blocked, 'discovery-error', 'bind');
      expect(JSON.parse(logged)).toMatchObject({ code: 'EADDRINUSE' });
      holder.child.kill('SIGKILL');
      await holder.exit;
      // The next query retries the bind.
      await waitForPeer(blocked, (found) => found.stationId === 'station-peer');
      await waitForPeer(peer, (found) => found.stationId === 'station-blocked');
      expect(logEntries(blocked)).toContainEqual(expect.objectContaining({ event: 'discovery-recovered' }));
      await Promise.all([stopAgent(blocked), stopAgent(peer)]);
      await pair.remove();
    });
  });

  it("leaves none of this run's network namespaces behind", () => {
    expect(listNamespaces().filter((name) => name.startsWith(ourPrefix))).toEqual([]);
  });
}
