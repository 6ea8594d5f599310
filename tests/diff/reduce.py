#!/usr/bin/env python3
"""reduce.py: shrinks a program on which mpcc and gen.py's reference disagree.

    python3 reduce.py SEED [--mpcc PATH] [--quick]

Regenerates the program of SEED, finds an input set on which mpcc eval disagrees with the
reference, then deletes statements and replaces expressions by their subexpressions of the
same type while the disagreement stays (mpcc must still compile the program). Prints the
smallest program, its -D options and inputs, and both outputs.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen  # noqa: E402


def run_mpcc(mpcc, src, defines, args, path):
    with open(path, 'w') as f:
        f.write(src)
    cmd = [mpcc, 'eval', path, '--hex']
    for d in defines:
        cmd += ['-D', d]
    for a in args:
        cmd += ['--input', a]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        return ('exit', p.returncode, p.stderr)
    got = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(' = ')
        got[k] = v
    return got


def expected(g, ins):
    outs = g.evaluate(ins)
    want = {}
    for o in g.outputs:
        for n, lt, lv in gen.leaves(o.name, o.t, outs[o.name]):
            want[n] = gen.format_output(lt, lv, 'hex')
    return want


def failing(g, ins, args, mpcc, path, crash_ok):
    try:
        want = expected(g, ins)
    except Exception:
        return False
    got = run_mpcc(mpcc, g.source(), g.defines, args, path)
    if got is None:
        return crash_ok
    if isinstance(got, tuple):
        return crash_ok and (got[1] >= 128 or got[1] < 0 or 'internal error' in got[2] or
                             'cannot compute' in got[2])
    return got != want


def stmt_lists(stmts, out):
    """Every statement list in a tree (to delete from)."""
    out.append(stmts)
    for s in stmts:
        for attr in ('then', 'els', 'body'):
            sub = getattr(s, attr, None)
            if isinstance(sub, list):
                stmt_lists(sub, out)
            elif isinstance(sub, gen.SIf):
                stmt_lists([sub], out)
    return out


def expr_slots(obj, out, seen):
    """(holder, key, expr) for every expression reachable from obj."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    items = []
    if isinstance(obj, list):
        items = list(enumerate(obj))
    elif hasattr(obj, '__dict__'):
        items = [(k, v) for k, v in vars(obj).items() if k not in ('info', 't', 'fn')]
    for k, v in items:
        if isinstance(v, gen.Expr):
            out.append((obj, k, v))
            expr_slots(v, out, seen)
        elif isinstance(v, (list, tuple)) and not isinstance(v, str):
            if isinstance(v, tuple):
                continue
            expr_slots(v, out, seen)
        elif isinstance(v, (gen.SIf, gen.SFor, gen.SVar, gen.SAssign, gen.SMulti, gen.SRet,
                            gen.SBlock)):
            expr_slots(v, out, seen)
    return out


def subexprs(e, t, out, depth=0):
    if depth > 0 and isinstance(e, gen.Expr) and e.t == t and not e.ut and \
            not isinstance(e, gen.Lit) or (depth > 0 and isinstance(e, gen.Lit) and e.t == t):
        out.append(e)
    if depth > 6:
        return out
    for k, v in vars(e).items():
        if k in ('info', 't', 'fn'):
            continue
        if isinstance(v, gen.Expr):
            subexprs(v, t, out, depth + 1)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, gen.Expr):
                    subexprs(x, t, out, depth + 1)
    return out


def setslot(holder, key, v):
    if isinstance(holder, list):
        holder[key] = v
    else:
        setattr(holder, key, v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('seed', type=int)
    ap.add_argument('--mpcc', default=os.environ.get('MPCC_BIN', 'build-diff/cli/mpcc'))
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--crash', action='store_true', help='reduce a crash or internal error')
    opt = ap.parse_args()
    g = gen.Gen(opt.seed, opt.quick)
    g.program()
    tmp = tempfile.mkdtemp(prefix='mpcc-reduce-')
    path = os.path.join(tmp, 'r.mpc')
    chosen = None
    for _ in range(3):
        ins = g.input_set()
        args = []
        for x in g.inputs:
            args += gen.input_args(g, x.t, x.name, ins[x.name], g.rng)
        if failing(g, ins, args, opt.mpcc, path, opt.crash):
            chosen = (ins, args)
            break
    if chosen is None:
        sys.exit('seed %d does not fail' % opt.seed)
    ins, args = chosen

    best = os.path.join(tmp, 'best.mpc')
    print('reducing into', best, file=sys.stderr)

    def still():
        ok = failing(g, ins, args, opt.mpcc, path, opt.crash)
        if ok:
            with open(best, 'w') as f:
                f.write(g.source())
        return ok

    progress = True
    while progress:
        progress = False
        bodies = [g.main] + [f.body for f in g.fns]
        lists = []
        for b in bodies:
            stmt_lists(b, lists)
        for lst in lists:
            i = len(lst) - 1
            while i >= 0:
                if i < len(lst):
                    s = lst.pop(i)
                    if still():
                        progress = True
                    else:
                        lst.insert(i, s)
                i -= 1
        slots = []
        seen = set()
        for b in bodies:
            expr_slots(b, slots, seen)
        for holder, key, e in slots:
            cur = holder[key] if isinstance(holder, list) else getattr(holder, key)
            if cur is not e:
                continue
            for sub in subexprs(e, e.t, []):
                setslot(holder, key, sub)
                if still():
                    progress = True
                    break
                setslot(holder, key, e)
    print(g.source())
    print('// -D', ' '.join(g.defines))
    print('// inputs:', ' '.join(args))
    print('// expected:', expected(g, ins))
    print('// got:     ', run_mpcc(opt.mpcc, g.source(), g.defines, args, path))


if __name__ == '__main__':
    main()
