import { flushPromises, type DOMWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { StationStatus } from '../../../core/api/interface-api.ts';
import StationView from '../../../renderer/src/features/station/StationView.vue';
import { FakeInterfaceApi, protectedStatus } from '../support/fake-api.ts';
import { mountScreen } from '../support/mount.ts';
import { useTimeZone } from '../support/time-zone.ts';

afterEach(() => {
  document.body.innerHTML = '';
});

/** The definition list under a heading, as `term → value`. */
function facts(section: Pick<DOMWrapper<Element>, 'findAll'>): Record<string, string> {
  const terms = section.findAll('dt').map((term) => term.text());
  const values = section.findAll('dd').map((value) => value.text());
  return Object.fromEntries(terms.map((term, index) => [term, values[index] ?? '']));
}

function warnings(wrapper: Pick<DOMWrapper<Element>, 'findAll'>): string[] {
  return wrapper.findAll('.station__warnings li').map((item) => item.text());
}

async function mountStation(api = new FakeInterfaceApi({ status: protectedStatus })) {
  const mounted = await mountScreen(StationView, { api, path: '/station', signedInAs: 'Alice' });
  const section = (heading: string) => mounted.wrapper.get(`section[aria-labelledby="${heading}"]`);
  return { ...mounted, section };
}

describe('the station screen', () => {
  it('shows this station and its paired station', async () => {
    const { section, wrapper } = await mountStation();
    expect(wrapper.get('h1').text()).toBe('Station');
    expect(facts(section('station-self-heading'))).toEqual({
      Role: 'Primary',
      Epoch: '3',
      'Station id': 'station-a',
      'Takes changes': 'Yes',
    });
    expect(facts(section('station-peer-heading'))).toEqual({
      'Station id': 'station-b',
      Address: '192.168.1.21:50052',
      Connected: 'Yes',
      'In sync': 'Yes',
      'Behind by': 'no records',
    });
    expect(warnings(wrapper)).toEqual([]);
    expect(wrapper.text()).toContain('No warnings');
  });

  it('follows the status the station pushes', async () => {
    const { api, section, wrapper } = await mountStation();
    api.setStatus({
      epoch: 4,
      unprotected: true,
      peer: { ...protectedStatus.peer, inSync: false, lagRecords: 1_250 },
    });
    await flushPromises();
    expect(facts(section('station-self-heading')).Epoch).toBe('4');
    expect(facts(section('station-peer-heading'))).toMatchObject({
      'In sync': 'No',
      'Behind by': '1250 records',
    });
    expect(warnings(wrapper)).toEqual([
      expect.stringMatching(
        /^Warning: Unprotected\. Votes and changes acknowledged now exist on this machine only/,
      ),
    ]);

    api.setStatus(protectedStatus);
    await flushPromises();
    expect(warnings(wrapper)).toEqual([]);
  });

  it('warns of a lone primary: unprotected and no backup, with no paired station seen', async () => {
    const { section, wrapper } = await mountStation(new FakeInterfaceApi());
    expect(warnings(wrapper)).toEqual([
      expect.stringContaining('Warning: Unprotected.'),
      'Warning: No backup station is connected.',
    ]);
    expect(section('station-peer-heading').text()).toContain('No paired station has been seen yet.');
  });

  it('says a backup is read-only and where the primary is', async () => {
    const api = new FakeInterfaceApi({
      status: {
        ...protectedStatus,
        role: 'backup',
        writable: false,
        peer: { ...protectedStatus.peer, address: '10.0.0.7:50052' },
      },
    });
    const { section, wrapper } = await mountStation(api);
    expect(facts(section('station-self-heading'))).toMatchObject({ Role: 'Backup', 'Takes changes': 'No' });
    expect(warnings(wrapper)).toEqual([
      'Warning: Read-only. This station is the backup: it takes no changes. Register voters and create elections on the primary station, at 10.0.0.7:50052.',
    ]);
    api.setStatus({ peer: { ...api.status.peer, connected: false, address: '' } });
    await flushPromises();
    expect(warnings(wrapper)).toEqual([expect.stringMatching(/on the primary station\.$/)]);
  });

  it('says a primary handing over is read-only for a moment', async () => {
    const { wrapper } = await mountStation(
      new FakeInterfaceApi({ status: { ...protectedStatus, writable: false } }),
    );
    expect(warnings(wrapper)).toEqual([expect.stringContaining('Read-only for a moment.')]);
  });

  it('shows the log newest first with its level in words, then each pushed entry', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    api.addAudit('info', 'station-started', 'the station started');
    api.addAudit('warn', 'replication-unprotected', 'no backup in sync');
    const { wrapper } = await mountStation(api);
    const table = wrapper.get('table');
    expect(table.get('caption').text()).toBe('What the station has done, newest first');
    const rows = () =>
      table
        .findAll('tbody tr')
        .map((row) => row.findAll('td').map((cell, index) => (index === 0 ? '' : cell.text())));
    expect(rows()).toEqual([
      ['', 'Warning', 'replication-unprotected', 'no backup in sync'],
      ['', 'Information', 'station-started', 'the station started'],
    ]);
    expect(table.get('tbody time').attributes('datetime')).toBe(new Date(api.nowMs).toISOString());

    api.addAudit('error', 'storage-failed', 'the disk refused a write');
    await flushPromises();
    expect(rows()[0]).toEqual(['', 'Error', 'storage-failed', 'the disk refused a write']);
    expect(rows()).toHaveLength(3);
  });

  it('says when the log could not be loaded', async () => {
    const api = new FakeInterfaceApi({ status: protectedStatus });
    api.auditLog = () => Promise.reject(new TypeError('Failed to fetch'));
    const { wrapper } = await mountStation(api);
    expect(wrapper.get('section[aria-labelledby="audit-heading"] [role="alert"]').text()).toContain(
      'The earlier entries of the log could not be loaded',
    );
  });
});

