/**
 * A small router on the history API: the path is the page, the query its
 * filters (so a filtered view is a link that can be shared). The server
 * answers every non-API path with index.html, so any URL opens directly.
 */
import type { AnchorHTMLAttributes } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
let moved = false;
const notify = () => {
  moved = true;
  listeners.forEach((l) => l());
};
addEventListener('popstate', notify);

/** Whether the console has moved from the page it was opened on (a new page then takes the focus; the first one leaves it to the browser). */
export const hasNavigated = () => moved;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

/** The current path and query; re-renders the caller when either changes. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Replaces the query of the current page (filters), keeping the path. */
export function setQuery(values: Record<string, string | number | undefined | null>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, { replace: true });
}

/** Matches '/cases/:id' against a path: the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length && !(pattern === '/' && path === '/')) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i] ?? '');
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** An ordinary link that the router follows without reloading; a new tab or a download still works as a link. */
export function Link({ href, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      onClick={(e) => {
        if (typeof onClick === 'function') onClick(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return;
        e.preventDefault();
        navigate(href);
      }}
      {...rest}
    />
  );
}
