/**
 * Slows down repeated failed sign-ins: after FREE failures for a name or
 * from an address within WINDOW_MS, each further attempt waits twice as long
 * as the last (up to MAX_DELAY_MS), so guessing passwords costs hours while a
 * person who mistyped twice notices nothing. Kept in memory: a restart
 * forgets, which costs a guesser one window at most.
 */
const FREE = 3;
const WINDOW_MS = 15 * 60_000;
const MAX_DELAY_MS = 8_000;

export class SignInThrottle {
  private readonly fails = new Map<string, number[]>();

  private keys(name: string, ip: string | null): string[] {
    return [`n:${name.toLowerCase()}`, ...(ip ? [`a:${ip}`] : [])];
  }

  failures(name: string, ip: string | null): number {
    const cutoff = Date.now() - WINDOW_MS;
    return Math.max(0, ...this.keys(name, ip).map((k) => (this.fails.get(k) ?? []).filter((t) => t > cutoff).length));
  }

  /** How long the next attempt waits, in milliseconds. */
  delay(name: string, ip: string | null): number {
    const n = this.failures(name, ip);
    return n < FREE ? 0 : Math.min(MAX_DELAY_MS, 250 * 2 ** (n - FREE));
  }

  async wait(name: string, ip: string | null): Promise<void> {
    const ms = this.delay(name, ip);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  failed(name: string, ip: string | null): void {
    const cutoff = Date.now() - WINDOW_MS;
    for (const k of this.keys(name, ip)) this.fails.set(k, [...(this.fails.get(k) ?? []).filter((t) => t > cutoff), Date.now()]);
    if (this.fails.size > 100_000) this.fails.clear();
  }

  succeeded(name: string, ip: string | null): void {
    this.fails.delete(this.keys(name, ip)[0]);
  }
}
