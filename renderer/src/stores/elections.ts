/**
 * The elections as the station lists them. Loaded while a screen follows
 * them, and reloaded when the station pushes `elections-changed` or
 * `election-closed`, never on a timer.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ElectionSummary, StationEvent } from '../../../core/api/interface-api.ts';
import { useApi } from '../api/use-api.ts';
import type { CreateElectionAnswer, ElectionRequest } from '../features/elections/election-draft.ts';
import { coalescedReload, eventFollower, officialLoad, type LoadState } from './follow-events.ts';
import { useSessionStore } from './session.ts';
import { useStationStore } from './station.ts';

export type ElectionsState = LoadState;

/** Open elections first, soonest end first; then closed ones, latest end first. */
function byEnd(a: ElectionSummary, b: ElectionSummary): number {
  if (a.open !== b.open) return a.open ? -1 : 1;
  return a.open ? a.endsAtMs - b.endsAtMs : b.endsAtMs - a.endsAtMs;
}

export const useElectionsStore = defineStore('elections', () => {
  const api = useApi();
  const session = useSessionStore();
  const station = useStationStore();
  const elections = shallowRef<readonly ElectionSummary[]>([]);
  const state = ref<ElectionsState>('idle');

  const load = officialLoad(
    state,
    () => session.call((token) => api.listElections({ session: token })),
    (listed) => {
      elections.value = [...listed].sort(byEnd);
    },
  );

  /** Reloads the list; events arriving during a load cause one more load, not one each. */
  const refresh = coalescedReload(load);

  function onEvent(event: StationEvent): void {
    if (event.type === 'election-closed') {
      // Shown as closed at once; the reload that follows brings the final vote count.
      elections.value = elections.value
        .map((election) => (election.name === event.election ? { ...election, open: false } : election))
        .sort(byEnd);
    }
    if (event.type === 'elections-changed' || event.type === 'election-closed') void refresh();
  }

  /** Loads the list and keeps it current until the returned function is called (screens call it on unmount). */
  const follow = eventFollower(station.listen, onEvent, refresh);

  async function create(request: ElectionRequest): Promise<CreateElectionAnswer> {
    try {
      const answer = await session.call((token) => api.createElection({ session: token, ...request }));
      if (answer === null) return 'signed-out';
      if ('reason' in answer && answer.reason === 'ok') void refresh();
      return answer;
    } catch {
      return 'unreachable';
    }
  }

  const closed = computed(() => elections.value.filter((election) => !election.open));
  const open = computed(() => elections.value.filter((election) => election.open));

  return { elections, state, open, closed, follow, refresh, create };
});
