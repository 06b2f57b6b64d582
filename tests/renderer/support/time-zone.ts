/** Runs each test of the calling file in the time zone given (dates are typed and shown in the screen's zone). */
import { afterEach, beforeEach } from 'vitest';

export function useTimeZone(zone: string): void {
  const originalZone = process.env.TZ;
  beforeEach(() => {
    process.env.TZ = zone;
  });
  afterEach(() => {
    if (originalZone === undefined) delete process.env.TZ;
    else process.env.TZ = originalZone;
  });
}
