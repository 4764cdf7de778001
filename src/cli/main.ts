/**
 * The `coffer` entry point: finds the command in the arguments, parses its flags with vault's
 * rules and runs it. Exit codes as vault's: 0 ok, 1 usage or local error, 2 server error,
 * 127 unknown command. `main` takes its streams and environment as arguments, so tests run the
 * CLI in-process.
 */
import { type Command, Context, commandFlags, errorText } from './command.js';
import { COMMANDS, DEPRECATED, GROUPS } from './commands/index.js';
import { UsageError, parseFlags, renderFlagHelp, trailingFlags, wantsHelp } from './flags.js';
import { type CliIO, Ui, processIO } from './io.js';
import { FORMATS } from './output.js';

/** Commands that live in other modules and own their whole argument list. */
interface External {
  synopsis: string;
  /** `real` is true when running as the process (bin/coffer.js), not in-process in a test. */
  load(): Promise<(args: string[], io: CliIO, real: boolean) => Promise<number>>;
}

const EXTERNAL: Record<string, External> = {
  server: {
    synopsis: 'Start a Coffer server',
    load: async () => {
      const m = await import('./server-command.js');
      return (args, io) => m.runServerCommand(args, { stdout: io.stdout, stderr: io.stderr, env: io.env });
    },
  },
  agent: {
    synopsis: 'Start a Coffer agent (auto-auth, templates, token sink)',
    load: async () => {
      const m = await import('../agent/command.js');
      return (args, io, real) => m.runAgentCommand(args, { env: io.env, stdout: io.stdout, stderr: io.stderr, signals: real });
    },
  },
  'dev kube-apiserver': {
    synopsis: 'Run a local Kubernetes API test server (demos and tests)',
    load: async () => {
      const m = await import('../kube/testing/command.js');
      return (args, io) => m.runKubeApiserverCommand(args, io.stdout, io.stderr);
    },
  },
  'k8s injector': { synopsis: 'Run the agent injector (mutating admission webhook, vault-k8s annotations)', load: async () => { const m = await import('../kube/injector/command.js'); return (args, io) => m.runInjectorCommand(args, io); } },
};

/** The external command named by the leading words of argv, if any. */
function externalFor(argv: string[]): { ext: External; rest: string[] } | undefined {
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const ext = EXTERNAL[argv.slice(0, n).join(' ')];
    if (ext) return { ext, rest: argv.slice(n) };
  }
  return undefined;
}

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

/** vault reads -format (and -detailed) from anywhere on the line, ahead of the command's own flags. */
function globalOutput(argv: string[], env: NodeJS.ProcessEnv): { format: string; detailed: boolean } {
  let format = '';
  let detailed: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const m = /^--?format=(.*)$/.exec(a);
    if (m) format = m[1]!;
    else if (a === '-format' || a === '--format') format = argv[++i] ?? '';
    const d = /^--?detailed(?:=(.*))?$/.exec(a);
    if (d) detailed = d[1] === undefined ? true : ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(d[1]);
  }
  if (!format) format = env.VAULT_FORMAT ?? '';
  if (detailed === undefined) detailed = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(env.VAULT_DETAILED ?? '');
  return { format: format.toLowerCase() || 'table', detailed };
}

function topHelp(): string {
  const common = ['read', 'write', 'delete', 'list', 'login', 'server', 'status', 'unwrap'];
  const pad = (s: string) => s.padEnd(12);
  const synopsis = (n: string) => byName.get(n)?.synopsis ?? EXTERNAL[n]?.synopsis ?? '';
  const others = [...new Set([
    ...Object.keys(GROUPS).filter((g) => !g.includes(' ')),
    ...COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => c.name),
    ...Object.keys(EXTERNAL).map((n) => n.split(' ')[0]!),
  ])].filter((n) => !common.includes(n)).sort();
  return [
    'Usage: coffer <command> [args]',
    '',
    'Common commands:',
    ...common.map((n) => `    ${pad(n)}${synopsis(n)}`),
    '',
    'Other commands:',
    ...others.map((n) => `    ${pad(n)}${GROUPS[n] ?? synopsis(n) ?? ''}`),
  ].join('\n');
}

