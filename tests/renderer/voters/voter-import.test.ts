import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newCredential, parseCredential, publicKeyOf } from '../../../renderer/src/credentials/credential.ts';
import VoterImport from '../../../renderer/src/features/voters/components/VoterImport.vue';
import { FakeInterfaceApi } from '../support/fake-api.ts';
import { captureDownloads } from '../support/downloads.ts';
import { mountScreen } from '../support/mount.ts';
import { buttonNamed, descriptionOf, fieldLabelled } from './screen-queries.ts';

/** What the screen handed to the browser to save, by file name. */
const saved = captureDownloads();

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

const key = publicKeyOf(newCredential('voter', 'someone'));
const hex = Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('');

async function mountImport(api = new FakeInterfaceApi()) {
  return mountScreen(VoterImport, { api, signedInAs: 'Official Lin' });
}

async function chooseAndImport(wrapper: VueWrapper, file: File): Promise<void> {
  const input = fieldLabelled(wrapper, 'CSV file');
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  await input.trigger('change');
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

const csvFile = (lines: readonly string[], name = 'voters.csv'): File =>
  new File([lines.join('\n')], name, { type: 'text/csv' });

/** Holds every registration until released, to see what is in flight. */
function holdRegistrations(api: FakeInterfaceApi) {
  const waiting: (() => void)[] = [];
  const register = api.registerVoter.bind(api);
  vi.spyOn(api, 'registerVoter').mockImplementation(async (request) => {
    await new Promise<void>((resolve) => waiting.push(resolve));
    return register(request);
  });
  return {
    waiting,
    async releaseAll(): Promise<void> {
      while (waiting.length > 0) {
        waiting.splice(0).forEach((release) => {
          release();
        });
        await flushPromises();
      }
    },
  };
}

const progressText = (wrapper: VueWrapper) => wrapper.get('[data-testid="import-progress"]').text();
const reportRows = (wrapper: VueWrapper) =>
  wrapper.findAll('table tbody tr').map((row) => row.findAll('td').map((cell) => cell.text()));

describe('importing good rows', () => {
  it('registers every row, with a new credential for each row without a key', async () => {
    const { wrapper, api } = await mountImport();
    await chooseAndImport(
      wrapper,
      csvFile(['name,group,publicKey', 'Chen Mei,A,', `Lin,B,${hex}`, 'Wang,A,']),
    );

    expect(api.callsOf('registerVoter').map((call) => [call.name, call.group])).toEqual([
      ['Chen Mei', 'A'],
      ['Lin', 'B'],
      ['Wang', 'A'],
    ]);
    expect(api.callsOf('registerVoter').every((call) => call.publicKey.length === 32)).toBe(true);
    expect(api.voters.get('Lin')?.publicKey).toEqual(key);
    expect(progressText(wrapper)).toBe('3 of 3');
    const progress = wrapper.get('progress');
    expect([progress.attributes('value'), progress.attributes('max')]).toEqual(['3', '3']);
    expect(fieldLabelled(wrapper, 'Import progress').element.tagName).toBe('PROGRESS');
    const summary = wrapper.get('[data-testid="import-summary"]');
    expect(summary.text()).toContain('3 of 3 voters registered.');
    expect(document.activeElement).toBe(summary.element);
    expect(wrapper.find('table').exists()).toBe(false);
    expect(wrapper.text()).toContain('2 voters got a new credential.');
  });

  it('hands the new credentials over as one file of credential files, and as printable cards', async () => {
    const { wrapper, api } = await mountImport();
    await chooseAndImport(
      wrapper,
      csvFile(['name,group,publicKey', 'Chen Mei,A,', `Lin,B,${hex}`, 'Wang,A,']),
    );

    await buttonNamed(wrapper, 'Save all new credentials (one file)').trigger('click');
    const file = saved.get('voter-credentials.evote.json');
    const entries = JSON.parse((await file?.text()) ?? '[]') as unknown[];
    const credentials = entries.map((entry) => parseCredential(JSON.stringify(entry), 'voter'));
    expect(credentials.map((parsed) => ('credential' in parsed ? parsed.credential.name : parsed))).toEqual([
      'Chen Mei',
      'Wang',
    ]);
    // Each file's key pair is the one the station registered.
    for (const parsed of credentials) {
      if (!('credential' in parsed)) throw new Error('not a credential');
      expect(api.voters.get(parsed.credential.name)?.publicKey).toEqual(publicKeyOf(parsed.credential));
    }

    const show = buttonNamed(wrapper, 'Show printable cards');
    await show.trigger('click');
    await flushPromises();
    expect(show.attributes('aria-expanded')).toBe('true');
    expect(wrapper.find('section[aria-label="Credential of Chen Mei"]').exists()).toBe(true);
    expect(wrapper.find('section[aria-label="Credential of Wang"]').exists()).toBe(true);
    expect(wrapper.text()).toContain('Cards 1 to 2 of 2');
  });

  it('keeps at most 8 registrations in flight, and the progress reaches m of m', async () => {
    const api = new FakeInterfaceApi();
    const held = holdRegistrations(api);
    const { wrapper } = await mountImport(api);
    const rows = Array.from({ length: 20 }, (_, index) => `Voter ${index},A,${hex}`);
    await chooseAndImport(wrapper, csvFile(['name,group,publicKey', ...rows]));

    expect(held.waiting).toHaveLength(8);
    expect(progressText(wrapper)).toBe('0 of 20');
    expect(document.activeElement?.textContent.trim()).toBe('Stop import');
    held.waiting.splice(0, 3).forEach((release) => {
      release();
    });
    await flushPromises();
    expect(progressText(wrapper)).toBe('3 of 20');
    expect(held.waiting).toHaveLength(8);

    await held.releaseAll();
    expect(progressText(wrapper)).toBe('20 of 20');
    expect(wrapper.get('[data-testid="import-summary"]').text()).toContain('20 of 20 voters registered.');
    expect(api.voters.size).toBe(20);
  });
});

describe('importing bad rows', () => {
  it('reports each row not registered by its number, name and precise reason, and registers the rest', async () => {
    const api = new FakeInterfaceApi();
    api.addVoter(newCredential('voter', 'Lin'), 'B');
    const { wrapper } = await mountImport(api);
    await chooseAndImport(
      wrapper,
      csvFile([
        'name,group,publicKey',
        'Chen Mei,A,',
        'Lin,B,',
        ',A,',
        `Wang,C,${hex.slice(4)}`,
        'Chen Mei,D,',
        'Ho,E,',
        `Lee,${'g'.repeat(129)},`,
        'Kao,F\u0007,',
      ]),
    );

    expect(reportRows(wrapper)).toEqual([
      ['3', 'Lin', 'A voter named “Lin” is already registered. Choose another name.'],
      ['4', '', 'The name is empty.'],
      ['5', 'Wang', 'The public key is 30 bytes long; it must be exactly 32.'],
      ['6', 'Chen Mei', 'The same name as row 2.'],
      ['8', 'Lee', 'This group is too long: at most 128 bytes (a Chinese character takes 3).'],
      [
        '9',
        'Kao',
        'This group cannot be used: it must be at most 128 bytes of printable text, without line breaks or control characters.',
      ],
    ]);
    expect(
      wrapper
        .get('table')
        .findAll('th')
        .map((cell) => cell.text()),
    ).toEqual(['Row', 'Name', 'Reason']);
    const summary = wrapper.get('[data-testid="import-summary"]').text();
    expect(summary).toContain('2 of 8 voters registered.');
    expect(summary).toContain('6 rows were not registered; see the table below.');
    expect(progressText(wrapper)).toBe('8 of 8');
    expect([...api.voters.keys()].sort()).toEqual(['Chen Mei', 'Ho', 'Lin']);
    // A row the station would refuse as a malformed request is never sent.
    expect(api.callsOf('registerVoter').map((request) => request.name)).not.toContain('Lee');
  });

  it('saves the full report as CSV, with names kept as text', async () => {
    const { wrapper } = await mountImport();
    await chooseAndImport(wrapper, csvFile(['name,group', '=cmd(),', 'Ok,A']));
    await buttonNamed(wrapper, 'Save the report (CSV)').trigger('click');
    const text = (await saved.get('voter-import-report.csv')?.text()) ?? '';
    expect(text.split('\r\n')).toEqual(['Row,Name,Reason', '2,"\'=cmd()",The group is empty.']);
  });

  it('stops at a station that takes no more writes, and says why', async () => {
    const api = new FakeInterfaceApi();
    const { wrapper } = await mountImport(api);
    api.setUnavailable('storage-full');
    const rows = Array.from({ length: 30 }, (_, index) => `Voter ${index},A,${hex}`);
    await chooseAndImport(wrapper, csvFile(['name,group,publicKey', ...rows]));

    const summary = wrapper.get('[data-testid="import-summary"]').text();
    expect(summary).toContain('Import stopped: The station’s disk is full');
    expect(summary).toContain('0 of 30 voters registered.');
    // Only the first rows in flight were tried.
    expect(api.callsOf('registerVoter')).toHaveLength(8);
    expect(summary).toContain('Import stopped: 22 rows were not tried.');
  });
});

describe('refusing a file', () => {
  it.each([
    [['name', 'Chen'], 'The first line must name the columns. Missing: group.'],
    [['Chen Mei,A', 'Lin,B'], 'The first line names an unknown column, “Chen Mei”.'],
    [['name,group,name'], 'The first line names the column “name” twice.'],
    [['name,group'], 'This file names the columns but lists no voters.'],
    [[''], 'This file is empty.'],
  ])('explains %j next to the file field and sends nothing', async (lines, problem) => {
    const { wrapper, api } = await mountImport();
    await chooseAndImport(wrapper, csvFile(lines));

    const input = fieldLabelled(wrapper, 'CSV file');
    expect(descriptionOf(wrapper, input)).toContain(problem);
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input.element);
    expect(api.callsOf('registerVoter')).toEqual([]);
  });

  it('refuses a file over 10 MB without reading it', async () => {
    const { wrapper, api } = await mountImport();
    const file = csvFile(['name,group']);
    Object.defineProperty(file, 'size', { value: 10 * 1024 * 1024 + 1 });
    const read = vi.spyOn(file, 'text');
    await chooseAndImport(wrapper, file);
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'CSV file'))).toContain(
      'This file is 10.0 MB; at most 10 MB can be imported at once.',
    );
    expect(read).not.toHaveBeenCalled();
    expect(api.callsOf('registerVoter')).toEqual([]);
  });

  it('asks for a file when none is chosen', async () => {
    const { wrapper } = await mountImport();
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(descriptionOf(wrapper, fieldLabelled(wrapper, 'CSV file'))).toContain('Choose a CSV file first.');
  });
});

