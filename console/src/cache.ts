/**
 * What the console loads once per session and shares between pages: the
 * run's leads, the places, the server's map config. Cleared on sign-out so
 * the next user never sees the last one's data.
 */
import { api } from './api/client.ts';
import type { Lead, Places, Run } from './api/types.ts';

const store = new Map<string, Promise<unknown>>();

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = store.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    store.set(key, p);
    // A failure is not kept: the next page tries again.
    p.catch(() => store.delete(key));
  }
  return p;
}

export const clearCache = () => store.clear();
export const forget = (key: 'leads' | 'runs') => store.delete(key);

/** Every lead of the latest run the user may see (in the order of rank), loaded in pages of 1000. */
export const allLeads = () =>
  once('leads', async () => {
    const items: Lead[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await api.leads({ limit: 1000, offset });
      items.push(...page.items);
      offset = page.next_offset;
    }
    return items;
  });

export const places = () => once<Places>('places', () => api.places());
export const mapConfig = () => once('config', () => api.config());
export const runs = () => once<Run[]>('runs', async () => (await api.runs()).items);
