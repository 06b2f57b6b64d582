/**
 * Hands a text file to the browser's download (Electron shows a save dialog).
 * Every file the interface saves goes through here: credentials, results,
 * import reports.
 */
export function downloadText(fileName: string, text: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
