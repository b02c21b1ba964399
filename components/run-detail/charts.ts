import type { ChartMetric } from './chartData';

/** The run page's charts: which metric names each one plots (trainer metrics and server-derived ones). */
export interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  rightLabel?: string;
  metrics: ChartMetric[];
  domain?: [number, number];
  emptyText: string;
}

export const RUN_CHARTS: readonly ChartSpec[] = [
  {
    id: 'loss', title: 'Reward-model loss', yLabel: 'Bradley-Terry loss',
    metrics: [{ name: 'loss/preference', label: 'loss' }],
    emptyText: 'No training iteration yet.',
  },
  {
    id: 'accuracy', title: 'Preference accuracy on held-out labels', yLabel: 'accuracy', domain: [0, 1],
    metrics: [{ name: 'accuracy/heldout', label: 'held-out accuracy' }],
    emptyText: 'Needs labels a checkpoint has not trained on.',
  },
  {
    id: 'return', title: 'Return of the policy: true vs learned reward', yLabel: 'true return', rightLabel: 'learned return',
    metrics: [{ name: 'return/true', label: 'true' }, { name: 'return/learned', label: 'learned', axis: 'right' }],
    emptyText: 'No checkpoint yet.',
  },
  {
    id: 'correlation', title: 'Learned vs true segment return (correlation)', yLabel: 'Pearson r', domain: [-1, 1],
    metrics: [{ name: 'correlation/segment_return', label: 'r' }],
    emptyText: 'Needs labeled clips and a non-constant learned reward.',
  },
  {
    id: 'hypergrad', title: 'Hyper-gradient norm: exploitation vs exploration', yLabel: 'L2 norm',
    metrics: [
      { name: 'hypergrad/norm', label: 'total' },
      { name: 'hypergrad/exploit', label: 'exploit' },
      { name: 'hypergrad/explore', label: 'explore' },
    ],
    emptyText: 'No training iteration yet.',
  },
  {
    id: 'labels-per-hour', title: 'Labels per hour', yLabel: 'labels / hour',
    metrics: [{ name: 'labels/per_hour', label: 'labels/hour' }],
    emptyText: 'Needs two checkpoints.',
  },
  {
    id: 'queue', title: 'Queue depth (pending pairs)', yLabel: 'pairs pending',
    metrics: [{ name: 'queue/pending', label: 'pending' }],
    emptyText: 'No checkpoint yet.',
  },
];

export const CHARTED_METRICS: readonly string[] = [...new Set(RUN_CHARTS.flatMap((c) => c.metrics.map((m) => m.name)))];
