/**
 * The station as the interface sees it: its status, whether setup is needed,
 * the offset of the station's clock from this screen's clock (countdowns use
 * station time), and whether it can be reached. Kept current by pushed events
 * and by the state of the link that carries them, never by polling.
 */
import { defineStore } from 'pinia';
import { computed, inject, ref, shallowRef } from 'vue';
import type { AuditEntry, StationEvent, StationStatus } from '../../../core/api/interface-api.ts';
import { linkKey, useApi, type LinkState } from '../api/use-api.ts';

/** Listeners for the events other stores care about (voters, elections); the station store owns the one subscription. */
type EventListener = (event: StationEvent) => void;

export const useStationStore = defineStore('station', () => {
  const api = useApi();
  const status = shallowRef<StationStatus | null>(null);
  const needsFirstOfficial = ref(false);
  const clockOffsetMs = ref(0);
  const audit = shallowRef<readonly AuditEntry[]>([]);
  /** The last overview asked for got no answer. */
  const overviewFailed = ref(false);
  /** The event stream's state; 'connected' until it says otherwise, so that the banner does not flash at start. */
  const link = ref<LinkState>('connected');
  const linkWatch = inject(linkKey, null);
  const listeners = new Set<EventListener>();
  let loading: Promise<void> | null = null;

  async function refresh(): Promise<void> {
    try {
      const overview = await api.overview();
      status.value = overview.status;
      needsFirstOfficial.value = overview.needsFirstOfficial;
      clockOffsetMs.value = overview.nowMs - Date.now();
      overviewFailed.value = false;
    } catch {
      overviewFailed.value = true;
    }
  }

  function onEvent(event: StationEvent): void {
    if (event.type === 'status') {
      status.value = event.status;
      overviewFailed.value = false;
    }
    if (event.type === 'audit') audit.value = [...audit.value, event.entry].slice(-1_000);
    for (const listener of listeners) listener(event);
  }

  /** Loads the overview once and starts listening; later calls wait for the same load. */
  function ready(): Promise<void> {
    loading ??= refresh().then(() => {
      api.subscribe(onEvent);
      // On reconnecting, the transport pushes the current status (and reloads of voters and elections).
      linkWatch?.subscribe((state) => {
        link.value = state;
        if (state === 'connected') overviewFailed.value = false;
      });
    });
    return loading;
  }

  /** Calls `listener` for every pushed event until the returned function is called. */
  function listen(listener: EventListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** The station refused this page's session secret: it restarted, and only its new `ui:` address helps. */
  const accessRefused = computed(() => link.value === 'access-refused');
  const unreachable = computed(
    () => !accessRefused.value && (overviewFailed.value || link.value !== 'connected'),
  );
  const stationNowMs = (): number => Date.now() + clockOffsetMs.value;
  const warnings = computed(() => {
    const current = status.value;
    if (current === null) return [];
    const list: ('unprotected' | 'no-backup' | 'read-only')[] = [];
    if (current.role === 'primary' && current.unprotected) list.push('unprotected');
    if (current.role === 'primary' && !current.peer.connected) list.push('no-backup');
    if (!current.writable) list.push('read-only');
    return list;
  });

  return {
    status,
    needsFirstOfficial,
    audit,
    unreachable,
    accessRefused,
    warnings,
    ready,
    refresh,
    listen,
    stationNowMs,
  };
});