function groupHelp(group: string): string {
  const subs = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const names = new Set<string>();
  const rows: string[] = [];
  for (const c of subs) {
    const next = c.name.slice(group.length + 1).split(' ')[0]!;
    if (names.has(next)) continue;
    names.add(next);
    const full = `${group} ${next}`;
    rows.push(`    ${next.padEnd(16)}${byName.get(full)?.synopsis ?? GROUPS[full] ?? ''}`);
  }
  for (const [name, ext] of Object.entries(EXTERNAL)) {
    if (name.startsWith(`${group} `)) rows.push(`    ${name.slice(group.length + 1).padEnd(16)}${ext.synopsis}`);
  }
  return [`Usage: coffer ${group} <subcommand> [options] [args]`, '', `  ${GROUPS[group] ?? ''}.`, '', 'Subcommands:', ...rows.sort()].join('\n');
}

export function commandHelp(cmd: Command): string {
  return `${cmd.help}\n\n${renderFlagHelp(commandFlags(cmd))}`.trimEnd();
}

/** The longest run of leading words naming a command, or a group, or a deprecated alias. */
function resolve(argv: string[]): { cmd?: Command; group?: string; rest: string[]; deprecated?: string } {
  for (let n = Math.min(3, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    const cmd = byName.get(name);
    if (cmd) return { cmd, rest: argv.slice(n) };
  }
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    if (GROUPS[name]) return { group: name, rest: argv.slice(n) };
  }
  const alias = argv[0] !== undefined ? DEPRECATED[argv[0]] : undefined;
  if (alias) {
    const rest = argv.slice(1);
    const target = typeof alias === 'function' ? alias(rest) : alias;
    return { cmd: byName.get(target), rest, deprecated: argv[0] };
  }
  return { rest: argv };
}

export async function main(argv: string[], ioOverrides: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = { ...processIO(), ...ioOverrides };
  let args = [...argv];
  if (args.length === 1 && ['-v', '-version', '--version'].includes(args[0]!)) args = ['version'];

  const external = externalFor(args);
  if (external) return (await external.ext.load())(external.rest, io, Object.keys(ioOverrides).length === 0);

  const { format, detailed } = globalOutput(args, io.env);
  const ui = new Ui(io, format, detailed);
  if (args.length === 0 || ['-h', '-help', '--help'].includes(args[0]!)) {
    if (args.length === 0) {
      ui.error(topHelp());
      return 127;
    }
    ui.output(topHelp());
    return 0;
  }

  const { cmd, group, rest, deprecated } = resolve(args);
  if (!cmd) {
    if (group) {
      if (wantsHelp(rest)) {
        ui.output(groupHelp(group));
        return 0;
      }
      ui.error(groupHelp(group));
      return rest.length === 0 ? 1 : 127;
    }
    ui.error(`Unknown command: ${args[0]}\n\n${topHelp()}`);
    return 127;
  }
  if (deprecated) ui.warn(`WARNING! "coffer ${deprecated}" is deprecated; use "coffer ${cmd.name}" instead.\n`);
  if (wantsHelp(rest)) {
    ui.output(commandHelp(cmd));
    return 0;
  }
  if (!FORMATS.includes(format)) {
    ui.error(`Invalid output format: ${format}`);
    return 1;
  }
  if (format === 'raw' && cmd.name !== 'read') {
    ui.error('This command does not support the -format=raw option.');
    return 1;
  }

  let parsed;
  try {
    parsed = parseFlags(rest, commandFlags(cmd), io.env);
  } catch (e) {
    ui.error(errorText(e));
    return 1;
  }
  const late = trailingFlags(parsed.args);
  if (late.length > 0 && format === 'table') {
    ui.warn(`Command flags must be provided before positional arguments. The following arguments will not be parsed as flags: [${late.join(',')}]`);
  }
  const cmdUi = new Ui(io, format, detailed || !!parsed.flags['detailed']);
  const ctx = new Context(io, cmdUi, parsed.flags, parsed.set, parsed.args);
  try {
    return await cmd.run(ctx);
  } catch (e) {
    return ctx.fail(errorText(e), e instanceof UsageError ? 1 : 2);
  } finally {
    ctx.close();
  }
}
