/**
 * The station's time, advanced once a second while the component using it is
 * mounted: one ticker for a whole list of countdowns. It reads the station
 * store's clock offset; it never asks the station.
 */
import { onMounted, onUnmounted, readonly, ref, type Ref } from 'vue';
import { useStationStore } from '../../stores/station.ts';

export function useStationClock(): Readonly<Ref<number>> {
  const station = useStationStore();
  const nowMs = ref(station.stationNowMs());
  let ticker: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    nowMs.value = station.stationNowMs();
    ticker = setInterval(() => {
      nowMs.value = station.stationNowMs();
    }, 1_000);
  });
  onUnmounted(() => {
    clearInterval(ticker);
  });
  return readonly(nowMs);
}
