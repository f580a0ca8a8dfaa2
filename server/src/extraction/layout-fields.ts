// The schema flattened for layout reading: one spec per leaf field (its path, value kind, label phrases,
// enum options) with the object fields above it, whose names are the sections that scope its label.

import { type ExtractionSchema, itemsOf, type SchemaField } from './extraction-schema.ts';
import {
  enumOptions,
  type LabelPhrase,
  labelPhrases,
  sectionPhrases,
  type ValueKind,
  valueKind,
} from './label-lexicon.ts';

export interface ScopeSpec {
  path: string;
  name: string;
  phrases: LabelPhrase[];
}

export interface LeafSpec {
  /** `patient.dateOfBirth`, `taxYears` (a scalar array), `lines[].amount` (a table column). */
  path: string;
  name: string;
  field: SchemaField;
  kind: ValueKind;
  options: string[] | null;
  phrases: LabelPhrase[];
  /** Object fields from the top down to this leaf's parent. */
  scopes: ScopeSpec[];
  /** Position of the leaf in the schema (document order of forms tends to follow it). */
  order: number;
}

export interface TableSpec {
  path: string;
  name: string;
  field: SchemaField;
  phrases: LabelPhrase[];
  scopes: ScopeSpec[];
  columns: LeafSpec[];
}

export interface SchemaPlan {
  leaves: LeafSpec[];
  /** Scalar arrays (`diagnosisCodes`, `taxYears`): read as lists after a label. */
  lists: LeafSpec[];
  /** Arrays of objects: read as tables (or repeated sections). */
  tables: TableSpec[];
  /** Every object or array field that may name a section. */
  sections: ScopeSpec[];
}

export function planSchema(schema: ExtractionSchema): SchemaPlan {
  const plan: SchemaPlan = { leaves: [], lists: [], tables: [], sections: [] };
  let order = 0;
  const walk = (fields: ExtractionSchema, prefix: string, scopes: ScopeSpec[]) => {
    for (const [name, field] of Object.entries(fields)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (field.type === 'object') {
        const scope = { path, name, phrases: sectionPhrases(name, field) };
        plan.sections.push(scope);
        walk(field.properties ?? {}, path, [...scopes, scope]);
        continue;
      }
      if (field.type === 'array') {
        const items = itemsOf(field);
        if (items.type === 'object') {
          const scope = { path, name, phrases: sectionPhrases(name, field) };
          plan.sections.push(scope);
          const columns = Object.entries(items.properties ?? {}).map(([n, f]) =>
            leaf(`${path}[].${n}`, n, f, [...scopes, scope], order++),
          );
          // A table's first text column is often headed by what one row is ("Medication", "Service").
          const named = columns.find((c) => ['text', 'orgName', 'personName'].includes(c.kind));
          const item = scope.phrases.find((p) => p.weight >= 0.95 && p.tokens.length <= 2);
          if (named && item) named.phrases.push({ tokens: item.tokens, weight: 0.85 });
          plan.tables.push({ path, name, field, phrases: scope.phrases, scopes, columns });
        } else {
          const itemField = {
            ...items,
            description: [field.description, items.description].filter(Boolean).join('; '),
          };
          plan.lists.push(leaf(path, name, itemField, scopes, order++));
        }
        continue;
      }
      plan.leaves.push(leaf(path, name, field, scopes, order++));
    }
  };
  walk(schema, '', []);
  return plan;
}

function leaf(path: string, name: string, field: SchemaField, scopes: ScopeSpec[], order: number): LeafSpec {
  return {
    path,
    name,
    field,
    kind: valueKind(name, field),
    options: enumOptions(field),
    phrases: labelPhrases(name, field),
    scopes,
    order,
  };
}
