// Turns a partner's inbox search (`q`) into an FTS5 query: "quoted phrases", prefix terms (`diab*`),
// AND / OR / NOT and parentheses. Every term is quoted, so punctuation in a term (INV-2024-00871,
// 148/92) is searched as text instead of breaking FTS5's syntax.

export class SearchQueryError extends Error {}

const OPERATORS = new Set(['AND', 'OR', 'NOT']);

export function toFtsQuery(q: string): string {
  // FTS5 ends a string at NUL; no OCR text holds control characters to match anyway.
  if (hasControlCharacter(q)) throw new SearchQueryError('the query holds control characters');
  const out: string[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push(c);
      i++;
    } else if (c === '"') {
      const end = q.indexOf('"', i + 1);
      if (end < 0) throw new SearchQueryError('a phrase is missing its closing quote');
      const phrase = q.slice(i + 1, end);
      i = end + 1;
      const prefix = q[i] === '*';
      if (prefix) i++;
      if (phrase.trim() === '') throw new SearchQueryError('empty phrase ""');
      out.push(`"${phrase}"${prefix ? '*' : ''}`);
    } else {
      let end = i;
      while (end < q.length && !/[\s()"]/.test(q[end])) end++;
      const word = q.slice(i, end);
      i = end;
      if (OPERATORS.has(word)) {
        out.push(word);
        continue;
      }
      const prefix = word.endsWith('*');
      const body = prefix ? word.slice(0, -1) : word;
      if (body === '' || body.includes('*')) throw new SearchQueryError(`"${word}": * may only end a term`);
      out.push(`"${body}"${prefix ? '*' : ''}`);
    }
  }
  if (out.length === 0) throw new SearchQueryError('the query has no terms');
  return out.join(' ');
}

/** C0 controls other than tab, newline and carriage return, and DEL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}
