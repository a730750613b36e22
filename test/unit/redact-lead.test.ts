import { describe, expect, it } from 'vitest';
import { redactLead } from '../../src/server/routes/leads.ts';
import type { LeadRecord } from '../../src/workspace/types.ts';
import type { User } from '../../src/workspace/users.ts';

const lead = {
  run_id: 1,
  lead_id: 'L-1',
  brands: ['Nike', 'Adidas'],
  est_value: 120_000,
  status: 'moved',
  successor_lead_id: 'L-2',
  evidence: ['night pickups', 'estimated sales 120,000'],
} as unknown as LeadRecord;
const holder = { name: 'brand-owner', role: 'rights_holder', brands: ['Nike'] } as unknown as User;
const analyst = { name: 'analyst', role: 'analyst', brands: [] } as unknown as User;

describe('redactLead', () => {
  it("keeps a moved site's successor for a rights holder only when that lead is in their scope", () => {
    expect(redactLead(lead, holder, () => true).successor_lead_id).toBe('L-2');
    expect(redactLead(lead, holder, () => false).successor_lead_id).toBeNull();
    expect(redactLead(lead, holder, (run, id) => run === 1 && id === 'L-2').successor_lead_id).toBe('L-2');
  });

  it('cuts a rights holder to their brands and withholds the value; the team sees the lead whole', () => {
    const cut = redactLead(lead, holder, () => false);
    expect(cut.brands).toEqual(['Nike']);
    expect(cut.est_value).toBeNull();
    expect(cut.evidence).toEqual(['night pickups']);
    expect(redactLead(lead, analyst, () => false)).toBe(lead);
  });
});
