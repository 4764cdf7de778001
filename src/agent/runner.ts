/**
 * The template runner: renders every template against the shared Vault data, writes the
 * destinations that changed and runs their commands, and renders a template again whenever a
 * dependency it used brings new data (honouring its `wait` quiescence timer). Renders of one
 * template never overlap; a trigger during a render queues exactly one more.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../lib/logger.js';
import type { TemplateConfig } from './config.js';
import { renderToFile } from './render-file.js';
import { runCommand } from './run-command.js';
import { lookupId } from './template/funcs/files.js';
import { parseConsulTemplate } from './template/funcs/index.js';
import type { TemplateDataSource } from './template/funcs/vault.js';
import type { Template } from './template/template.js';
import { StaleTokenError, type VaultSource } from './vault-source.js';

export interface RunnerOptions {
  templates: TemplateConfig[];
  source: VaultSource;
  logger: Logger;
  /** Called after each successful render (env templates use the text; files are written already). */
  onRendered?: (index: number, contents: string, changed: boolean) => void;
  /** Every template has rendered at least once since the last start. */
  onAllRendered?: () => void;
  /** A render failed in a way that should stop or restart the runner. */
  onFatal: (err: Error) => void;
  /** Extra functions (used by tests and the benchmark). */
  processEnv?: NodeJS.ProcessEnv;
}

interface Slot {
  cfg: TemplateConfig;
  tmpl: Template;
  /** Where the data functions of the render in progress go. */
  ds: (TemplateDataSource & { readFile(p: string): Promise<string> }) | undefined;
  used: Set<string>;
  rendered: boolean;
  running: Promise<void> | undefined;
  again: boolean;
  waitTimer?: NodeJS.Timeout;
  waitStarted?: number;
  lastContents?: string;
}

export class TemplateRunner {
  private slots: Slot[];
  private allRenderedFired = false;
  private refs = new Map<string, number>();
  private stopped = false;

  constructor(private readonly o: RunnerOptions) {
    this.slots = o.templates.map((cfg) => this.compile(cfg));
  }

  private compile(cfg: TemplateConfig): Slot {
    const text = cfg.contents ?? readFileSync(cfg.source!, 'utf8');
    const slot: Slot = { cfg, tmpl: undefined as unknown as Template, ds: undefined, used: new Set(), rendered: false, running: undefined, again: false };
    const ds = () => {
      if (!slot.ds) throw new Error('template data requested outside a render');
      return slot.ds;
    };
    slot.tmpl = parseConsulTemplate(text, {
      data: {
        secret: (p, d) => ds().secret(p, d),
        list: (p) => ds().list(p),
        pkiCert: (p, d, dest) => ds().pkiCert(p, d, dest),
      },
      readFile: (p) => ds().readFile(p),
      destination: cfg.destination,
      leftDelim: cfg.leftDelim,
      rightDelim: cfg.rightDelim,
      errorOnMissingKey: cfg.errorOnMissingKey,
      sandboxPath: cfg.sandboxPath,
      functionDenylist: cfg.functionDenylist,
      processEnv: this.o.processEnv,
    });
    return slot;
  }

  /** Renders everything (again): after start, and after every new token. */
  start(): void {
    this.stopped = false;
    this.allRenderedFired = false;
    for (const s of this.slots) s.rendered = false;
    this.slots.forEach((_, i) => this.trigger(i));
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.slots) clearTimeout(s.waitTimer);
  }

  /** Waits for renders in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.slots.some((s) => s.running)) await Promise.all(this.slots.map((s) => s.running));
  }

  /** A dependency changed: render the templates that used it. */
  dependencyChanged(depId: string): void {
    this.slots.forEach((s, i) => {
      if (s.used.has(depId)) this.trigger(i, true);
    });
  }

  private trigger(i: number, useWait = false): void {
    if (this.stopped) return;
    const s = this.slots[i]!;
    const { waitMin, waitMax } = s.cfg;
    if (useWait && waitMin > 0) {
      // Quiescence: render once no new data came for `min`, but never later than `max` after the first.
      const now = Date.now();
      s.waitStarted ??= now;
      clearTimeout(s.waitTimer);
      const due = Math.min(now + waitMin * 1000, s.waitStarted + Math.max(waitMax, waitMin) * 1000);
      s.waitTimer = setTimeout(() => {
        s.waitStarted = undefined;
        this.trigger(i);
      }, Math.max(0, due - now));
      return;
    }
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = this.render(i).finally(() => {
      s.running = undefined;
      if (s.again && !this.stopped) {
        s.again = false;
        this.trigger(i);
      }
    });
  }

  private async render(i: number): Promise<void> {
    const s = this.slots[i]!;
    const used = new Set<string>();
    s.ds = this.o.source.forRender(used);
    let contents: string;
    try {
      contents = await s.tmpl.execute(undefined);
    } catch (e) {
      if (e instanceof StaleTokenError || this.stopped) return;
      const err = e as Error;
      this.o.logger.error({ template: s.cfg.destination ?? i }, `template: render failed: ${err.message}`);
      if (s.cfg.errorFatal) this.o.onFatal(err);
      return;
    } finally {
      s.ds = undefined;
    }
    this.track(s.used, used);
    s.used = used;
    let changed = s.lastContents !== contents;
    if (s.cfg.destination) {
      try {
        changed = await renderToFile({
          path: s.cfg.destination, contents, perms: s.cfg.perms, createDestDirs: s.cfg.createDestDirs, backup: s.cfg.backup,
          uid: s.cfg.uid ?? (s.cfg.user ? lookupId('user', s.cfg.user) : undefined),
          gid: s.cfg.gid ?? (s.cfg.group ? lookupId('group', s.cfg.group) : undefined),
        });
      } catch (e) {
        this.o.logger.error({ template: s.cfg.destination }, `template: ${(e as Error).message}`);
        this.o.onFatal(e as Error);
        return;
      }
      if (changed) this.o.logger.info({ destination: s.cfg.destination }, 'template: rendered');
    }
    s.lastContents = contents;
    s.rendered = true;
    this.o.onRendered?.(i, contents, changed);
    if (changed && s.cfg.command && s.cfg.destination) await this.runCommand(s);
    if (!this.allRenderedFired && this.slots.every((x) => x.rendered)) {
      this.allRenderedFired = true;
      this.o.onAllRendered?.();
    }
  }

  /** Reference counts of dependencies over all templates; unused ones stop refreshing. */
  private track(before: Set<string>, after: Set<string>): void {
    for (const id of after) if (!before.has(id)) this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
    const unused: string[] = [];
    for (const id of before) {
      if (after.has(id)) continue;
      const n = (this.refs.get(id) ?? 1) - 1;
      if (n > 0) this.refs.set(id, n);
      else {
        this.refs.delete(id);
        unused.push(id);
      }
    }
    if (unused.length) this.o.source.release(unused);
  }

  private async runCommand(s: Slot): Promise<void> {
    try {
      const r = await runCommand(s.cfg.command!, s.cfg.commandTimeout);
      if (r.timedOut) this.o.logger.error({ template: s.cfg.destination }, `template: command timed out after ${s.cfg.commandTimeout}s`);
      else if (r.code !== 0) this.o.logger.error({ template: s.cfg.destination, code: r.code }, 'template: command exited non-zero');
    } catch (e) {
      this.o.logger.error({ template: s.cfg.destination }, (e as Error).message);
    }
  }
}
