/**
 * Runs a Backend the way core does, on memory storage, so engine tests can call paths
 * directly without HTTP (STYLE.md 7: engine tests call the Backend on memory storage).
 */
import { Backend, type BackendFactory, type MountInfo } from '../../src/framework/backend.js';
import { LogicalView } from '../../src/framework/logical.js';
import type { Operation, Request, Response } from '../../src/framework/types.js';
import { silentLogger } from '../../src/lib/logger.js';
import { MemoryStorage } from '../../src/storage/memory.js';

export interface TestBackend {
  backend: Backend;
  storage: LogicalView;
  call(operation: Operation, path: string, data?: Record<string, unknown>, extra?: Partial<Request>): Promise<Response | null>;
}

export async function createTestBackend(
  factory: BackendFactory,
  opts: { type?: string; path?: string; options?: Record<string, string>; defaultLeaseTTL?: number; maxLeaseTTL?: number; services?: Record<string, unknown> } = {},
): Promise<TestBackend> {
  const storage = new LogicalView(new MemoryStorage(), 'logical/test/');
  const mount: MountInfo = {
    path: opts.path ?? 'test/', type: opts.type ?? 'test', uuid: 'test-uuid', accessor: 'test_accessor', description: '',
    config: { defaultLeaseTTL: opts.defaultLeaseTTL ?? 0, maxLeaseTTL: opts.maxLeaseTTL ?? 0 }, options: opts.options ?? {},
  };
  const system = {
    defaultLeaseTTL: () => mount.config.defaultLeaseTTL || 768 * 3600,
    maxLeaseTTL: () => mount.config.maxLeaseTTL || 768 * 3600,
    service: <T>(name: string) => opts.services?.[name] as T | undefined,
  };
  const ctx = { storage, mount, system, logger: silentLogger() };
  const backend = new Backend(await factory(ctx), ctx);
  await backend.def.init?.();
  return {
    backend,
    storage,
    async call(operation, path, data = {}, extra = {}) {
      const req: Request = {
        id: 'req', operation, fullPath: mount.path + path, path, data, query: {}, headers: {}, clientToken: '',
        mountPoint: mount.path, mountType: mount.type, mountAccessor: mount.accessor, remoteAddr: '127.0.0.1', ...extra,
      };
      req.operation = await backend.resolveOperation(req);
      return backend.handle(req);
    },
  };
}
