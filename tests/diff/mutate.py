#!/usr/bin/env python3
"""mutate.py: malformed programs must get diagnostics, never a crash or a hang.

    python3 mutate.py [--seed S] [--count K] [--mpcc PATH] [--jobs J] [--timeout T]

Takes programs from gen.py and mutates their tokens at random (deletes, duplicates, swaps,
replaces with keywords, operators, huge or odd literals, stray characters; truncates;
nests deeply). Each mutant goes through 'mpcc check': the exit status must be 0 or 1, an
exit status of 1 must come with a 'FILE:LINE:COL: error:' diagnostic, and no sanitizer
may report. Mutants that still check are compiled ('mpcc stats') under the same rules.
Point --mpcc (or MPCC_BIN) at an ASan+UBSan build to catch memory errors.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen  # noqa: E402

TOKEN = re.compile(r'0[xbo][0-9a-fA-F_]+|[0-9][0-9_]*|[A-Za-z_][A-Za-z0-9_]*|\.\.|->|<<=|>>=|'
                   r'[-+*/%&|^=!<>]=|&&|\|\||<<|>>|//[^\n]*|\s+|.', re.S)
VOCAB = ['param', 'party', 'input', 'output', 'from', 'to', 'all', 'const', 'var', 'fn',
         'for', 'in', 'if', 'else', 'return', 'struct', 'as', 'true', 'false', 'bool', 'u8',
         'i1', 'u0', 'u65537', 'i65536', 'u99999999999', 'min', 'max', 'mux', 'popcount', '(',
         ')', '[', ']', '{', '}', ';', ',', ':', '.', '..', '->', '=', '+=', '<<=', '>>=',
         '+', '-', '*', '/', '%', '<<', '>>', '<', '>=', '==', '!=', '&&', '||', '!', '~',
         '?', '&', '|', '^', '0', '1', '-1', '0x', '0b2', '1_', '0xffffffffffffffffffffffff',
         '9' * 80, '1' + '0' * 30, '(1 << 70)', '(1 << 65536)', '/*', '*/', '//', '"', '\'',
         '@', '#', '$', '`', '\\', '\x00', '\xff', '\t', '\n', 'é', 'x' * 250, 'S', 'main',
         '0 / 0', '[0; 0]', '[0; 16777217]', '[u8; 0]', 'u1024', '-(-128)', '1..0']


def mutate(src, rng):
    toks = TOKEN.findall(src)
    words = [i for i, t in enumerate(toks) if not t.isspace()]
    for _ in range(rng.randint(1, 4)):
        if not words:
            break
        r = rng.random()
        i = rng.choice(words)
        if r < 0.25:
            toks[i] = ''
        elif r < 0.45:
            toks[i] = rng.choice(VOCAB)
        elif r < 0.55:
            toks[i] = toks[i] + ' ' + toks[i]
        elif r < 0.65:
            j = rng.choice(words)
            toks[i], toks[j] = toks[j], toks[i]
        elif r < 0.72:
            toks[i] = toks[i] + ' ' + toks[rng.choice(words)]
        elif r < 0.78:
            n = rng.choice([100, 255, 256, 257, 300, 3000])
            opener, closer = rng.choice([('(', ')'), ('[', ']'), ('{', '}'), ('-', ''),
                                         ('!', ''), ('if true {', '}')])
            toks[i] = opener * n + toks[i] + closer * n
        elif r < 0.84:
            toks[i] = rng.choice(['1' + '0' * rng.randint(19, 20000), '0x' + 'f' * 17000])
        elif r < 0.9:
            return ''.join(toks[:i])  # truncated
        else:
            toks[i] = chr(rng.choice([0, 1, 7, 27, 127, 128, 0xa0, 0xff]))
    return ''.join(toks)


DIAG = re.compile(r'^(\S+:\d+:\d+|<command line>): error: ', re.M)


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, ''
    return p.returncode, p.stderr.decode('utf-8', 'replace')


def check_one(mpcc, seed, timeout, tmpdir):
    rng = random.Random(seed)
    src, defines, _ = gen.generate(seed // 4, quick=seed % 2 == 0, nsets=0)
    bad = mutate(src, rng)
    path = os.path.join(tmpdir, 'm%d.mpc' % seed)
    with open(path, 'w', encoding='utf-8', errors='surrogateescape') as f:
        f.write(bad)
    dopts = [a for d in defines for a in ('-D', d)]
    problems = []
    for sub in ('check', 'stats'):
        rc, err = run([mpcc, sub, path] + dopts, timeout)
        if rc is None:
            problems.append('%s: no answer within %d s' % (sub, timeout))
        elif rc not in (0, 1):
            problems.append('%s: exit status %d' % (sub, rc))
        elif 'Sanitizer' in err or 'runtime error' in err:
            problems.append('%s: sanitizer report' % sub)
        elif rc == 1 and sub == 'check' and not DIAG.search(err):
            problems.append('check: exit status 1 without a FILE:LINE:COL: error: line')
        if problems:
            problems.append(err[-4000:])
            break
        if rc != 0:
            break
    if not problems:
        os.unlink(path)
        return None
    return '==== mutant %d (-D %s)\n%s\n---- %s' % (seed, ' '.join(defines), bad[:20000],
                                                  '\n'.join(problems))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=200)
    ap.add_argument('--mpcc', default=os.environ.get('MPCC_BIN'))
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--timeout', type=int, default=20)
    ap.add_argument('--keep-going', action='store_true')
    opt = ap.parse_args()
    if not opt.mpcc:
        sys.exit('mutate.py: give --mpcc PATH or set MPCC_BIN')
    with tempfile.TemporaryDirectory(prefix='mpcc-mutate-') as tmp:
        gen.run_seeds(lambda s: check_one(opt.mpcc, s, opt.timeout, tmp), opt.seed, opt.count,
                      opt.jobs, opt.keep_going, 'mutants')


if __name__ == '__main__':
    main()
