// How a plan reads in a terminal: one line per resource, its fields beneath, marks for what needs care.

const SIGN = { create: '+', update: '~', delete: '-' };

export function printProblems(file, problems, err = process.stderr) {
  for (const p of problems) err.write(`${file}:${p.line ?? '?'}: ${p.path ? `${p.path}: ` : ''}${p.message}\n`);
}

export function printPlan(plan, out = process.stdout) {
  if (!plan.changes.length) {
    out.write('No changes: the panel already matches the file.\n');
    return;
  }
  for (const c of plan.changes) {
    out.write(`${SIGN[c.action] ?? '?'} ${c.kind} ${c.key}\n`);
    for (const f of c.fields) out.write(`    ${f.field}: ${f.from ?? '∅'} → ${f.to ?? '∅'}\n`);
    if (c.destructive) out.write(`    ! destructive: ${c.destructive}\n`);
    if (c.refused) out.write(`    ✗ refused: ${c.refused}\n`);
    if (c.needsValue.length) out.write(`    needs a value in the panel: ${c.needsValue.join(', ')}\n`);
  }
  const count = (a) => plan.changes.filter((c) => c.action === a).length;
  out.write(`Plan: ${count('create')} to create, ${count('update')} to change, ${count('delete')} to remove.\n`);
}
