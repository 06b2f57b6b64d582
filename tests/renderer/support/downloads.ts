/**
 * Catches what the screens hand to the browser to save (renderer/src/files/download.ts):
 * the file behind each object URL, by the name it is saved under.
 */
import { afterEach, beforeEach, vi } from 'vitest';

/** Installs the spies around each test of the calling file; the returned map is emptied before each test. */
export function captureDownloads(): ReadonlyMap<string, Blob> {
  const saved = new Map<string, Blob>();
  beforeEach(() => {
    saved.clear();
    const blobs = new Map<string, Blob>();
    vi.spyOn(URL, 'createObjectURL').mockImplementation((object) => {
      const url = `blob:saved-${blobs.size}`;
      blobs.set(url, object as Blob);
      return url;
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      const blob = blobs.get(this.href);
      if (blob !== undefined) saved.set(this.download, blob);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return saved;
}
