/**
 * The voter register as officials see it: registering and unregistering, and
 * a searchable list paged in on demand (a station may hold far more voters
 * than a screen could load at once). Pages are cached per search; a pushed
 * `voters-changed` marks them stale, and the rows in view are fetched again
 * while the stale ones stay on screen, so the list neither flickers nor jumps.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowReactive } from 'vue';
import {
  interfaceLimits,
  type OfficialAnswer,
  type VoterSummary,
  type WriteAnswer,
} from '../../../core/api/interface-api.ts';
import { limits } from '../../../core/protocol/limits.ts';
import type { RegisterVoterReason, UnregisterVoterReason } from '../../../core/protocol/status-codes.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { useApi } from '../api/use-api.ts';
import { utf8Bytes } from '../text/utf8.ts';
import { useSessionStore } from './session.ts';
import { useStationStore } from './station.ts';

/**
 * What became of a write: the station's reason (`ok` included), why it took no
 * writes, `unreachable` when no answer came (the write may or may not have
 * happened), or `signed-out` when the station refused the session (the app
 * then shows the sign-in screen, so there is nothing more to say).
 */
export type WriteResult<Reason extends string> = Reason | UnavailableReason | 'unreachable' | 'signed-out';
export type RegisterResult = WriteResult<RegisterVoterReason>;
export type UnregisterResult = WriteResult<UnregisterVoterReason>;

export interface NewVoter {
  readonly name: string;
  readonly group: string;
  readonly publicKey: Uint8Array;
}

export const votersPageSize = interfaceLimits.votersPageMax;
/** Pages kept in memory (of `votersPageSize` rows each); the farthest from the one just loaded go first. */
const pagesKeptMax = 40;
/** The longest text worth searching for: the longest name or group there can be. */
const searchBytesMax = Math.max(limits.voterNameBytesMax, limits.groupNameBytesMax);
/** Groups remembered for the register form's suggestions. */
const knownGroupsMax = 1_000;

export const useVotersStore = defineStore('voters', () => {
  const api = useApi();
  const session = useSessionStore();
  const station = useStationStore();

  const search = ref('');
  /** Voters matching the search; null until the first page of this search arrived. */
  const total = ref<number | null>(null);
  const listUnreachable = ref(false);
  /** Changes whenever the cached pages become stale: the list asks again for the rows it shows. */
  const listVersion = ref(0);
  const pages = shallowReactive(new Map<number, readonly VoterSummary[]>());
  /** The listVersion each cached page was loaded at, and at which each page in flight was asked for. */
  const loadedAt = new Map<number, number>();
  const requestedAt = new Map<number, number>();
  const seenGroups = shallowReactive(new Set<string>());

  async function write<Reason extends string>(
    operation: (session: Uint8Array) => Promise<OfficialAnswer<WriteAnswer<Reason>>>,
  ): Promise<WriteResult<Reason>> {
    try {
      const answer = await session.call(operation);
      if (answer === null) return 'signed-out';
      return 'unavailable' in answer ? answer.unavailable : answer.reason;
    } catch {
      return 'unreachable';
    }
  }

  async function register(voter: NewVoter): Promise<RegisterResult> {
    const result = await write((token) => api.registerVoter({ session: token, ...voter }));
    if (result === 'ok') rememberGroup(voter.group);
    return result;
  }

  function unregister(name: string): Promise<UnregisterResult> {
    return write((token) => api.unregisterVoter({ session: token, name }));
  }

  /** The row at `index` of the current search, possibly stale; null while its page is loading. */
  function rowAt(index: number): VoterSummary | null {
    return pages.get(Math.floor(index / votersPageSize))?.[index % votersPageSize] ?? null;
  }

  /**
   * Loads the pages holding rows `first` to `last` that are missing or stale.
   * Until a search's count is known, only its first page: rows further on may not exist.
   */
  function ensureRows(first: number, last: number): void {
    const version = listVersion.value;
    // An empty register still has page 0 to (re)load: it tells when the first voter arrives.
    const lastRow = total.value === null ? 0 : Math.max(0, Math.min(last, total.value - 1));
    const lastPage = Math.floor(lastRow / votersPageSize);
    for (let page = Math.floor(Math.min(first, lastRow) / votersPageSize); page <= lastPage; page += 1) {
      if (loadedAt.get(page) !== version && requestedAt.get(page) !== version) void loadPage(page, version);
    }
  }

  async function loadPage(page: number, version: number): Promise<void> {
    requestedAt.set(page, version);
    const query = search.value;
    // No name or group is that long, so nothing matches (and the station would refuse the request).
    if (utf8Bytes(query) > searchBytesMax) {
      pages.set(page, []);
      loadedAt.set(page, version);
      total.value = 0;
      requestedAt.delete(page);
      return;
    }
    try {
      const answer = await session.call((token) =>
        api.listVoters({
          session: token,
          search: query,
          offset: page * votersPageSize,
          limit: votersPageSize,
        }),
      );
      if (answer === null || version !== listVersion.value) return;
      pages.set(page, answer.voters);
      loadedAt.set(page, version);
      total.value = answer.total;
      listUnreachable.value = false;
      for (const voter of answer.voters) rememberGroup(voter.group);
      evictFarFrom(page);
    } catch {
      if (version === listVersion.value) listUnreachable.value = true;
    } finally {
      if (requestedAt.get(page) === version) requestedAt.delete(page);
    }
  }

  function evictFarFrom(page: number): void {
    while (pages.size > pagesKeptMax) {
      let farthest = page;
      for (const cached of pages.keys()) {
        if (Math.abs(cached - page) > Math.abs(farthest - page)) farthest = cached;
      }
      pages.delete(farthest);
      loadedAt.delete(farthest);
    }
  }

  /** The cached pages are stale (the register changed, or loading failed): rows in view load again. */
  function refresh(): void {
    listVersion.value += 1;
  }

  /** A new search starts from nothing: its rows have nothing to do with the cached ones. */
  function setSearch(text: string): void {
    if (text === search.value) return;
    search.value = text;
    pages.clear();
    loadedAt.clear();
    total.value = null;
    refresh();
  }

  function rememberGroup(group: string): void {
    if (seenGroups.size < knownGroupsMax) seenGroups.add(group);
  }

  /** Adds the groups of existing elections to the suggestions; best effort, the form works without them. */
  async function loadElectionGroups(): Promise<void> {
    try {
      const elections = await session.call((token) => api.listElections({ session: token }));
      for (const election of elections ?? []) election.groups.forEach(rememberGroup);
    } catch {
      // The list shows that the station cannot be reached; suggestions are not worth a second message.
    }
  }

  const knownGroups = computed(() => [...seenGroups].sort((a, b) => a.localeCompare(b)));

  station.listen((event) => {
    if (event.type === 'voters-changed') refresh();
  });

  return {
    search,
    total,
    listUnreachable,
    listVersion,
    knownGroups,
    register,
    unregister,
    rowAt,
    ensureRows,
    refresh,
    setSearch,
    loadElectionGroups,
  };
});
