// The few places where the SQL of SQLite and PostgreSQL differ, as fragments repositories splice
// into otherwise portable statements: row claims, JSON fields and arrays, the scalar maximum, table
// columns and full-text search.

export type Engine = 'sqlite' | 'postgres';

export interface Dialect {
  engine: Engine;
  /**
   * Appended to a claim's SELECT: on PostgreSQL the rows (of `table`, in a join) are locked for the
   * transaction and rows another node holds are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has one
   * writer at a time.
   */
  skipLocked(table?: string): string;
  /** The text of top-level field `key` of a JSON text column. */
  jsonText(column: string, key: string): string;
  /**
   * Appended to an INSERT so that `run().lastInsertRowid` is the new row's `column` on both engines
   * (SQLite reports it by itself, and FTS5 tables answer RETURNING with -1).
   */
  returningRowid(column: string): string;
  /**
   * The largest of the expressions (SQLite's scalar `max(a, b)`; PostgreSQL's `GREATEST`, which
   * skips NULLs where SQLite's answers NULL: give it non-null operands).
   */
  greatest(...expressions: string[]): string;
  /** The values of `param`, a JSON array of strings bound as text, as a subquery of one `value` column. */
  jsonArrayValues(param: string): string;
  /** A statement listing the columns (`name`) of the table given as its one `?` parameter. */
  tableColumns: string;
  /** Inbox full-text search over `fax_search` (its `rowid` joins faxes.search_rowid). */
  search: {
    /** The WHERE condition, with the query as `@match`. */
    condition: string;
    /** The highlighted excerpt (`<mark>…</mark>`, about 16 words), with the query as `@match`. */
    snippet: string;
    /** Turns the FTS5-syntax query of inbox/search-query.ts into this engine's `@match` value. */
    query(fts5: string): string;
  };
}

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  skipLocked: () => '',
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
  returningRowid: () => '',
  greatest: (...expressions) => `max(${expressions.join(', ')})`,
  jsonArrayValues: (param) => `(SELECT value FROM json_each(${param}))`,
  tableColumns: 'SELECT name FROM pragma_table_info(?)',
  search: {
    condition: 'fax_search MATCH @match',
    snippet: "snippet(fax_search, 0, '<mark>', '</mark>', '…', 16)",
    query: (fts5) => fts5,
  },
};

export const postgresDialect: Dialect = {
  engine: 'postgres',
  skipLocked: (table) => ` FOR UPDATE${table ? ` OF ${table}` : ''} SKIP LOCKED`,
  jsonText: (column, key) => `(${column}::json ->> '${key}')`,
  returningRowid: (column) => ` RETURNING ${column}`,
  greatest: (...expressions) => `GREATEST(${expressions.join(', ')})`,
  jsonArrayValues: (param) => `(SELECT value FROM json_array_elements_text(${param}::json))`,
  tableColumns:
    'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
  search: {
    // fax_search.document is to_tsvector('simple', …) of the OCR text folded as searchTokens folds it.
    condition: "fax_search.document @@ to_tsquery('simple', @match)",
    // ts_headline marks each word; FTS5 marks a matched phrase as one span, so adjacent marks merge.
    snippet: `regexp_replace(ts_headline('simple', fax_search.ocr_text, to_tsquery('simple', @match),
      'StartSel=<mark>, StopSel=</mark>, MaxWords=16, MinWords=6, MaxFragments=1, FragmentDelimiter=…'),
      '</mark>(\\s+)<mark>', '\\1', 'g')`,
    query: toTsQuery,
  },
};

/**
 * The words of `text` as both engines index them: letters and digits, lower case, accents dropped
 * (FTS5's unicode61 tokenizer with remove_diacritics; migration 004's PostgreSQL column folds the same way).
 */
export function searchTokens(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * The FTS5 query toFtsQuery writes ("quoted" terms, a trailing * for prefixes, AND / OR / NOT,
 * parentheses, implicit AND) as a tsquery with the same meaning: a phrase is `a <-> b`, a prefix
 * `b:*`, `x NOT y` is `x & !y` (FTS5's NOT is binary). Malformed input stays malformed, so
 * PostgreSQL reports "syntax error in tsquery" where FTS5 would report its syntax error.
 */
function toTsQuery(fts5: string): string {
  const out: string[] = [];
  let operand = false;
  const pattern = /"([^"]*)"(\*?)|(\(|\)|AND|OR|NOT)/g;
  for (const m of fts5.matchAll(pattern)) {
    if (m[3] === undefined) {
      if (operand) out.push('&');
      const words = searchTokens(m[1]).map((w) => `'${w}'`);
      // A term of punctuation only ("-") matches nothing, as in FTS5: a lexeme both there and not.
      if (words.length === 0) words.push("('x' & !'x')");
      else if (m[2]) words[words.length - 1] += ':*';
      out.push(words.length > 1 ? `(${words.join(' <-> ')})` : words[0]);
      operand = true;
    } else if (m[3] === '(') {
      if (operand) out.push('&');
      out.push('(');
      operand = false;
    } else if (m[3] === ')') {
      out.push(')');
      operand = true;
    } else {
      out.push(m[3] === 'AND' ? '&' : m[3] === 'OR' ? '|' : '& !');
      operand = false;
    }
  }
  return out.join(' ');
}
