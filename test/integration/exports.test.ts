/**
 * The case-file exports opened by the tools that will really read them: GDAL
 * for GeoJSON and KML, qpdf and poppler for the PDF, csv-parse for the CSV,
 * and the FollowTheMoney model for the entities. A missing tool fails the
 * test with the package to install (CI installs them); it never skips.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { Model, defaultModel, type Schema } from '@alephdata/followthemoney';
import {
  EXPORT_FORMATS,
  ACCOUNTS_CSV_HEADER,
  accountsCsv,
  caseFtm,
  caseGeoJson,
  caseKml,
  casePdf,
  ftmJsonLines,
  type FtmEntity,
} from '../../src/workspace/exports/index.ts';
import { findCjkFont, parseFontSpec } from '../../src/workspace/exports/fonts.ts';
import { ftmDate } from '../../src/workspace/exports/ftm.ts';
import { SAMPLE_ADDRESS, SAMPLE_LEAD_ID, sampleCaseFile } from '../helpers/case-file.ts';
import { tempDir } from '../helpers/db.ts';

const PACKAGES: Record<string, string> = {
  ogrinfo: 'gdal-bin',
  qpdf: 'qpdf',
  pdftotext: 'poppler-utils',
  pdffonts: 'poppler-utils',
};

/** Runs a tool; a missing one fails with the Debian package that provides it. */
function tool(name: keyof typeof PACKAGES, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(name, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${name} is not installed: install Debian's ${PACKAGES[name]} (apt-get install ${PACKAGES[name]}); CI installs it.`);
  }
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `Feature Count: n` of each layer ogrinfo lists, by layer name. */
function featureCounts(summary: string): Map<string, number> {
  const counts = new Map<string, number>();
  let layer = '';
  for (const line of summary.split('\n')) {
    const name = /^Layer name: (.*)$/.exec(line);
    if (name) layer = name[1].trim();
    const n = /^Feature Count: (\d+)/.exec(line);
    if (n) counts.set(layer, Number(n[1]));
  }
  return counts;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const squash = (s: string) => s.replace(/\s+/g, '');

const file = sampleCaseFile();
const d = file.detail;
/** Site, radius, handover points, history positions, history track. */
const EXPECTED_FEATURES = 1 + 1 + d.handover_points.length + file.site_history.length + 1;

let dir: string;
beforeAll(async () => {
  dir = tempDir('dragnet-exports-');
  writeFileSync(join(dir, 'case.geojson'), JSON.stringify(caseGeoJson(file)));
  writeFileSync(join(dir, 'case.kml'), caseKml(file));
  writeFileSync(join(dir, 'case.pdf'), await casePdf(file));
});

describe('GeoJSON', () => {
  it('is RFC 7946: [lng, lat], no crs, a closed counter-clockwise ring of 64 vertices', () => {
    const fc = caseGeoJson(file);
    expect(fc).not.toHaveProperty('crs');
    expect(fc.features).toHaveLength(EXPECTED_FEATURES);
    const site = fc.features.find((f) => f.properties.kind === 'site')!;
    expect(site.geometry).toEqual({ type: 'Point', coordinates: [file.lead.lng, file.lead.lat] });
    expect(site.properties).toMatchObject({ lead_id: SAMPLE_LEAD_ID, case_id: 42, state: 'referred', radius_m: 180 });

    const radius = fc.features.find((f) => f.properties.kind === 'radius')!;
    if (radius.geometry.type !== 'Polygon') throw new Error('radius is not a polygon');
    const ring = radius.geometry.coordinates[0];
    expect(ring).toHaveLength(65);
    expect(ring[64]).toEqual(ring[0]);
    // Shoelace sum positive: counter-clockwise in (lng, lat).
    let area2 = 0;
    for (let i = 0; i < ring.length - 1; i++) area2 += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
    expect(area2).toBeGreaterThan(0);
    // Every vertex about radius_m from the lead (1 degree of latitude is about 111.2 km).
    for (const [lng, lat] of ring) {
      const dy = (lat - file.lead.lat) * 111_195;
      const dx = (lng - file.lead.lng) * 111_195 * Math.cos((file.lead.lat * Math.PI) / 180);
      expect(Math.hypot(dx, dy)).toBeCloseTo(180, 0);
    }

    const track = fc.features.find((f) => f.properties.kind === 'site_track')!;
    expect(track.geometry.coordinates).toEqual(file.site_history.map((s) => [s.lng, s.lat]));
  });

  it('has no history track with fewer than two positions', () => {
    const one = caseGeoJson(sampleCaseFile({ site_history: file.site_history.slice(-1) }));
    expect(one.features.filter((f) => f.properties.kind === 'site_track')).toHaveLength(0);
  });

  it('is read by GDAL with every feature and the lead id', () => {
    const path = join(dir, 'case.geojson');
    const summary = tool('ogrinfo', ['-ro', '-al', '-so', path]);
    expect(summary.status, summary.stderr).toBe(0);
    expect(sum(featureCounts(summary.stdout))).toBe(EXPECTED_FEATURES);
    const full = tool('ogrinfo', ['-ro', '-al', path]);
    expect(full.status, full.stderr).toBe(0);
    expect(full.stdout).toMatch(new RegExp(`lead_id \\(String\\) = ${SAMPLE_LEAD_ID}`));
    expect(full.stdout).toContain(SAMPLE_ADDRESS);
  });
});

describe('KML', () => {
  it('is read by GDAL with every feature in three folders, Chinese intact', () => {
    const path = join(dir, 'case.kml');
    const summary = tool('ogrinfo', ['-ro', '-al', '-so', path]);
    expect(summary.status, summary.stderr).toBe(0);
    const counts = featureCounts(summary.stdout);
    expect(sum(counts)).toBe(EXPECTED_FEATURES);
    expect(counts.get('Handover points')).toBe(d.handover_points.length);
    const full = tool('ogrinfo', ['-ro', '-al', path]);
    expect(full.status, full.stderr).toBe(0);
    expect(full.stdout).toMatch(new RegExp(`lead_id \\(String\\) = ${SAMPLE_LEAD_ID}`));
    expect(full.stdout).toContain(SAMPLE_ADDRESS);
  });

  it('escapes markup in names and values', () => {
    const kml = caseKml(sampleCaseFile({ case: { ...file.case, title: 'A & B <x> "q"' } }));
    expect(kml).toContain('A &amp; B &lt;x&gt; &quot;q&quot;');
    expect(kml).not.toContain('<x>');
    expect(kml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">')).toBe(true);
  });
});

describe('PDF', () => {
  it('passes qpdf --check', () => {
    const r = tool('qpdf', ['--check', join(dir, 'case.pdf')]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const pages = tool('qpdf', ['--show-npages', join(dir, 'case.pdf')]);
    expect(Number(pages.stdout.trim())).toBeGreaterThanOrEqual(3);
  });

  it('holds the lead id, the case id and the Chinese address as text', () => {
    const r = tool('pdftotext', [join(dir, 'case.pdf'), '-']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(SAMPLE_LEAD_ID);
    expect(r.stdout).toMatch(/Case 42\b/);
    // Line breaks may fall inside a Chinese run: compare without whitespace.
    const text = squash(r.stdout);
    expect(text).toContain(SAMPLE_ADDRESS);
    expect(text).toContain('莆田鞋业旗舰店');
    expect(text).toContain(squash('耐克 Air Jordan 1 高帮'));
  });

  it('embeds its fonts, the CJK one among them, and no other', () => {
    const r = tool('pdffonts', [join(dir, 'case.pdf')]);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').slice(2).filter((l) => l.trim() !== '');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      // name type... encoding emb sub uni object ID: emb is the fifth field from the end.
      const fields = row.trim().split(/\s+/);
      expect(fields[fields.length - 5], row).toBe('yes');
    }
    expect(rows.some((row) => /NotoSansCJK|WenQuanYi|DroidSans/i.test(row))).toBe(true);
  });

  it('gives the same bytes for the same case file', async () => {
    expect((await casePdf(file)).equals(readFileSync(join(dir, 'case.pdf')))).toBe(true);
  });

  it('renders a case with no detail, history or custody', async () => {
    const bare = sampleCaseFile({
      site_history: [],
      transitions: [],
      custody: [],
      detail: { parcels_by_day: [], parcels_by_hour: [], handover_points: [], accounts: [], identifiers: [], listings: [] },
    });
    const path = join(dir, 'bare.pdf');
    writeFileSync(path, await casePdf(bare));
    expect(tool('qpdf', ['--check', path]).status).toBe(0);
    expect(tool('pdftotext', [path, '-']).stdout).toContain('No parcels by day kept for this run.');
  });

  it('shows a raid and its outcome', async () => {
    const raided = sampleCaseFile({
      case: {
        ...file.case,
        state: 'raided',
        outcome: { result: 'confirmed', raid_date: '2026-02-20', seized_value: 1_250_000, arrests: 3, items: 8400, address_found: `${SAMPLE_ADDRESS}116号`, lat: 25.43262, lng: 119.00512 },
      },
    });
    const path = join(dir, 'raided.pdf');
    writeFileSync(path, await casePdf(raided));
    const text = squash(tool('pdftotext', [path, '-']).stdout);
    expect(text).toContain(squash('confirmed on 2026-02-20, seized CNY 1,250,000.00'));
    expect(text).toContain(`${SAMPLE_ADDRESS}116号`);
  });
});

describe('CJK font discovery', () => {
  it('names the paths tried and the package to install when there is no CJK font', () => {
    expect(() => findCjkFont({}, () => false)).toThrow(/NotoSansCJK-Regular\.ttc.*wqy-microhei\.ttc.*fonts-noto-cjk/s);
  });

  it('takes DRAGNET_CJK_FONT first, with a face name for a collection', () => {
    const font = findCjkFont({ DRAGNET_CJK_FONT: '/fonts/x.ttc#XSans-Regular' }, (p) => p === '/fonts/x.ttc');
    expect(font.regular).toEqual({ path: '/fonts/x.ttc', postscriptName: 'XSans-Regular' });
    expect(() => findCjkFont({ DRAGNET_CJK_FONT: '/fonts/x.ttc' }, () => true)).toThrow(/#PostScriptName/);
    expect(() => findCjkFont({ DRAGNET_CJK_FONT: '/nowhere.ttf' }, () => false)).toThrow(/\/nowhere\.ttf/);
    expect(parseFontSpec('/a/b.otf')).toEqual({ path: '/a/b.otf' });
  });

  it('falls back along the Debian paths', () => {
    const font = findCjkFont({}, (p) => p.endsWith('wqy-microhei.ttc'));
    expect(font.regular.path).toBe('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc');
    expect(font.bold).toEqual(font.regular);
  });
});

describe('CSV', () => {
  it('reads back with one row per account, the header, and awkward shop names intact', () => {
    const text = accountsCsv(file);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows: Record<string, string>[] = parse(text, { columns: true });
    const header: string[][] = parse(text, { to_line: 1 });
    expect(header[0]).toEqual([...ACCOUNTS_CSV_HEADER]);
    expect(rows).toHaveLength(d.accounts.length);
    expect(rows.map((r) => r.seller_id)).toEqual(d.accounts.map((a) => a.seller_id));
    const tricky = rows.find((r) => r.seller_id === 's-10488')!;
    expect(tricky.shop_name).toBe('潮流运动, "正品" 折扣店');
    expect(tricky.shared_identifier_kinds).toBe('device_id;sender_phone_hash');
    expect(tricky.shares_with).toBe('s-10231;s-11902;s-12077');
    expect(Number(rows[0].score)).toBe(0.94);
    expect(Number(rows[0].parcels)).toBe(712);
  });

  it('keeps line breaks inside a field and defuses formulas', () => {
    const accounts = [
      { ...d.accounts[0], shop_name: '第一行\n第二行' },
      { ...d.accounts[1], shop_name: '=HYPERLINK("http://evil.example","点我")' },
      { ...d.accounts[2], shop_name: null },
    ];
    const text = accountsCsv(sampleCaseFile({ detail: { ...d, accounts } }));
    const rows: Record<string, string>[] = parse(text, { columns: true });
    expect(rows.map((r) => r.shop_name)).toEqual(['第一行\n第二行', `'=HYPERLINK("http://evil.example","点我")`, '']);
  });

  it('can start with a byte order mark for Excel', () => {
    const text = accountsCsv(file, { bom: true });
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(parse(text, { columns: true, bom: true })).toHaveLength(d.accounts.length);
  });
});

// ---- FollowTheMoney ----

const model = new Model(defaultModel);

/** Required properties of a schema and of every schema it extends. */
function requiredOf(schema: Schema): string[] {
  return [...new Set([...schema.required, ...schema.getExtends().flatMap(requiredOf)])];
}

const DATE = /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?)?)?$/;

/**
 * Every problem of a set of entities against the FtM model: unknown or
 * abstract schema, unknown or stub property, a value that does not fit its
 * type, a missing required property, a reference to an entity not in the set
 * or of the wrong schema, a repeated id. Empty when the set is valid.
 */
function ftmProblems(entities: readonly FtmEntity[]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, FtmEntity>();
  for (const e of entities) {
    if (byId.has(e.id)) problems.push(`${e.id}: id used twice`);
    byId.set(e.id, e);
  }
  for (const e of entities) {
    const at = `${e.schema} ${e.id}`;
    if (!/^[0-9a-f]{40}$/.test(e.id)) problems.push(`${at}: id is not a SHA-1 hex digest`);
    let schema: Schema;
    try {
      schema = model.getSchema(e.schema);
    } catch {
      problems.push(`${at}: no such schema`);
      continue;
    }
    if (schema.abstract) problems.push(`${at}: schema is abstract`);
    try {
      model.getEntity(e);
    } catch (err) {
      problems.push(`${at}: the model refuses it: ${(err as Error).message}`);
    }
    for (const [name, values] of Object.entries(e.properties)) {
      if (!schema.hasProperty(name)) {
        problems.push(`${at}: no property ${name}`);
        continue;
      }
      const prop = schema.getProperty(name);
      if (prop.stub) problems.push(`${at}.${name}: stub property (set from the other side)`);
      if (!Array.isArray(values) || values.length === 0) problems.push(`${at}.${name}: not a non-empty list`);
      for (const v of values) {
        if (typeof v !== 'string' || v.trim() === '') {
          problems.push(`${at}.${name}: ${JSON.stringify(v)} is not a non-empty string`);
          continue;
        }
        if (v.length > prop.type.maxLength) problems.push(`${at}.${name}: longer than ${prop.type.maxLength}`);
        switch (prop.type.name) {
          case 'date':
            if (!DATE.test(v) || Number.isNaN(Date.parse(v.length === 4 ? `${v}-01-01` : v))) problems.push(`${at}.${name}: ${v} is not an FtM date`);
            break;
          case 'number':
            if (!Number.isFinite(Number(v))) problems.push(`${at}.${name}: ${v} is not a number`);
            break;
          case 'country':
            if (!/^[a-z]{2}(-[a-z0-9]+)?$/.test(v)) problems.push(`${at}.${name}: ${v} is not a country code`);
            break;
          case 'topic':
            if (!model.getType('topic').values.has(v)) problems.push(`${at}.${name}: unknown topic ${v}`);
            break;
          case 'entity': {
            const target = byId.get(v);
            if (!target) problems.push(`${at}.${name}: points to ${v}, not in the set`);
            else if (!model.getSchema(target.schema).isA(prop.getRange())) {
              problems.push(`${at}.${name}: points to a ${target.schema}, wants a ${prop.getRange().name}`);
            }
            break;
          }
        }
      }
    }
    for (const name of requiredOf(schema)) {
      if (!e.properties[name]?.length) problems.push(`${at}: required property ${name} missing`);
    }
  }
  return problems;
}

describe('FollowTheMoney', () => {
  const entities = caseFtm(file);

  it('validates against the model', () => {
    expect(ftmProblems(entities)).toEqual([]);
    const schemata = new Set(entities.map((e) => e.schema));
    expect([...schemata].sort()).toEqual(['Address', 'Event', 'Note', 'Project', 'UnknownLink', 'UserAccount']);
    expect(entities.filter((e) => e.schema === 'UserAccount')).toHaveLength(d.accounts.length);
    expect(entities.filter((e) => e.schema === 'Event')).toHaveLength(file.transitions.length);
  });

  it('places the site and links the accounts that share identifiers', () => {
    const site = entities.find((e) => e.schema === 'Address')!;
    expect(site.properties.latitude).toEqual([String(file.lead.lat)]);
    expect(site.properties.longitude).toEqual([String(file.lead.lng)]);
    const accountId = new Map(entities.filter((e) => e.schema === 'UserAccount').map((e) => [e.properties.username[0], e.id]));
    expect(entities.find((e) => e.id === accountId.get('s-10231'))!.properties.name).toEqual(['莆田鞋业旗舰店']);
    const shared = entities.filter((e) => e.schema === 'UnknownLink' && e.properties.role[0].startsWith('shares '));
    // Three accounts share the phone (3 pairs), two the device (1 pair).
    expect(shared).toHaveLength(4);
    const pair = (a: string, b: string) =>
      shared.some((l) => l.properties.subject[0] === accountId.get(a) && l.properties.object[0] === accountId.get(b) && l.properties.role[0] === 'shares device id');
    expect(pair('s-10488', 's-12077')).toBe(true);
  });

  it('gives stable ids per case, different ones for another case', () => {
    expect(caseFtm(sampleCaseFile()).map((e) => e.id)).toEqual(entities.map((e) => e.id));
    const other = caseFtm(sampleCaseFile({ case: { ...file.case, case_id: 43 } })).map((e) => e.id);
    expect(other.filter((id) => entities.some((e) => e.id === id))).toEqual([]);
  });

  it('writes dates in UTC without an offset', () => {
    expect(ftmDate('2026-02-05T09:20:00+08:00')).toBe('2026-02-05T01:20:00');
    expect(ftmDate('2026-02-05')).toBe('2026-02-05');
    const project = entities.find((e) => e.schema === 'Project')!;
    expect(project.properties.startDate).toEqual(['2026-02-05T01:20:00']);
  });

  it('rejects entities that do not fit the model (the check can fail)', () => {
    const account = entities.find((e) => e.schema === 'UserAccount')!;
    const bad: FtmEntity[] = [
      { ...account, id: 'a'.repeat(40), properties: { ...account.properties, shoeSize: ['44'] } },
      { id: 'b'.repeat(40), schema: 'Event', properties: { name: ['x'], date: ['yesterday'] } },
      { id: 'c'.repeat(40), schema: 'UnknownLink', properties: { subject: [account.id], object: ['d'.repeat(40)] } },
      { id: 'e'.repeat(40), schema: 'Thing', properties: { name: ['abstract'] } },
      { id: 'f'.repeat(40), schema: 'Address', properties: { name: ['x'], latitude: ['north'] } },
      { id: '1'.repeat(40), schema: 'UserAccount', properties: { name: ['no username'] } },
    ];
    const problems = ftmProblems([...entities, ...bad]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^UserAccount a{40}: no property shoeSize$/),
        expect.stringMatching(/^UserAccount a{40}: the model refuses it: Property does not exist: shoeSize$/),
        expect.stringMatching(/date: yesterday is not an FtM date/),
        expect.stringMatching(/object: points to d{40}, not in the set/),
        expect.stringMatching(/Thing e{40}: schema is abstract/),
        expect.stringMatching(/latitude: north is not a number/),
        expect.stringMatching(/UserAccount 1{40}: required property username missing/),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('writes one entity per line for Aleph', () => {
    const lines = ftmJsonLines(entities).trimEnd().split('\n');
    expect(lines).toHaveLength(entities.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(entities);
  });
});

describe('EXPORT_FORMATS', () => {
  it('names each format with its content type and renders it', async () => {
    expect(Object.keys(EXPORT_FORMATS)).toEqual(['pdf', 'geojson', 'kml', 'csv', 'ftm']);
    expect(EXPORT_FORMATS.geojson.contentType).toBe('application/geo+json');
    expect(EXPORT_FORMATS.kml.contentType).toBe('application/vnd.google-earth.kml+xml');
    expect(EXPORT_FORMATS.csv.contentType).toBe('text/csv; charset=utf-8');
    expect(JSON.parse(String(await EXPORT_FORMATS.ftm.render(file)))).toEqual(caseFtm(file));
    expect(JSON.parse(String(await EXPORT_FORMATS.geojson.render(file)))).toEqual(caseGeoJson(file));
  });
});
