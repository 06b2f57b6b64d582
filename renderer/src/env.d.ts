// Lets plain TypeScript tools (ESLint's type-aware rules) import single-file components; vue-tsc reads the real types.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
