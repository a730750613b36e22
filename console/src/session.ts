/** The signed-in user, shared with every page. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api/types.ts';

export const SessionContext = createContext<Session | null>(null);

/** The session of a signed-in page (the app renders pages only when there is one). */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

// The cookie is http-only, so the console cannot see it; it remembers that there was a sign-in, to ask the server only then.
const HINT = 'dragnet.signed-in';
export const rememberSignIn = () => localStorage.setItem(HINT, '1');
export const forgetSignIn = () => localStorage.removeItem(HINT);
export const maybeSignedIn = () => localStorage.getItem(HINT) === '1';
