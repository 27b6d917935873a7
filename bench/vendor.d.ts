// Just the part of autocannon's untyped API that bench/children/load.ts and soak-load.ts use.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface AutocannonOptions {
    url: string;
    method?: 'GET' | 'POST';
    connections?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Cycled through by each connection; onResponse sees every answer. */
    requests?: {
      method?: 'GET' | 'POST';
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      onResponse?: (status: number, body: string) => void;
    }[];
  }
  export interface AutocannonResult {
    /** Seconds the run took. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    requests: { total: number };
    latency: { p50: number; p99: number };
  }
  interface Instance extends EventEmitter {
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
    ): this;
  }
  function autocannon(
    options: AutocannonOptions,
    done: (error: Error | null, result: AutocannonResult) => void,
  ): Instance;
  export default autocannon;
}
