/**
 * A small network of network namespaces for partition tests, made by the
 * test and removed afterwards (names `evt-<pid>-<n>-…`, see
 * tests/discovery/netns.ts):
 *
 * - a "switch" namespace holding a Linux bridge;
 * - one namespace per member (stations `a` and `b`, witness `w`), each with
 *   a `cluster` veth plugged into the bridge (10.80.0.1, .2, .3 /24): every
 *   fault is made on these links;
 * - for the stations, a second veth, the "client link", to the test's own
 *   namespace, on a /30 of its own: the test's clients reach each station's
 *   gRPC and HTTP ports over it at all times. It is never cut.
 *
 * Nothing here multicasts: the stations run with --no-mdns and fixed peers,
 * and IPv6 is off on every link made here (no router solicitations, no MLD),
 * so the test's own namespace only ever sees unicast TCP to the stations.
 *
 * Faults (each undone by `heal`): a member's switch port down (cable pulled
 * at the switch), the switch dropping everything sent to a member (a one-way
 * cut: it still sends), a slow and lossy link (a token bucket of 64 kbit/s
 * both ways, packets queued past 300 ms dropped), one member's packets to
 * another dropped (a blackhole route in the sender's namespace), and a
 * flapping port. This kernel has no `netem` qdisc (nor tc classifiers or
 * actions), so loss and delay are made with the token bucket filter instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createIsolatedNamespace,
  ip,
  runCommand,
  uniquePrefix,
  waitForCarrier,
  type IsolatedNamespace,
} from '../discovery/netns.ts';

export type MemberName = 'a' | 'b' | 'w';

export interface Member {
  readonly name: MemberName;
  readonly ns: string;
  /** Its address on the switch, where the stations and the witness talk. */
  readonly clusterAddress: string;
  /** Its address on the client link (stations only), reachable from the test process; null for the witness. */
  readonly clientAddress: string | null;
}

/** A fault in place, and when it was made (for the report of a failed test). */
export interface FaultRecord {
  readonly atMs: number;
  readonly what: string;
}

export interface PartitionNetwork {
  member(name: MemberName): Member;
  /** Pulls the member's cable at the switch: nothing goes either way. */
  unplug(name: MemberName): void;
  /** The switch drops everything sent to the member; what it sends still goes out. */
  deafen(name: MemberName): void;
  /** A slow, lossy link between the member and the switch, both ways. */
  slow(name: MemberName): void;
  /** Packets from `from` to `to` are dropped (a blackhole route in `from`); the other way still works. */
  block(from: MemberName, to: MemberName): void;
  /** Pulls and plugs the member's cable every `periodMs` for `durationMs`; ends plugged in. */
  flap(name: MemberName, periodMs: number, durationMs: number): Promise<void>;
  /** Undoes every fault in place and waits until every cluster link has its carrier again. */
  heal(): Promise<void>;
  /** Every fault made and every heal, in order. */
  readonly timeline: readonly FaultRecord[];
  /** Removes the namespaces (the processes started in them are killed first). */
  remove(): Promise<void>;
}

const clusterSubnet = '10.80.0';
const bridgeName = 'switch';
const clusterDevice = 'cluster';
const clientDevice = 'client';
/** Linux's limit on interface names; the client link's end in the test's namespace is named like its namespace. */
const maxInterfaceName = 15;
/** Drops every packet: a bucket smaller than any packet. */
const dropAll = ['tbf', 'rate', '8bit', 'burst', '10', 'limit', '10'];
const slowLink = ['tbf', 'rate', '64kbit', 'burst', '1600', 'latency', '300ms'];
/** Whether this kernel has IPv6 at all (without it there is nothing to turn off). */
const ipv6Exists = existsSync('/proc/sys/net/ipv6/conf');

