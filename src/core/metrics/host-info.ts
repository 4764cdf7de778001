/**
 * sys/host-info: the host's CPU, CPU times, root disk, OS and memory, in the JSON field names
 * Vault's gopsutil-based answer uses. What cannot be read becomes a warning, not an error.
 */
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (read('/etc/os-release') ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return out;
}

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (read('/proc/meminfo') ?? '').split('\n')) {
    const m = /^(\w+):\s+(\d+)( kB)?/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386' };

export function collectHostInfo(): { data: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = [];
  const cpus = os.cpus();
  const cpu = cpus.map((c, i) => ({
    cpu: i, vendorId: '', family: '', model: '', stepping: 0, physicalId: '', coreId: String(i), cores: 1,
    modelName: c.model, mhz: c.speed, cacheSize: 0, flags: [], microcode: '',
  }));
  const sum = (k: keyof os.CpuInfo['times']) => cpus.reduce((a, c) => a + c.times[k], 0) / 1000;
  const cpuTimes = [{ cpu: 'cpu-total', user: sum('user'), system: sum('sys'), idle: sum('idle'), nice: sum('nice'), iowait: 0, irq: sum('irq'), softirq: 0, steal: 0, guest: 0, guestNice: 0 }];

  const disk: Record<string, unknown>[] = [];
  try {
    const s = statfsSync('/');
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    const used = total - s.bfree * s.bsize;
    const fstype = (read('/proc/mounts') ?? '').split('\n').map((l) => l.split(' ')).find((f) => f[1] === '/')?.[2] ?? '';
    disk.push({
      path: '/', fstype, total, free, used, usedPercent: total ? (used / (used + free)) * 100 : 0,
      inodesTotal: s.files, inodesUsed: s.files - s.ffree, inodesFree: s.ffree, inodesUsedPercent: s.files ? ((s.files - s.ffree) / s.files) * 100 : 0,
    });
  } catch (e) {
    warnings.push(`error collecting disk info: ${(e as Error).message}`);
  }

  const rel = osRelease();
  let procs = 0;
  try { procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).length; } catch { /* not Linux */ }
  const uptime = Math.floor(os.uptime());
  const host = {
    hostname: os.hostname(), uptime, bootTime: Math.floor(Date.now() / 1000) - uptime, procs, os: process.platform,
    platform: rel.ID ?? '', platformFamily: rel.ID_LIKE ?? rel.ID ?? '', platformVersion: rel.VERSION_ID ?? '',
    kernelVersion: os.release(), kernelArch: ARCH[os.arch()] ?? os.arch(), virtualizationSystem: '', virtualizationRole: '',
    hostid: (read('/etc/machine-id') ?? '').trim(),
  };

  const mi = meminfo();
  const total = os.totalmem();
  const free = os.freemem();
  const available = mi.MemAvailable ?? free;
  const used = total - free - (mi.Buffers ?? 0) - (mi.Cached ?? 0);
  const memory = {
    total, available, used, usedPercent: total ? (used / total) * 100 : 0, free,
    buffers: mi.Buffers ?? 0, cached: mi.Cached ?? 0, swapTotal: mi.SwapTotal ?? 0, swapFree: mi.SwapFree ?? 0,
  };
  return { data: { cpu, cpu_times: cpuTimes, disk, host, memory, timestamp: new Date().toISOString() }, warnings };
}
