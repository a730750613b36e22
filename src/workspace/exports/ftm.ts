/**
 * The case as FollowTheMoney entities, the data model of Aleph and
 * OpenSanctions, so that an investigator can load it beside their other
 * material and see the accounts and the site in one graph:
 *
 *   Project      the case (its title, state, brands)
 *   Address      the site, with latitude and longitude
 *   Note         the lead's evidence, attached to the site
 *   UserAccount  each seller account (username = seller id, name = shop name)
 *   UnknownLink  account <-> account for each identifier they share (role says
 *                which kind), account -> site (parcels handed over there),
 *                case -> site
 *   Event        each transition of the case
 *
 * UnknownLink, not a typed relation, because what is known is only that two
 * accounts share a phone or a device, not who runs them. Ids are SHA-1 hashes
 * of the case id, the kind of entity and its key, so a second export of the
 * same case gives the same ids and Aleph updates instead of duplicating.
 * Dates are UTC without an offset, as FtM's date type requires.
 */
import { createHash } from 'node:crypto';
import type { CaseFile } from '../types.ts';

export interface FtmEntity {
  id: string;
  schema: string;
  properties: Record<string, string[]>;
}

/** A stable entity id: SHA-1 of the case, the entity kind and its key. */
export function ftmId(caseId: number, kind: string, key: string): string {
  return createHash('sha1').update(`dragnet\x1fcase:${caseId}\x1f${kind}\x1f${key}`).digest('hex');
}

/**
 * An ISO 8601 instant or date as FtM wants it: UTC, no offset, to the
 * second (`2026-03-01T15:14:05`); a bare date stays a date.
 */
export function ftmDate(iso: string): string {
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(iso)) return iso;
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) throw new Error(`not an ISO 8601 date: ${iso}`);
  return t.toISOString().slice(0, 19);
}

/** Properties without empty values, each as a list of strings. */
function props(p: Record<string, (string | number | null | undefined)[] | string | number | null | undefined>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(p)) {
    const values = (Array.isArray(v) ? v : [v])
      .filter((x): x is string | number => x !== null && x !== undefined && String(x).trim() !== '')
      .map(String);
    if (values.length > 0) out[k] = values;
  }
  return out;
}

export function caseFtm(file: CaseFile): FtmEntity[] {
  const { case: c, lead } = file;
  const id = (kind: string, key: string) => ftmId(c.case_id, kind, key);
  const entities: FtmEntity[] = [];
  const add = (schema: string, entityId: string, p: Parameters<typeof props>[0]) => {
    entities.push({ id: entityId, schema, properties: props(p) });
  };

  const projectId = id('case', '');
  add('Project', projectId, {
    name: c.title,
    projectId: `case-${c.case_id}`,
    status: c.state,
    startDate: ftmDate(c.created_at),
    keywords: [...c.brands, ...c.categories],
    summary: `Dragnet case ${c.case_id} on lead ${lead.lead_id} (score ${lead.score}, ${lead.waybills} parcels)`,
    publisher: 'Dragnet',
    modifiedAt: ftmDate(file.generated_at),
  });

  const siteId = id('site', lead.lead_id);
  add('Address', siteId, {
    name: `Site of lead ${lead.lead_id}`,
    full: c.outcome?.address_found,
    latitude: lead.lat,
    longitude: lead.lng,
    remarks: `radius ${lead.radius_m} m (about 90% likely to contain the site); status ${lead.status}`,
  });

  add('Note', id('evidence', lead.lead_id), {
    name: `Evidence for lead ${lead.lead_id}`,
    description: lead.evidence.map((e) => `- ${e}`).join('\n'),
    entity: siteId,
  });

  add('UnknownLink', id('case-site', lead.lead_id), {
    subject: projectId,
    object: siteId,
    role: 'site under investigation',
    startDate: ftmDate(c.created_at),
  });

  for (const a of file.detail.accounts) {
    const accountId = id('account', a.seller_id);
    add('UserAccount', accountId, {
      username: a.seller_id,
      name: a.shop_name ?? a.seller_id,
      description: `seller network ${a.network_id}, score ${a.score}`,
    });
    add('UnknownLink', id('account-site', a.seller_id), {
      subject: accountId,
      object: siteId,
      role: 'parcels handed over at the site',
      description: `${a.parcels} parcels picked up within ${lead.radius_m} m of lead ${lead.lead_id}`,
    });
  }

  const known = new Set(file.detail.accounts.map((a) => a.seller_id));
  for (const ident of file.detail.identifiers) {
    // Identifiers of accounts cut from this case file (by the requester's scope) must not link to nothing.
    const members = [...new Set(ident.seller_ids)].filter((s) => known.has(s)).sort();
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        add('UnknownLink', id('shared', `${ident.kind}\x1f${ident.value}\x1f${members[i]}\x1f${members[j]}`), {
          subject: id('account', members[i]),
          object: id('account', members[j]),
          role: `shares ${ident.kind.replace(/_/g, ' ')}`,
          description: `both accounts use ${ident.kind} ${ident.value}`,
        });
      }
    }
  }

  file.transitions.forEach((t, i) => {
    add('Event', id('transition', String(i)), {
      name: `Case ${c.case_id}: ${t.from ?? 'opened'} → ${t.to}`,
      date: ftmDate(t.at),
      summary: t.comment,
      description: `by ${t.user} (${t.role})`,
    });
  });

  return entities;
}

/** One entity per line, the form Aleph's `alephclient write-entities` and `ftm` tools read. */
export function ftmJsonLines(entities: readonly FtmEntity[]): string {
  return entities.map((e) => JSON.stringify(e) + '\n').join('');
}
