/**
 * The network around a lead as Cytoscape draws it: accounts (sized and
 * coloured by their score) joined through the identifiers they share (a
 * phone, a device, a bank account). The same facts are in the accounts and
 * identifiers tables beside it, which are the keyboard's way in.
 */
import cytoscape from 'cytoscape';
import { useEffect, useRef } from 'preact/hooks';
import { FONT } from './Chart.tsx';

export interface GraphAccount {
  id: string;
  label: string;
  score: number;
}

export interface GraphLink {
  id: string;
  label: string;
  accounts: string[];
}

export function NetworkGraph({ accounts, links, label }: { accounts: GraphAccount[]; links: GraphLink[]; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const known = new Set(accounts.map((a) => a.id));
    const elements: cytoscape.ElementDefinition[] = [
      ...accounts.map((a) => ({ data: { id: `a:${a.id}`, label: `${a.label}\n${a.score.toFixed(2)}`, score: a.score }, classes: 'account' })),
      ...links.map((l) => ({ data: { id: `i:${l.id}`, label: l.label }, classes: 'identifier' })),
      ...links.flatMap((l) => l.accounts.filter((a) => known.has(a)).map((a) => ({ data: { id: `e:${l.id}:${a}`, source: `i:${l.id}`, target: `a:${a}` } }))),
    ];
    const cy = cytoscape({
      container: ref.current!,
      elements,
      layout: {
        name: accounts.length + links.length > 2 ? 'cose' : 'grid', animate: false, randomize: false, padding: 24,
        nodeRepulsion: () => 400_000, idealEdgeLength: () => 90, nodeOverlap: 40, gravity: 0.3, numIter: 1500, componentSpacing: 80,
      } as cytoscape.LayoutOptions,
      style: [
        {
          selector: 'node',
          style: { 'font-family': FONT, 'font-size': 12, color: '#222', 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-margin-y': 4, label: 'data(label)' },
        },
        {
          selector: 'node.account',
          style: {
            'background-color': 'mapData(score, 0, 1, #f6d55c, #b8001f)', width: 'mapData(score, 0, 1, 14, 34)', height: 'mapData(score, 0, 1, 14, 34)',
            'border-width': 1, 'border-color': '#5a0010', 'text-background-color': '#fbfbfa', 'text-background-opacity': 0.8, 'z-index': 10,
          },
        },
        {
          selector: 'node.identifier',
          style: { shape: 'round-rectangle', 'background-color': '#3b5b92', width: 10, height: 10, color: '#1d3766', 'font-size': 10, 'text-background-color': '#fbfbfa', 'text-background-opacity': 0.8 },
        },
        { selector: 'edge', style: { width: 1, 'line-color': '#aab3c4', 'curve-style': 'straight', opacity: 0.8 } },
      ],
      wheelSensitivity: 0.3,
      minZoom: 0.2,
      maxZoom: 3,
    });
    return () => cy.destroy();
  }, [accounts, links]);
  return <div ref={ref} class="graph" role="img" aria-label={label} />;
}
