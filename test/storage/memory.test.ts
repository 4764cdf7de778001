import { MemoryStorage } from '../../src/storage/memory.js';
import { runStorageConformance } from './conformance.js';

runStorageConformance('memory', async () => new MemoryStorage());
