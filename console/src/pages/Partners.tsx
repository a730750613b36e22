/** Police partners: their jurisdictions, categories and agreement dates, and a form to add one (admin). */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { NewPartner } from '../api/types.ts';
import { ErrorNote, Field, Loading, PageTitle, Section, TableWrap } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';

const CATEGORIES = ['shoes', 'clothing', 'food_drug', 'mother_baby', 'auto_parts', 'appliances', 'luggage', 'furniture', 'other'];

/** The box around a GeoJSON polygon's coordinates, for a one-line description of a jurisdiction. */
function extent(j: Record<string, unknown>): string {
  const flat: number[][] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x) && typeof x[0] === 'number') flat.push(x as number[]);
    else if (Array.isArray(x)) x.forEach(walk);
  };
  walk(j.coordinates);
  if (flat.length === 0) return '–';
  const xs = flat.map((p) => p[0]);
  const ys = flat.map((p) => p[1]);
  const f = (n: number) => n.toFixed(3);
  return `${f(Math.min(...xs))}, ${f(Math.min(...ys))} – ${f(Math.max(...xs))}, ${f(Math.max(...ys))}`;
}

export function Partners() {
  const { t, term } = useI18n();
  const partners = useAsync(() => api.partners(), []);
  return (
    <>
      <PageTitle title={t('partners.title')}>{t('partners.title')}</PageTitle>
      <ErrorNote error={partners.error} />
      {partners.loading && !partners.data ? <Loading /> : null}
      {partners.data ? (
        <TableWrap label={t('partners.title')}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t('partners.id')}</th>
                <th scope="col">{t('partners.name')}</th>
                <th scope="col">{t('partners.area')}</th>
                <th scope="col">{t('partners.categories')}</th>
                <th scope="col">{t('partners.valid')}</th>
              </tr>
            </thead>
            <tbody>
              {partners.data.items.map((p) => (
                <tr key={p.partner_id}>
                  <td>{p.partner_id}</td>
                  <td>{p.name}</td>
                  <td class="mono small">{extent(p.jurisdiction)}</td>
                  <td>{p.categories.map((c) => term('category', c)).join(', ')}</td>
                  <td>
                    {p.valid_from ?? '…'} – {p.valid_to ?? '…'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <Section title={t('partners.add')}>
        <AddPartner onAdded={partners.reload} />
      </Section>
    </>
  );
}

function AddPartner({ onAdded }: { onAdded: () => void }) {
  const { t, term } = useI18n();
  const empty = { id: '', name: '', west: '', south: '', east: '', north: '', from: '', to: '' };
  const [p, setP] = useState(empty);
  const [cats, setCats] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof typeof p) => (e: Event) => setP({ ...p, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    const [w, s, ea, n] = [p.west, p.south, p.east, p.north].map(Number);
    const body: NewPartner = {
      partner_id: p.id.trim(),
      name: p.name.trim(),
      jurisdiction: { type: 'Polygon', coordinates: [[[w, s], [ea, s], [ea, n], [w, n], [w, s]]] },
      categories: cats,
      valid_from: p.from || null,
      valid_to: p.to || null,
    };
    try {
      const added = await api.addPartner(body);
      setDone(t('partners.added', { id: added.partner_id }));
      setP(empty);
      setCats([]);
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  const coord = (k: 'west' | 'south' | 'east' | 'north', min: number, max: number) => (
    <Field label={t(`partners.${k}`)}>{(id) => <input id={id} name={k} type="number" step="any" min={min} max={max} required value={p[k]} onInput={set(k)} />}</Field>
  );
  return (
    <form class="form-grid" onSubmit={submit}>
      <Field label={t('partners.id')} hint={t('partners.id_hint')}>{(id) => <input id={id} name="partner_id" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" value={p.id} onInput={set('id')} />}</Field>
      <Field label={t('partners.name')}>{(id) => <input id={id} name="name" required maxLength={200} value={p.name} onInput={set('name')} />}</Field>
      <fieldset class="field-row">
        <legend>{t('partners.area_box')}</legend>
        {coord('west', -180, 180)}
        {coord('south', -90, 90)}
        {coord('east', -180, 180)}
        {coord('north', -90, 90)}
      </fieldset>
      <fieldset class="checks">
        <legend>{t('partners.categories')}</legend>
        {CATEGORIES.map((c) => (
          <div class="field checkbox" key={c}>
            <input
              id={`cat-${c}`}
              type="checkbox"
              checked={cats.includes(c)}
              onChange={(e) => setCats((e.target as HTMLInputElement).checked ? [...cats, c] : cats.filter((x) => x !== c))}
            />
            <label for={`cat-${c}`}>{term('category', c)}</label>
          </div>
        ))}
      </fieldset>
      <div class="field-row">
        <Field label={t('partners.from')}>{(id) => <input id={id} name="valid_from" type="date" value={p.from} onInput={set('from')} />}</Field>
        <Field label={t('partners.to')}>{(id) => <input id={id} name="valid_to" type="date" value={p.to} onInput={set('to')} />}</Field>
      </div>
      <ErrorNote error={error} />
      {done ? <p role="status" class="ok">{done}</p> : null}
      <div>
        <button type="submit" disabled={cats.length === 0}>{t('partners.add_button')}</button>
      </div>
    </form>
  );
}
