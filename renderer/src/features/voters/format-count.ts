/** A count as the reader's locale writes it: 12,345 in English. */
export function formatCount(count: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(count);
}