describe('stopping an import', () => {
  it('starts no further rows, lets those in flight finish, and reports what was not tried', async () => {
    const api = new FakeInterfaceApi();
    const held = holdRegistrations(api);
    const { wrapper } = await mountImport(api);
    const rows = Array.from({ length: 20 }, (_, index) => `Voter ${index},A`);
    await chooseAndImport(wrapper, csvFile(['name,group', ...rows]));

    const stop = buttonNamed(wrapper, 'Stop import');
    await stop.trigger('click');
    expect(stop.text()).toBe('Stopping after the rows in progress…');
    expect(stop.attributes('aria-disabled')).toBe('true');
    await held.releaseAll();

    expect(api.callsOf('registerVoter')).toHaveLength(8);
    expect(api.voters.size).toBe(8);
    expect(progressText(wrapper)).toBe('8 of 20');
    const summary = wrapper.get('[data-testid="import-summary"]').text();
    expect(summary).toContain('8 of 20 voters registered.');
    expect(summary).toContain('Import stopped: 12 rows were not tried.');
    // The rows registered before stopping still get their credentials.
    expect(wrapper.text()).toContain('8 voters got a new credential.');
  });

  it('clears everything for the next file', async () => {
    const { wrapper } = await mountImport();
    await chooseAndImport(wrapper, csvFile(['name,group', 'Chen,A']));
    await buttonNamed(wrapper, 'Done, clear the import').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="import-summary"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('got a new credential');
    expect(document.activeElement).toBe(fieldLabelled(wrapper, 'CSV file').element);
  });
});
