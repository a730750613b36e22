/** Small pieces every page uses: the page title, loading and error notes, badges, labelled fields. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import type { CaseState, LeadStatus } from '../api/types.ts';
import { useI18n } from '../i18n/index.ts';
import { hasNavigated } from '../router.tsx';

/** The page's h1; it takes the focus when the page opens, so a screen reader announces where a link led. */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Dragnet`;
  }, [title]);
  useEffect(() => {
    // Only when nothing else holds the focus: the link that led here is gone, and a user typing elsewhere keeps their place.
    if (hasNavigated() && (!document.activeElement || document.activeElement === document.body)) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <p class="loading" role="status">
      {label ?? t('common.loading')}
    </p>
  );
}

/** An error from the API in the user's words: what went wrong, never a stack trace. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? error.code === 'forbidden'
        ? t('error.forbidden')
        : error.code === 'not_found'
          ? t('error.not_found')
          : error.message
      : t('error.network');
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function StatusBadge({ status }: { status: LeadStatus }) {
  const { term } = useI18n();
  return <span class={`badge status-${status}`}>{term('status', status)}</span>;
}

export function StateBadge({ state }: { state: CaseState }) {
  const { term } = useI18n();
  return <span class={`badge state-${state}`}>{term('state', state)}</span>;
}

/** A score as a number and a bar, for tables. */
export function Score({ value }: { value: number }) {
  return (
    <span class="score">
      <span class="score-bar" style={{ width: `${Math.round(value * 100)}%` }} aria-hidden="true" />
      <span class="score-num">{value.toFixed(2)}</span>
    </span>
  );
}

type FieldProps = { label: string; hint?: string; children: (id: string) => JSX.Element; class?: string };
let fieldSeq = 0;

/** A control with its visible label (and hint) tied to it by id. */
export function Field({ label, hint, children, class: cls }: FieldProps) {
  const id = useRef(`f${++fieldSeq}`).current;
  return (
    <div class={`field ${cls ?? ''}`}>
      <label for={id}>{label}</label>
      {children(id)}
      {hint ? (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** A section of a page with its heading. */
export function Section({ title, children, class: cls, id }: { title: string; children: ComponentChildren; class?: string; id?: string }) {
  const hid = useRef(`s${++fieldSeq}`).current;
  return (
    <section class={`panel ${cls ?? ''}`} aria-labelledby={hid} id={id}>
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}

/** A table that may scroll sideways, reachable and scrollable from the keyboard. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
