/** Renders a tree with Flink's EXPLAIN connectors (`:- ` for inner children, `+- ` for the last one). */
export function renderTree<N>(root: N, label: (n: N) => string, children: (n: N) => N[]): string {
  const lines: string[] = [];
  const walk = (n: N, prefix: string, childPrefix: string): void => {
    lines.push(prefix + label(n));
    const cs = children(n);
    cs.forEach((c, i) => {
      const last = i === cs.length - 1;
      walk(c, childPrefix + (last ? '+- ' : ':- '), childPrefix + (last ? '   ' : ':  '));
    });
  };
  walk(root, '', '');
  return lines.join('\n');
}
