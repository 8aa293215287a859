import {
  type KeyValue,
  keyFromPath,
  type Model,
  OPERATIONS,
  type Operation,
  type OutboxEvent,
  outboxEventSchema,
  type PushResult,
  undeclaredKeys,
} from 'swsync/schema';
import * as z from 'zod';
import type { $ZodError } from 'zod/v4/core';
import { rejected } from './results.ts';
import { isStorableId, isStorableJson } from './storable.ts';
import type { PreparedEvent, PushEventInput, ScopeKey, SyncSchema } from './types.ts';

/**
 * The checks that need no database, in the order PROTOCOL.md fixes: model, operation, shape.
 * Returns the event ready for the scope, parent and conflict checks, or its rejection.
 */
export function prepareEvent(
  input: PushEventInput,
  index: number,
  schema: SyncSchema,
  scopeKey: ScopeKey,
): PreparedEvent | PushResult {
  const id = input.id;
  const entityType = input.entityType;
  const model = typeof entityType === 'string' ? schema.getModel(entityType) : undefined;
  if (typeof entityType !== 'string' || !model) {
    return rejected(id, 'INVALID_MODEL', 'entityType is not a declared model');
  }
  if (!OPERATIONS.includes(input.operation as Operation)) {
    return rejected(id, 'UNKNOWN_OPERATION', 'operation must be create, update or delete');
  }
  const shape = outboxEventSchema.safeParse(input);
  if (!shape.success) {
    // Name what failed, as zod says it: "baseVersion: Invalid input: expected number".
    const where = shape.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`);
    return rejected(
      id,
      'RECORD_VALIDATION_FAILURE',
      `the event does not have the event shape: ${where.join('; ')}`,
    );
  }
  if (!isStorableId(id)) {
    return rejected(
      id,
      'RECORD_VALIDATION_FAILURE',
      'id: not a storable id (1 to 256 characters, no NUL, no lone surrogate)',
    );
  }
  if (!isStorableJson(input.payload)) {
    return rejected(
      id,
      'RECORD_VALIDATION_FAILURE',
      'payload: holds a NUL character, a lone UTF-16 surrogate, a non-finite number or nesting deeper than 64',
    );
  }
  const event = shape.data;
  const body = readBody(event, model);
  if (typeof body === 'string') return rejected(id, 'RECORD_VALIDATION_FAILURE', body);

  const scope = typeof scopeKey === 'string' ? scopeKey : scopeKey(event);
  const ownership = model.ownership;
  let newParent: PreparedEvent['newParent'] = null;
  if (ownership.kind === 'child' && body.data && Object.hasOwn(body.data, ownership.parentField)) {
    const parentKey = body.data[ownership.parentField];
    // A value that cannot be a parent key (e.g. '' for a key of min length 1) names no parent:
    // it is looked up like any other and ends as MISSING_PARENT, as PROTOCOL.md describes.
    if (typeof parentKey !== 'string' && typeof parentKey !== 'number') {
      return rejected(id, 'RECORD_VALIDATION_FAILURE', `${ownership.parentField} is not a key`);
    }
    newParent = { model: ownership.parentModel, keyText: JSON.stringify(parentKey) };
  }
  return {
    index,
    id,
    event,
    modelName: entityType,
    model,
    operation: event.operation,
    key: body.key,
    keyText: JSON.stringify(body.key),
    scope,
    ledgerScope: scope,
    data: body.data,
    newParent,
    baseVersion: event.baseVersion ?? null,
    ledgerKey: id,
    outboxSeq: null,
  };
}

/** The key and the parsed payload of an event, or why they are invalid. */
function readBody(
  event: OutboxEvent,
  model: Model,
): { key: KeyValue; data: Record<string, unknown> | null } | string {
  const pathKey = event.entityKeyPath === undefined ? undefined : keyFromPath(event.entityKeyPath);
  if (event.entityKeyPath !== undefined && pathKey === undefined) {
    return 'entityKeyPath must hold exactly one key';
  }
  const payload = event.payload;
  const isObject = payload !== null && !Array.isArray(payload);

  if (event.operation === 'delete') {
    let payloadKey: unknown;
    if (Array.isArray(payload)) {
      payloadKey = payload.length === 1 ? payload[0] : undefined;
      if (payloadKey === undefined) return 'a delete payload key path must hold exactly one key';
    } else if (isObject) {
      // The record being deleted: only its key is read, but it is still strict.
      if (undeclaredKeys(payload, model.fields.shape).length > 0) {
        return 'the payload names fields the model does not declare';
      }
      payloadKey = payload[model.key];
    }
    const key = pathKey ?? payloadKey;
    if (payloadKey !== undefined && pathKey !== undefined && payloadKey !== pathKey) {
      return 'the key in the payload differs from entityKeyPath';
    }
    if (!isKeyOf(model, key)) return 'the event names no valid key';
    return { key, data: null };
  }

  if (!isObject) return `a ${event.operation} payload must be an object`;
  const parsed = (event.operation === 'create' ? model.recordSchema : model.patchSchema).safeParse(
    payload,
  );
  if (!parsed.success) {
    return `the payload does not match the ${event.operation} schema: ${describeIssues(parsed.error)}`;
  }
  const data = parsed.data as Record<string, unknown>;
  const payloadKey = data[model.key];
  if (payloadKey !== undefined && pathKey !== undefined && payloadKey !== pathKey) {
    return 'the key in the payload differs from entityKeyPath';
  }
  const key = pathKey ?? payloadKey;
  if (!isKeyOf(model, key)) return 'the event names no valid key';
  return { key, data };
}

/**
 * Which fields failed and why, in zod's words (`title: Too big: expected string to have <=500
 * characters; done: Invalid input: expected boolean, received string`). zod's messages name
 * the rule, not the offending value; at most three issues, so the message stays short.
 */
function describeIssues(error: $ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

/** Whether `value` is a valid value of the model's key field. */
function isKeyOf(model: Model, value: unknown): value is KeyValue {
  if (typeof value === 'string') {
    if (!isStorableId(value)) return false;
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    return false;
  }
  const field = model.fields.shape[model.key];
  return field ? z.safeParse(field, value).success : false;
}
