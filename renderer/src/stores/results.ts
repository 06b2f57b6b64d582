/**
 * The result shown on the results screen. The station gives results only for
 * closed elections (no partial tallies while voting is open); when it refuses,
 * its reason is kept so the screen can say why.
 */
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import type { ChoiceCount } from '../../../core/api/interface-api.ts';
import type { GetResultReason } from '../../../core/protocol/status-codes.ts';
import { useApi } from '../api/use-api.ts';

export type ShownResult =
  | { readonly status: 'none' }
  | { readonly status: 'loading'; readonly election: string }
  | { readonly status: 'ok'; readonly election: string; readonly counts: readonly ChoiceCount[] }
  | {
      readonly status: 'refused';
      readonly election: string;
      readonly reason: Exclude<GetResultReason, 'ok'>;
      readonly code: number;
    }
  | { readonly status: 'unreachable'; readonly election: string };

export const useResultsStore = defineStore('results', () => {
  const api = useApi();
  const shown = shallowRef<ShownResult>({ status: 'none' });
  // Only the latest request's answer is shown: an answer for an election no longer chosen is dropped.
  let latestRequest = 0;

  async function show(election: string): Promise<void> {
    const request = ++latestRequest;
    shown.value = { status: 'loading', election };
    let next: ShownResult;
    try {
      const { outcome, counts } = await api.getResult({ election });
      next =
        outcome.reason === 'ok'
          ? { status: 'ok', election, counts }
          : { status: 'refused', election, reason: outcome.reason, code: outcome.code };
    } catch {
      next = { status: 'unreachable', election };
    }
    if (request === latestRequest) shown.value = next;
  }

  function clear(): void {
    latestRequest += 1;
    shown.value = { status: 'none' };
  }

  return { shown, show, clear };
});
