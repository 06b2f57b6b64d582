/**
 * The station's conflict report (core/engine/conflicts.ts): what was decided
 * when the commands two stations took during a split were reconciled. Loaded
 * while a screen follows it (the station screen, a result's report), and
 * reloaded when the station pushes `conflicts-changed`, never on a timer.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ConflictReport, StationEvent } from '../../../core/api/interface-api.ts';
import { useApi } from '../api/use-api.ts';
import { coalescedReload, eventFollower, officialLoad, type LoadState } from './follow-events.ts';
import { useSessionStore } from './session.ts';
import { useStationStore } from './station.ts';

export const useConflictsStore = defineStore('conflicts', () => {
  const api = useApi();
  const session = useSessionStore();
  const station = useStationStore();
  /** The last report loaded; null until one is. */
  const report = shallowRef<ConflictReport | null>(null);
  const state = ref<LoadState>('idle');

  const load = officialLoad(
    state,
    () => session.call((token) => api.conflictReport({ session: token })),
    (loaded) => {
      report.value = loaded;
    },
  );

  const refresh = coalescedReload(load);

  function onEvent(event: StationEvent): void {
    if (event.type === 'conflicts-changed') void refresh();
  }

  /** Loads the report and keeps it current until the returned function is called (screens call it on unmount). */
  const follow = eventFollower(station.listen, onEvent, refresh);

  return { report, state, follow, refresh };
});
