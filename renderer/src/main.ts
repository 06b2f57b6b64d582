import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import MissingSecret from './components/MissingSecret.vue';
import { apiKey, linkKey } from './api/use-api.ts';
import { connectToStation } from './api/station-connection.ts';
import { createStationI18n, rememberLocale, savedLocale } from './i18n/index.ts';
import { createStationRouter } from './router.ts';
import './styles/base.css';

const locale = savedLocale();
const i18n = createStationI18n(locale);
rememberLocale(locale);
const connection = connectToStation();
if ('missing' in connection) {
  createApp(MissingSecret).use(i18n).mount('#app');
} else {
  const pinia = createPinia();
  const app = createApp(App).use(i18n).provide(apiKey, connection.api);
  if (connection.link !== null) app.provide(linkKey, connection.link);
  // Stores inject the API, so Pinia must see the app's provides before the router's guard runs.
  app.use(pinia);
  app.use(createStationRouter(pinia));
  app.mount('#app');
}
