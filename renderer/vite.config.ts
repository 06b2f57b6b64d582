import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset paths: the same build loads from the station's HTTP server and from Electron's file:// origin.
  base: './',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Reported as a budget figure by the build; the initial bundle must stay under 300 KB gzipped.
    reportCompressedSize: true,
    // Names the chunk of each lazily loaded library; the interface budgets bench checks none is loaded at start.
    manifest: true,
    target: 'es2022',
  },
});
