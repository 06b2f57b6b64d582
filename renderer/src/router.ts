/**
 * Screens and who may reach them. Official screens need an official's session;
 * the kiosk (`/vote`) drops that session on entry, so a voter at the kiosk can
 * reach nothing else without an official signing in again.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import type { Pinia } from 'pinia';
import { useSessionStore } from './stores/session.ts';
import { useStationStore } from './stores/station.ts';

declare module 'vue-router' {
  interface RouteMeta {
    /** Needs a signed-in official. */
    readonly official?: boolean;
    /** The i18n key of the screen's title (announced on navigation). */
    readonly titleKey: string;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/station' },
  {
    path: '/setup',
    component: () => import('./features/setup/SetupView.vue'),
    meta: { titleKey: 'setup.title' },
  },
  {
    path: '/sign-in',
    component: () => import('./features/setup/SignInView.vue'),
    meta: { titleKey: 'setup.signInTitle' },
  },
  {
    path: '/station',
    component: () => import('./features/station/StationView.vue'),
    meta: { official: true, titleKey: 'station.title' },
  },
  {
    path: '/voters',
    component: () => import('./features/voters/VotersView.vue'),
    meta: { official: true, titleKey: 'voters.title' },
  },
  {
    path: '/elections',
    component: () => import('./features/elections/ElectionsView.vue'),
    meta: { official: true, titleKey: 'elections.title' },
  },
  {
    path: '/results',
    component: () => import('./features/results/ResultsView.vue'),
    meta: { official: true, titleKey: 'results.title' },
  },
  {
    path: '/vote',
    component: () => import('./features/vote/VoteView.vue'),
    meta: { titleKey: 'vote.title' },
  },
  { path: '/:pathMatch(.*)*', redirect: '/station' },
];

export function createStationRouter(pinia: Pinia) {
  const router = createRouter({ history: createWebHashHistory(), routes });
  router.beforeEach(async (to) => {
    const station = useStationStore(pinia);
    const session = useSessionStore(pinia);
    await station.ready();
    if (station.needsFirstOfficial) return to.path === '/setup' ? true : '/setup';
    if (to.path === '/setup') return '/sign-in';
    if (to.meta.official === true && !session.signedIn)
      return { path: '/sign-in', query: { next: to.fullPath } };
    return true;
  });
  // Only once the kiosk is the current screen: signing out while an official screen is still
  // current would send App.vue's watcher to sign-in and cancel this navigation.
  router.afterEach((to) => {
    if (to.path === '/vote') useSessionStore(pinia).signOut();
  });
  return router;
}
