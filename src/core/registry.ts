/**
 * The one list of Backend types: a secrets engine or auth method is one folder plus one line here.
 */
import type { BackendFactory } from '../framework/backend.js';

export interface RegisteredType {
  kind: 'secret' | 'auth';
  factory: BackendFactory;
}

const types = new Map<string, RegisteredType>();

export function registerType(name: string, kind: 'secret' | 'auth', factory: BackendFactory): void {
  types.set(`${kind}:${name}`, { kind, factory });
}

export function lookupType(kind: 'secret' | 'auth', name: string): RegisteredType | undefined {
  return types.get(`${kind}:${name}`);
}

export function registeredTypes(kind: 'secret' | 'auth'): string[] {
  return [...types.keys()].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));
}
