// US phone numbers in E.164 (+1NXXNXXXXXX): parsing the ways people write them, and the NANP
// rules that tell a real number from a typo (area and exchange codes never start with 0 or 1).

const NANP = /^\+1([2-9]\d{2})([2-9]\d{2})(\d{4})$/;

export function parseUsNumber(input: string): string | null {
  const trimmed = input.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed)) return null;
  let digits = trimmed.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length !== 10) return null;
  const e164 = `+1${digits}`;
  return NANP.test(e164) ? e164 : null;
}

export function isUsE164(value: string): boolean {
  return NANP.test(value);
}

export function areaCodeOf(e164: string): string {
  return e164.slice(2, 5);
}