describe('the witness and the majority on the station screen', () => {
  useTimeZone('Asia/Taipei');
  const witnessed: StationStatus = {
    ...protectedStatus,
    witness: { configured: true, connected: true, address: '192.168.1.30:50053' },
    quorum: { held: true, untilMs: Date.UTC(2030, 4, 1, 8, 0, 5) },
  };

  it('says a station without a witness decides alone', async () => {
    const { section } = await mountStation();
    const witness = section('station-witness-heading');
    expect(witness.get('h2').text()).toBe('Witness');
    expect(witness.text()).toContain('No witness: this station decides alone.');
    expect(witness.text()).toContain('listed in the conflict report below');
    expect(witness.find('dl').exists()).toBe(false);
  });

  it('shows the witness, that it is connected, and until when the majority was last confirmed', async () => {
    const { section, wrapper } = await mountStation(new FakeInterfaceApi({ status: witnessed }));
    expect(facts(section('station-witness-heading'))).toEqual({
      Address: '192.168.1.30:50053',
      Connected: 'Yes',
      Majority:
        'Held: this station may take changes. Last confirmed until 2030-05-01 16:00:05 (Asia/Taipei, UTC+08:00); it is renewed every few seconds.',
    });
    expect(warnings(wrapper)).toEqual([]);
  });

  it('follows a lost majority: why, as the station says it, and that the primary is read-only', async () => {
    const api = new FakeInterfaceApi({ status: witnessed });
    const { section, wrapper } = await mountStation(api);
    api.setStatus({
      writable: false,
      witness: { ...witnessed.witness, connected: false },
      quorum: {
        held: false,
        reason: 'the witness at 192.168.1.30:50053 cannot be reached and the backup is not in sync',
      },
    });
    await flushPromises();
    expect(facts(section('station-witness-heading'))).toMatchObject({
      Connected: 'No',
      Majority:
        'Not held: this station takes no changes. The station says: the witness at 192.168.1.30:50053 cannot be reached and the backup is not in sync',
    });
    expect(warnings(wrapper)).toEqual([
      'Warning: Read-only. This station does not hold a majority: neither the witness nor its backup confirmed it in time. It takes changes again as soon as one of them does.',
    ]);

    api.setStatus({ quorum: { held: false } });
    await flushPromises();
    expect(facts(section('station-witness-heading')).Majority).toBe(
      'Not held: this station takes no changes until the witness or its backup confirms it.',
    );
  });

  it('says a backup holds no majority of its own', async () => {
    const api = new FakeInterfaceApi({
      status: { ...witnessed, role: 'backup', writable: false, quorum: { held: false } },
    });
    const { section } = await mountStation(api);
    expect(facts(section('station-witness-heading')).Majority).toBe(
      'Not held: this station is the backup and takes no changes.',
    );
  });
});
