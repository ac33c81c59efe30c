// What every publish use case receives: its dependencies and the record store.
import type { RecordStore } from '../core/record-store.js';
import type { PublishDeps } from './types.js';

export interface PublishContext {
  deps: PublishDeps;
  records: RecordStore;
}

export function nowIso(ctx: PublishContext): string {
  return ctx.deps.now().toISOString();
}

export type { Attributes } from '../core/attributes.js';
