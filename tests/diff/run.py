#!/usr/bin/env python3
"""run.py: differential testing of mpcc eval against gen.py's reference evaluation.

    python3 run.py [--seed S] [--count K] [--mpcc PATH] [--quick] [--local] [--jobs J]
                   [--timeout T] [--keep-going]

Generates K programs from seeds S, S+1, ...; runs 'mpcc eval' on each with three input
sets, printed as text, --hex, --json or both (one program in 7 is compiled to mpcc's binary
format first and that file evaluated); --local also runs one input set through 'mpcc local'
(every party, the real protocol). Compares every output with the reference. On a mismatch,
a failed compilation, a crash, a sanitizer report or a timeout it prints the program, the
options, the expected and the actual outputs, and exits 1. MPCC_BIN names the binary when
--mpcc is not given. reduce.py shrinks a failing seed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen  # noqa: E402


def parse_text(out):
    got = {}
    for line in out.splitlines():
        name, sep, val = line.partition(' = ')
        if not sep:
            raise ValueError('unexpected output line %r' % line)
        got[name] = val
    return got


def parse_json(out):
    got = {}
    for k, v in json.loads(out).items():
        got[k] = v if isinstance(v, str) else str(v)
    return got


def check_one(mpcc, seed, quick, timeout, tmpdir, local=False):
    """None when every run agrees, else a report."""
    try:
        src, defines, runs = gen.generate(seed, quick)
    except RecursionError:
        return None
    path = os.path.join(tmpdir, 'p%d.mpc' % seed)
    with open(path, 'w') as f:
        f.write(src)
    dopts = [a for d in defines for a in ('-D', d)]
    base = [mpcc, 'eval', path] + dopts
    if seed % 7 == 3:
        # compiled to mpcc's binary format first: the names and parties survive
        circ = os.path.join(tmpdir, 'p%d.circ' % seed)
        cmd = [mpcc, 'compile', path, '-o', circ] + dopts
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            p = None
        if p is None or p.returncode != 0:
            return '==== seed %d\n%s\n---- compile failed: %s\n%s' % (
                seed, src, ' '.join(cmd), p.stderr[-3000:] if p else 'timeout')
        base = [mpcc, 'eval', circ]
    reports = []
    if local:
        # the first input set once more, with the real protocol between local processes
        runs = runs + [runs[0]]
    for k, (args, expect) in enumerate(runs):
        mode = ['text', 'text', 'hex', 'json', 'json-hex'][(seed + k) % 5]
        cmd = base + [a for x in args for a in ('--input', x)]
        if local and k == len(runs) - 1:
            cmd = [mpcc, 'local', path] + dopts + [a for x in args for a in ('--input', x)]
            if seed % 2:
                cmd.append('--insecure')
        if mode in ('hex', 'json-hex'):
            cmd.append('--hex')
        if mode.startswith('json'):
            cmd.append('--json')
        want = {n: gen.format_output(t, v, mode) for n, (t, v) in expect.items()}
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            reports.append('timeout after %d s: %s' % (timeout, ' '.join(cmd)))
            break
        problem = None
        if p.returncode != 0:
            problem = 'exit status %d' % p.returncode
        elif 'runtime error' in p.stderr or 'Sanitizer' in p.stderr:
            problem = 'sanitizer report'
        else:
            try:
                got = parse_json(p.stdout) if mode.startswith('json') else parse_text(p.stdout)
            except ValueError as e:
                got, problem = {}, 'bad output: %s' % e
            if problem is None and got != want:
                lines = []
                for n in sorted(set(got) | set(want)):
                    if got.get(n) != want.get(n):
                        lines.append('  %s: expected %s, got %s' % (n, want.get(n), got.get(n)))
                problem = 'mismatch:\n' + '\n'.join(lines)
        if problem:
            errors = [ln for ln in p.stderr.splitlines() if 'error:' in ln or 'Sanitizer' in ln]
            reports.append('%s\ncommand: %s\nstderr:\n%s' % (
                problem, ' '.join(cmd), '\n'.join(errors[:10]) + '\n' + p.stderr[-2000:]))
            break
    if not reports:
        os.unlink(path)
        if base[2] != path:
            os.unlink(base[2])
        return None
    return '==== seed %d%s\n%s\n---- -D %s\n%s' % (
        seed, ' (quick)' if quick else '', src, ' '.join(defines), '\n'.join(reports))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=100)
    ap.add_argument('--mpcc', default=os.environ.get('MPCC_BIN'))
    ap.add_argument('--quick', action='store_true', help='smaller programs')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--timeout', type=int, default=120)
    ap.add_argument('--keep-going', action='store_true')
    ap.add_argument('--local', action='store_true',
                    help='also run one input set with mpcc local (every party, the protocol)')
    opt = ap.parse_args()
    if not opt.mpcc:
        sys.exit('run.py: give --mpcc PATH or set MPCC_BIN')
    with tempfile.TemporaryDirectory(prefix='mpcc-diff-') as tmp:
        gen.run_seeds(lambda s: check_one(opt.mpcc, s, opt.quick, opt.timeout, tmp, opt.local),
                      opt.seed, opt.count, opt.jobs, opt.keep_going, 'programs')


if __name__ == '__main__':
    main()
