#!/usr/bin/env node
// Runs the TypeScript sources in this very process (no wrapper process), so a
// signal sent to this pid reaches the station itself.
import { register } from 'tsx/esm/api';

register();
await import('../core/cli/main.ts');
