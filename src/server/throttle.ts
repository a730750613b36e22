/**
 * Slows down repeated failed sign-ins: after FREE_NAME failures for a name,
 * or FREE_ADDRESS from one address (an office shares one), within WINDOW_MS,
 * each further attempt waits twice as long as the last (up to MAX_DELAY_MS),
 * so guessing passwords costs hours while a person who mistyped twice
 * notices nothing. Kept in memory: a restart forgets, which costs a guesser
 * one window at most.
 */
const FREE_NAME = 3;
const FREE_ADDRESS = 20;
const WINDOW_MS = 15 * 60_000;
const MAX_DELAY_MS = 8_000;

export class SignInThrottle {
  private readonly fails = new Map<string, number[]>();

  private keys(name: string, ip: string | null): string[] {
    return [`n:${name.toLowerCase()}`, ...(ip ? [`a:${ip}`] : [])];
  }

  private count(key: string): number {
    const cutoff = Date.now() - WINDOW_MS;
    return (this.fails.get(key) ?? []).filter((t) => t > cutoff).length;
  }

  /** Recent failures for the name (and from the address, whichever is more). */
  failures(name: string, ip: string | null): number {
    return Math.max(0, ...this.keys(name, ip).map((k) => this.count(k)));
  }

  /** How long the next attempt waits, in milliseconds: the longer of the name's and the address's delays. */
  delay(name: string, ip: string | null): number {
    const [byName, byAddress] = this.keys(name, ip);
    const excess = Math.max(this.count(byName) - FREE_NAME, byAddress ? this.count(byAddress) - FREE_ADDRESS : -1);
    return excess < 0 ? 0 : Math.min(MAX_DELAY_MS, 250 * 2 ** excess);
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
