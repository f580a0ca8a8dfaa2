// A partner's extraction schema: the shape their `extractedData` must take. Validated here once,
// with every problem named by its path, so PATCH /settings and the extractors agree on one grammar.

export type FieldType = 'string' | 'number' | 'boolean' | 'array' | 'object';

export interface SchemaField {
  type: FieldType;
  description?: string;
  /** Element shape, for `array` fields (defaults to `string` when omitted). */
  items?: SchemaField;
  /** Member fields, for `object` fields. */
  properties?: Record<string, SchemaField>;
}

/** Top level: field name → field. */
export type ExtractionSchema = Record<string, SchemaField>;

export const SCHEMA_LIMITS = {
  maxDepth: 5,
  maxFields: 100,
  maxNameLength: 64,
  maxDescriptionLength: 500,
} as const;

const FIELD_TYPES: readonly FieldType[] = ['string', 'number', 'boolean', 'array', 'object'];
// camelCase or snake_case identifiers: they become JSON keys in the partner's code.
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD_KEYS = new Set(['type', 'description', 'items', 'properties']);

export interface SchemaProblem {
  /** JSON-pointer-like path to the offending member, e.g. `/extractionSchema/patient/properties/dob/type`. */
  path: string;
  message: string;
}

/**
 * Returns every problem in `schema` (empty when valid). `base` prefixes the reported paths.
 * Depth counts nesting levels: top-level fields are depth 1.
 */
export function validateExtractionSchema(schema: unknown, base = ''): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  let fieldCount = 0;

  const checkFields = (fields: unknown, path: string, depth: number): void => {
    if (!isPlainObject(fields)) {
      problems.push({ path, message: 'must be an object mapping field names to fields' });
      return;
    }
    for (const [name, field] of Object.entries(fields)) {
      const fieldPath = `${path}/${escapePointer(name)}`;
      fieldCount++;
      if (!FIELD_NAME.test(name) || name.length > SCHEMA_LIMITS.maxNameLength) {
        problems.push({
          path: fieldPath,
          message: `bad field name "${name}": use letters, digits and _, start with a letter or _, at most ${SCHEMA_LIMITS.maxNameLength} characters`,
        });
      }
      checkField(field, fieldPath, depth);
    }
  };

  const checkField = (field: unknown, path: string, depth: number): void => {
    if (depth > SCHEMA_LIMITS.maxDepth) {
      problems.push({ path, message: `nesting deeper than ${SCHEMA_LIMITS.maxDepth} levels` });
      return;
    }
    if (!isPlainObject(field)) {
      problems.push({ path, message: 'must be an object with a "type"' });
      return;
    }
    for (const key of Object.keys(field)) {
      if (!FIELD_KEYS.has(key))
        problems.push({ path: `${path}/${escapePointer(key)}`, message: `unknown member "${key}"` });
    }
    const type = field.type;
    if (typeof type !== 'string' || !FIELD_TYPES.includes(type as FieldType)) {
      problems.push({
        path: `${path}/type`,
        message: `unknown type ${JSON.stringify(type)}: expected one of ${FIELD_TYPES.join(', ')}`,
      });
      return;
    }
    if (field.description !== undefined) {
      if (typeof field.description !== 'string') {
        problems.push({ path: `${path}/description`, message: 'must be a string' });
      } else if (field.description.length > SCHEMA_LIMITS.maxDescriptionLength) {
        problems.push({
          path: `${path}/description`,
          message: `longer than ${SCHEMA_LIMITS.maxDescriptionLength} characters`,
        });
      }
    }
    if (field.items !== undefined && type !== 'array') {
      problems.push({ path: `${path}/items`, message: '"items" is only allowed on array fields' });
    }
    if (field.properties !== undefined && type !== 'object') {
      problems.push({ path: `${path}/properties`, message: '"properties" is only allowed on object fields' });
    }
    if (type === 'array' && field.items !== undefined) checkField(field.items, `${path}/items`, depth + 1);
    if (type === 'object') {
      if (field.properties === undefined) {
        problems.push({ path: `${path}/properties`, message: 'object fields need "properties"' });
      } else {
        checkFields(field.properties, `${path}/properties`, depth + 1);
      }
    }
  };

  checkFields(schema, base, 1);
  if (fieldCount > SCHEMA_LIMITS.maxFields) {
    problems.push({
      path: base || '/',
      message: `${fieldCount} fields: at most ${SCHEMA_LIMITS.maxFields} are allowed`,
    });
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The JSON value an extractor must return for `schema` when nothing was found: every leaf `null`. */
export function emptyExtraction(schema: ExtractionSchema): Record<string, unknown> {
  return conformToSchema(schema, {});
}

/** Element shape of an array field (`string` when `items` is omitted). */
export function itemsOf(field: SchemaField): SchemaField {
  return field.items ?? { type: 'string' };
}

/**
 * Forces any value (an LLM's JSON, a rules result) into exactly the shape of `schema`: unknown members
 * dropped, missing or uncoercible leaves `null`, objects always present, empty arrays `null`.
 */
export function conformToSchema(schema: ExtractionSchema, value: unknown): Record<string, unknown> {
  const source = isPlainObject(value) ? value : {};
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) out[name] = conformField(field, source[name]);
  return out;
}

function conformField(field: SchemaField, value: unknown): unknown {
  switch (field.type) {
    case 'object':
      return conformToSchema(field.properties ?? {}, value);
    case 'array': {
      if (!Array.isArray(value)) return null;
      const items = itemsOf(field);
      const kept = value.map((v) => conformField(items, v)).filter((v) => !isEmptyValue(v));
      return kept.length ? kept : null;
    }
    case 'string':
      if (typeof value === 'string') return value.trim() || null;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return null;
    case 'number':
      if (typeof value === 'number') return Number.isFinite(value) ? value : null;
      if (typeof value === 'string' && /^\s*-?[\d,]*\.?\d+\s*$/.test(value)) {
        const n = Number(value.replace(/[,\s]/g, ''));
        return Number.isFinite(n) ? n : null;
      }
      return null;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|yes)$/i.test(value.trim())) return true;
      if (typeof value === 'string' && /^(false|no)$/i.test(value.trim())) return false;
      return null;
  }
}

/** True for `null` and for objects whose every leaf is `null` (nothing was found in them). */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (isPlainObject(value)) return Object.values(value).every(isEmptyValue);
  return false;
}

/**
 * The partner schema as a JSON Schema for grammars and structured outputs: every member required,
 * no others allowed, scalars nullable so a model can say "not in the document" instead of inventing.
 * Arrays are never null here (an empty array says the same and keeps grammars simple).
 */
export function toJsonSchema(schema: ExtractionSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) properties[name] = fieldToJsonSchema(field);
  return { type: 'object', properties, required: Object.keys(schema), additionalProperties: false };
}

function fieldToJsonSchema(field: SchemaField): Record<string, unknown> {
  const description = field.description ? { description: field.description } : {};
  switch (field.type) {
    case 'object':
      return { ...toJsonSchema(field.properties ?? {}), ...description };
    case 'array':
      return { type: 'array', items: fieldToJsonSchema(itemsOf(field)), ...description };
    default:
      return { type: [field.type, 'null'], ...description };
  }
}
