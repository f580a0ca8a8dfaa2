// How the console writes times, numbers and money: in the reader's locale, never a raw ISO string.

export const dateTime = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';

export const date = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '—';

export const count = (n: number): string => n.toLocaleString();

/** Amounts are in the currency's minor unit (cents), as Stripe keeps them. */
export const money = (amount: number, currency: string): string =>
  (amount / 100).toLocaleString(undefined, { style: 'currency', currency: currency.toUpperCase() });

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${count(n)} ${n === 1 ? one : many}`;

/** +12125550101 → +1 212 555 0101, for reading; links and copies keep E.164. */
export function phone(e164: string | null | undefined): string {
  if (!e164) return '—';
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+1 ${m[1]} ${m[2]} ${m[3]}` : e164;
}