/** Makes the switch and the members' namespaces and links (IPv6 off everywhere), with no fault in place. */
export async function createPartitionNetwork(names: readonly MemberName[]): Promise<PartitionNetwork> {
  const prefix = uniquePrefix();
  const namespaces: IsolatedNamespace[] = [];
  const members = new Map<MemberName, Member>();
  const undo: { readonly what: string; readonly run: () => void }[] = [];
  const timeline: FaultRecord[] = [];
  /** This network's client links' ends in the test's namespace. */
  const ownLinks: string[] = [];
  const note = (what: string): void => {
    timeline.push({ atMs: Date.now(), what });
  };
  try {
    const switchNs = createIsolatedNamespace(prefix, 's');
    namespaces.push(switchNs);
    disableIpv6InNamespace(switchNs.ns, []);
    ip(['-n', switchNs.ns, 'link', 'add', bridgeName, 'type', 'bridge']);
    ip(['-n', switchNs.ns, 'link', 'set', 'dev', bridgeName, 'up']);
    const clientBase = freeClientSubnet();
    for (const [index, name] of names.entries()) {
      const isStation = name !== 'w';
      const memberNs = createIsolatedNamespace(prefix, name);
      namespaces.push(memberNs);
      const ns = memberNs.ns;
      if (ns.length > maxInterfaceName) throw new RangeError(`${ns} is too long for an interface name`);
      disableIpv6InNamespace(ns, []);
      ip(['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
      // The cluster link: `cluster` in the member's namespace, a port named after the member on the switch.
      addVeth(ns, clusterDevice, name, switchNs.ns);
      disableIpv6InNamespace(ns, [clusterDevice]);
      disableIpv6InNamespace(switchNs.ns, [name]);
      ip(['-n', switchNs.ns, 'link', 'set', 'dev', name, 'master', bridgeName]);
      ip(['-n', switchNs.ns, 'link', 'set', 'dev', name, 'up']);
      const clusterAddress = `${clusterSubnet}.${index + 1}`;
      ip(['-n', ns, 'addr', 'add', `${clusterAddress}/24`, 'dev', clusterDevice]);
      ip(['-n', ns, 'link', 'set', 'dev', clusterDevice, 'up']);
      let clientAddress: string | null = null;
      if (isStation) {
        // The client link's other end is made in the test's own namespace (down), IPv6 off before it is up.
        addVeth(ns, clientDevice, ns, `${process.pid}`);
        clientLinks.add(ns);
        ownLinks.push(ns);
        disableIpv6InNamespace(ns, [clientDevice]);
        if (ipv6Exists) writeFileSync(`/proc/sys/net/ipv6/conf/${ns}/disable_ipv6`, '1');
        ip(['addr', 'add', `${clientBase}.${index * 4 + 1}/30`, 'dev', ns]);
        ip(['link', 'set', 'dev', ns, 'up']);
        clientAddress = `${clientBase}.${index * 4 + 2}`;
        ip(['-n', ns, 'addr', 'add', `${clientAddress}/30`, 'dev', clientDevice]);
        ip(['-n', ns, 'link', 'set', 'dev', clientDevice, 'up']);
      }
      members.set(name, { name, ns, clusterAddress, clientAddress });
    }
    await waitForCarriers(members);
  } catch (error) {
    await Promise.all(namespaces.map((namespace) => namespace.remove()));
    for (const link of ownLinks) deleteLink(link);
    throw error;
  }

  const member = (name: MemberName): Member => {
    const found = members.get(name);
    if (found === undefined) throw new Error(`no member ${name} in this network`);
    return found;
  };
  const switchNs = `${prefix}-s`;
  const apply = (what: string, make: () => void, unmake: () => void): void => {
    make();
    undo.push({ what, run: unmake });
    note(what);
  };
  const port = (name: MemberName, state: 'up' | 'down'): void => {
    ip(['-n', switchNs, 'link', 'set', 'dev', name, state]);
  };
  const qdisc = (ns: string, device: string, change: 'add' | 'del', spec: readonly string[] = []): void => {
    runCommand('tc', ['-n', ns, 'qdisc', change, 'dev', device, 'root', ...spec]);
  };
  return {
    member,
    unplug(name) {
      apply(
        `${name} unplugged`,
        () => {
          port(name, 'down');
        },
        () => {
          port(name, 'up');
        },
      );
    },
    deafen(name) {
      apply(
        `${name} deaf (the switch drops all sent to it)`,
        () => {
          qdisc(switchNs, name, 'add', dropAll);
        },
        () => {
          qdisc(switchNs, name, 'del');
        },
      );
    },
    slow(name) {
      const { ns } = member(name);
      apply(
        `${name} on a slow lossy link`,
        () => {
          qdisc(switchNs, name, 'add', slowLink);
          qdisc(ns, clusterDevice, 'add', slowLink);
        },
        () => {
          qdisc(switchNs, name, 'del');
          qdisc(ns, clusterDevice, 'del');
        },
      );
    },
    block(from, to) {
      const route = ['blackhole', `${member(to).clusterAddress}/32`];
      const { ns } = member(from);
      apply(
        `${from} cannot send to ${to}`,
        () => {
          ip(['-n', ns, 'route', 'add', ...route]);
        },
        () => {
          ip(['-n', ns, 'route', 'del', ...route]);
        },
      );
    },
    async flap(name, periodMs, durationMs) {
      // Plugged in again by a heal, whatever happens meanwhile.
      apply(
        `${name} flapping every ${periodMs} ms`,
        () => undefined,
        () => {
          port(name, 'up');
        },
      );
      const endMs = Date.now() + durationMs;
      while (Date.now() < endMs) {
        port(name, 'down');
        await sleep(periodMs);
        port(name, 'up');
        await sleep(periodMs);
      }
      note(`${name} stopped flapping`);
    },
    async heal() {
      for (const fault of undo.splice(0).reverse()) fault.run();
      note('healed');
      await waitForCarriers(members);
    },
    timeline,
    async remove() {
      await Promise.all(namespaces.map((namespace) => namespace.remove()));
      // A namespace outlives its deletion while its sockets close: its links to this one go now.
      for (const link of ownLinks) deleteLink(link);
    },
  };
}

async function waitForCarriers(members: ReadonlyMap<MemberName, Member>): Promise<void> {
  await Promise.all(
    [...members.values()].flatMap((member) => [
      waitForCarrier(member.ns, clusterDevice),
      ...(member.clientAddress === null ? [] : [waitForCarrier(member.ns, clientDevice)]),
    ]),
  );
}

/** The client links' ends in the test's namespace that may still exist (deleted on exit at the latest). */
const clientLinks = new Set<string>();

function deleteLink(link: string): void {
  spawnSync('ip', ['link', 'del', 'dev', link], { encoding: 'utf8' });
  clientLinks.delete(link);
}

process.on('exit', () => {
  for (const link of clientLinks) deleteLink(link);
});

/** A veth pair: `device` in `ns` and `peer` made directly in `peerNs` (a name, or a pid for its namespace). */
function addVeth(ns: string, device: string, peer: string, peerNs: string): void {
  ip(['-n', ns, 'link', 'add', device, 'type', 'veth', 'peer', 'name', peer, 'netns', peerNs]);
}

/** IPv6 off for the namespace's new interfaces (none given) or for the interfaces given. */
function disableIpv6InNamespace(ns: string, devices: readonly string[]): void {
  if (!ipv6Exists) return;
  const names = devices.length === 0 ? ['all', 'default'] : devices;
  runCommand('ip', [
    'netns',
    'exec',
    ns,
    'sysctl',
    '-q',
    '-w',
    ...names.map((device) => `net.ipv6.conf.${device}.disable_ipv6=1`),
  ]);
}

/** A 10.x.y (a /24's first three octets) that no address or route of the test's namespace uses. */
function freeClientSubnet(): string {
  const taken = `${spawnSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }).stdout}\n${
    spawnSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout
  }`;
  for (let offset = 0; offset < 256 * 50; offset += 1) {
    const slot = (process.pid + offset) % (256 * 50);
    const base = `10.${200 + Math.floor(slot / 256)}.${slot % 256}`;
    if (!new RegExp(`(^|\\s)${base.replaceAll('.', '\\.')}\\.`, 'm').test(taken)) return base;
  }
  throw new Error('no free 10.200-249.x.0/24 for the client links');
}
