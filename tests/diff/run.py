#!/usr/bin/env python3
"""run.py: differential testing of mpcc eval against gen.py's reference evaluation.

    python3 run.py [--seed S] [--count K] [--mpcc PATH] [--quick] [--jobs J] [--timeout T]

Generates K programs from seeds S, S+1, ...; runs 'mpcc eval' on each with several input
sets; compares every output with the reference. On a mismatch, a failed compilation, a
crash or a timeout it prints the program, the options, the expected and the actual outputs,
and exits 1. MPCC_BIN names the binary when --mpcc is not given.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


def check_one(mpcc, seed, quick, timeout, tmpdir):
    """None when every run agrees, else a report."""
    try:
        src, defines, runs = gen.generate(seed, quick)
    except RecursionError:
        return None
    path = os.path.join(tmpdir, 'p%d.mpc' % seed)
    with open(path, 'w') as f:
        f.write(src)
    base = [mpcc, 'eval', path]
    for d in defines:
        base += ['-D', d]
    reports = []
    for k, (args, expect) in enumerate(runs):
        mode = ['text', 'text', 'hex', 'json', 'json-hex'][(seed + k) % 5]
        cmd = base + [a for x in args for a in ('--input', x)]
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
    opt = ap.parse_args()
    if not opt.mpcc:
        sys.exit('run.py: give --mpcc PATH or set MPCC_BIN')
    t0 = time.time()
    failures = 0
    with tempfile.TemporaryDirectory(prefix='mpcc-diff-') as tmp, \
            ThreadPoolExecutor(max_workers=opt.jobs) as pool:
        seeds = range(opt.seed, opt.seed + opt.count)
        for rep in pool.map(lambda s: check_one(opt.mpcc, s, opt.quick, opt.timeout, tmp), seeds):
            if rep is not None:
                failures += 1
                print(rep, flush=True)
                if not opt.keep_going:
                    break
    print('%d programs from seed %d, %d failed, %.1f s' % (
        opt.count, opt.seed, failures, time.time() - t0))
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
