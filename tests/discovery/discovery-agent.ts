/**
 * A station's discovery alone, for tests: run inside a network namespace with
 * `node --import tsx discovery-agent.ts '<config JSON>'`, where the config is
 * `{ "advert": StationAdvert, "interfaceAddress"?: string }`.
 *
 * stdout: one JSON object per line: `{"event":"started"}`,
 * `{"event":"peer","peer":DiscoveredPeer}`, `{"event":"gone","stationId":…}`,
 * `{"event":"stopped"}`. stderr: the discovery log (JSON lines).
 * stdin: each line `{"role":…,"epoch":…}` updates the advert.
 * SIGTERM: stops discovery (mDNS goodbye) and exits 0.
 */
import { readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createJsonLineLogger } from '../../core/logging/logger.ts';
import { startDiscovery, type StationAdvert } from '../../core/discovery/station-discovery.ts';
import { testNamespaceVariable } from './netns.ts';

// mDNS must never leave this machine: refuse to run in the network namespace
// the test itself runs in (the machine's own), or when not started by netns.ts.
const testNamespace = process.env[testNamespaceVariable];
if (testNamespace === undefined || readlinkSync('/proc/self/ns/net') === testNamespace) {
  process.stderr.write('discovery-agent: refusing to multicast outside a test network namespace\n');
  process.exit(2);
}

interface AgentConfig {
  readonly advert: StationAdvert;
  readonly interfaceAddress?: string;
}

const config = JSON.parse(process.argv[2] ?? '') as AgentConfig;

function print(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const discovery = startDiscovery({
  advert: config.advert,
  logger: createJsonLineLogger((line) => process.stderr.write(line)),
  onPeer: (peer) => {
    print({ event: 'peer', peer });
  },
  onPeerGone: (stationId) => {
    print({ event: 'gone', stationId });
  },
  ...(config.interfaceAddress === undefined ? {} : { interfaceAddress: config.interfaceAddress }),
});
print({ event: 'started' });

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const change = JSON.parse(line) as Pick<StationAdvert, 'role' | 'epoch'>;
  discovery.update(change);
});

process.once('SIGTERM', () => {
  input.close();
  process.stdin.destroy();
  void discovery.stop().then(() => {
    print({ event: 'stopped' });
    // Exits by itself only if discovery left no socket or timer behind; the test waits for that.
  });
});
