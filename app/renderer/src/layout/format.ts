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

/**
 * A US fax number as people type it ("(212) 555-0123", "212.555.0123", "+1 212 555 0123") in the
 * E.164 form the API takes; anything else is passed on as typed, for the server to explain.
 */
export function toE164(typed: string): string {
  const digits = typed.replace(/[\s().-]/g, '');
  if (/^\d{10}$/.test(digits)) return `+1${digits}`;
  if (/^1\d{10}$/.test(digits)) return `+${digits}`;
  return digits.startsWith('+') ? digits : typed.trim();
}
