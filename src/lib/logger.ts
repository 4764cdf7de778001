/**
 * The logger contract every layer uses. Implemented with pino; tests can pass a silent one.
 * Never pass secret values to it: log ids, accessors, paths and serials.
 */
import pino from 'pino';

export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  /** Lets hot paths skip building a log line nobody will see (pino has it). */
  isLevelEnabled?(level: string): boolean;
}

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  const lvl = level === 'err' ? 'error' : level;
  return pino({ level: lvl, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(2)) as unknown as Logger;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' }) as unknown as Logger;
}
