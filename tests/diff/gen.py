#!/usr/bin/env python3
"""gen.py: random well-typed .mpc programs, each with its own reference evaluation.

Differential testing of mpcc: generate(seed) builds a random program (params overridden with
-D, parties and party arrays, structs, inputs and outputs of scalar, array and struct types,
functions with tuple results and returns under secret conditions, loops, secret and public
indices, secret shift amounts, every operator and builtin mixed with casts) as a tree, prints
it as .mpc source, and evaluates the tree here on random inputs. The evaluation is written
from the language's specification (lang/README.md): Python integers wrapped to the width,
each operator spelled out below; it shares nothing with the C implementation.

    python3 gen.py SEED         prints the program, then each input set and its outputs
"""
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# ---------------------------------------------------------------- types


class Bool:
    bits = 1

    def __str__(self):
        return 'bool'

    def __eq__(self, o):
        return isinstance(o, Bool)

    def __hash__(self):
        return 1


class Int:
    def __init__(self, w, s):
        self.w, self.s = w, s
        self.bits = w
        self.lo = -(1 << (w - 1)) if s else 0
        self.hi = (1 << (w - 1)) - 1 if s else (1 << w) - 1

    def __str__(self):
        return ('i' if self.s else 'u') + str(self.w)

    def __eq__(self, o):
        return isinstance(o, Int) and o.w == self.w and o.s == self.s

    def __hash__(self):
        return hash((self.w, self.s))


class Arr:
    def __init__(self, elem, n, ntext=None):
        self.elem, self.n = elem, n
        self.ntext = ntext if ntext is not None else str(n)
        self.bits = n * elem.bits

    def __str__(self):
        return '[%s; %s]' % (self.elem, self.ntext)

    def __eq__(self, o):
        return isinstance(o, Arr) and o.n == self.n and o.elem == self.elem

    def __hash__(self):
        return hash((self.n, self.elem))


class Struct:
    def __init__(self, name, fields):
        self.name, self.fields = name, fields  # fields: [(name, type)]
        self.bits = sum(t.bits for _, t in fields)

    def __str__(self):
        return self.name

    def __eq__(self, o):
        return self is o

    def __hash__(self):
        return id(self)


class Tuple:
    def __init__(self, elems):
        self.elems = elems
        self.bits = sum(t.bits for t in elems)

    def __str__(self):
        return '(%s)' % ', '.join(str(t) for t in self.elems)


BOOL = Bool()


def is_int(t):
    return isinstance(t, Int)


def is_scalar(t):
    return isinstance(t, (Int, Bool))

# ---------------------------------------------------------------- the semantics (the spec)


def wrap(v, t):
    """v modulo 2^w, as the type's canonical value (signed: two's complement)."""
    if isinstance(t, Bool):
        return bool(v & 1)
    v &= (1 << t.w) - 1
    if t.s and v >> (t.w - 1):
        v -= 1 << t.w
    return v


def pattern(v, t):
    """The bits of a scalar as an unsigned number."""
    if isinstance(t, Bool):
        return int(bool(v))
    return v & ((1 << t.w) - 1)


def zero(t):
    if isinstance(t, Bool):
        return False
    if isinstance(t, Int):
        return 0
    if isinstance(t, Arr):
        return tuple(zero(t.elem) for _ in range(t.n))
    if isinstance(t, Struct):
        return tuple(zero(ft) for _, ft in t.fields)
    raise ValueError(t)


def sem_div(a, b, t):
    if t is None:  # exact (untyped): truncates toward zero; b is never 0 here
        q = abs(a) // abs(b)
        return -q if (a < 0) != (b < 0) else q
    if b == 0:
        return wrap(-1, t)  # all ones
    if t.s and a == t.lo and b == -1:
        return a
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return wrap(q, t)


def sem_mod(a, b, t):
    if t is None:
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    if b == 0:
        return a
    if t.s and a == t.lo and b == -1:
        return 0
    r = abs(a) % abs(b)
    if a < 0:
        r = -r
    return wrap(r, t)


def sem_shift(op, a, k, t):
    if op == '<<':
        return 0 if k >= t.w else wrap(a << k, t)
    if k >= t.w:
        return -1 if a < 0 else 0
    return a >> k  # canonical values: arithmetic on iN, logical on uN


def sem_binary(op, a, b, t):
    """t: the operands' type (None: exact untyped arithmetic)."""
    if op in ('==', '!='):
        return (a == b) == (op == '==')
    if op in ('<', '<=', '>', '>='):
        return {'<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b}[op]
    if op in ('&&', '||'):
        return (a and b) if op == '&&' else (a or b)
    if isinstance(t, Bool):
        return {'&': a and b, '|': a or b, '^': a != b}[op]
    r = {'+': lambda: a + b, '-': lambda: a - b, '*': lambda: a * b,
         '&': lambda: a & b, '|': lambda: a | b, '^': lambda: a ^ b,
         '/': lambda: sem_div(a, b, t), '%': lambda: sem_mod(a, b, t)}[op]()
    return r if t is None else wrap(r, t)


def sem_unary(op, a, t):
    if op == '!':
        return not a
    if isinstance(t, Bool):
        return not a  # ~ on bool
    r = -a if op == '-' else ~a
    return r if t is None else wrap(r, t)


def sem_cast(v, frm, to):
    if isinstance(to, Bool):
        if isinstance(frm, Bool):
            return v
        return v != 0  # u1, i1 (-1 is true), untyped 0 and 1
    if isinstance(frm, Bool):
        return wrap(int(v), to)  # true as i1 is -1
    return wrap(v, to)  # the canonical value extends by the source's signedness


def one(t):
    """The literal 1 of t, or -1 in i1 (which has no 1): a divisor that is never 0."""
    if t.s and t.w == 1:
        return Lit(-1, t, '-1')
    return Lit(1, t, '1')


def sem_popcount(v, t):
    return wrap(bin(pattern(v, t)).count('1'), t)

# ---------------------------------------------------------------- expressions

# precedence, tightest first
P_POST, P_UNARY, P_AS, P_MUL, P_ADD, P_SHIFT, P_REL, P_EQ, P_AND, P_XOR, P_OR, P_LAND, \
    P_LOR, P_COND = 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2
BIN_PREC = {'*': P_MUL, '/': P_MUL, '%': P_MUL, '+': P_ADD, '-': P_ADD, '<<': P_SHIFT,
            '>>': P_SHIFT, '<': P_REL, '<=': P_REL, '>': P_REL, '>=': P_REL, '==': P_EQ,
            '!=': P_EQ, '&': P_AND, '^': P_XOR, '|': P_OR, '&&': P_LAND, '||': P_LOR}
CONST, LOOP, RUNTIME = 0, 1, 2


class Ret(Exception):
    def __init__(self, v):
        self.v = v


class Expr:
    ut = False       # an untyped integer subtree (literals, untyped params, consts, indices)
    ph = RUNTIME
    paren = False    # print with parentheses even where they are not needed
    loopvars = ()

    def wrapped(self, need):
        s = self.src()
        return '(' + s + ')' if self.paren or self.prec < need else s


def fmt_define(v, rng):
    """A -D value: decimal, 0x, 0b or 0o, optionally negative."""
    r = rng.random()
    sign = '-' if v < 0 else ''
    m = abs(v)
    if r < 0.2:
        return '%s0x%x' % (sign, m)
    if r < 0.3:
        return '%s0b%s' % (sign, '{:b}'.format(m))
    if r < 0.4:
        return '%s0o%o' % (sign, m)
    return str(v)


def fmt_int(v, rng):
    """An integer literal in one of the notations."""
    if v < 0:
        return '-' + fmt_int(-v, rng)
    r = rng.random() if rng else 1.0
    if r < 0.15 and v > 9:
        s = '%x' % v
        pre = '0x'
    elif r < 0.2 and v < 1 << 20:
        s = '{:b}'.format(v)
        pre = '0b'
    elif r < 0.23:
        s = '%o' % v
        pre = '0o'
    else:
        s = str(v)
        pre = ''
    if rng and rng.random() < 0.1 and len(s) > 1:
        k = rng.randrange(1, len(s))
        s = s[:k] + '_' + s[k:]
    return pre + s


class Lit(Expr):
    def __init__(self, v, t, text):
        self.v, self.t, self.text = v, t, text
        self.ut = not isinstance(t, Bool)
        self.ph = CONST
        self.prec = P_UNARY if text.startswith('-') else P_POST

    def src(self):
        return self.text

    def ev(self, env):
        if self.t is None or isinstance(self.t, Bool):
            return self.v
        return wrap(self.v, self.t)


class Name(Expr):
    prec = P_POST

    def __init__(self, info, t=None):
        self.info = info
        self.t = info.t if t is None else t  # t: the context type of an untyped name
        self.ut = info.t is None
        self.ph = info.ph
        self.loopvars = (info.name,) if info.kind == 'loop' else ()

    def src(self):
        return self.info.name

    def ev(self, env):
        v = env[self.info.name]
        if self.ut and self.t is not None:
            v = wrap(v, self.t)
        return v


def children_props(e, kids):
    e.ph = max([k.ph for k in kids] + [CONST])
    lv = []
    for k in kids:
        lv.extend(k.loopvars)
    e.loopvars = tuple(sorted(set(lv)))


class Index(Expr):
    prec = P_POST

    def __init__(self, a, i):
        self.a, self.i = a, i
        self.t = a.t.elem
        children_props(self, [a, i])

    def src(self):
        return '%s[%s]' % (self.a.wrapped(P_POST), self.i.src())

    def ev(self, env):
        arr, k = self.a.ev(env), self.i.ev(env)
        return arr[k] if 0 <= k < len(arr) else zero(self.t)


class Field(Expr):
    prec = P_POST

    def __init__(self, a, k):
        self.a, self.k = a, k
        self.t = a.t.fields[k][1]
        children_props(self, [a])

    def src(self):
        return '%s.%s' % (self.a.wrapped(P_POST), self.a.t.fields[self.k][0])

    def ev(self, env):
        return self.a.ev(env)[self.k]


class Unary(Expr):
    prec = P_UNARY

    def __init__(self, op, a):
        self.op, self.a, self.t = op, a, a.t
        self.ut = a.ut
        children_props(self, [a])

    def src(self):
        s = self.a.wrapped(P_UNARY)
        return self.op + (' ' + s if s.startswith('-') else s)

    def ev(self, env):
        return sem_unary(self.op, self.a.ev(env), self.t)


class Binary(Expr):
    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b
        self.prec = BIN_PREC[op]
        if op in ('==', '!=', '<', '<=', '>', '>=', '&&', '||'):
            self.t = BOOL
        else:
            self.t = a.t
        self.ut = a.ut and (b.ut or op in ('<<', '>>')) and self.t is not BOOL
        children_props(self, [a, b])

    def src(self):
        return '%s %s %s' % (self.a.wrapped(self.prec), self.op, self.b.wrapped(self.prec + 1))

    def ev(self, env):
        a, b = self.a.ev(env), self.b.ev(env)
        if self.op in ('<<', '>>'):
            if self.t is None:
                return a << b if self.op == '<<' else a >> b
            return sem_shift(self.op, a, b, self.t)
        return sem_binary(self.op, a, b, self.a.t)


class Cast(Expr):
    prec = P_AS

    def __init__(self, a, t):
        self.a, self.t = a, t
        children_props(self, [a])

    def src(self):
        return '%s as %s' % (self.a.wrapped(P_AS), self.t)

    def ev(self, env):
        return sem_cast(self.a.ev(env), self.a.t, self.t)


class Cond(Expr):
    prec = P_COND

    def __init__(self, c, a, b):
        self.c, self.a, self.b, self.t = c, a, b, a.t
        children_props(self, [c, a, b])

    def src(self):
        return '%s ? %s : %s' % (self.c.wrapped(P_COND + 1), self.a.wrapped(P_COND + 1),
                                 self.b.wrapped(P_COND))

    def ev(self, env):
        c, a, b = self.c.ev(env), self.a.ev(env), self.b.ev(env)
        return a if c else b


class Builtin(Expr):
    prec = P_POST

    def __init__(self, name, args):
        self.name, self.args = name, args
        self.t = args[1].t if name == 'mux' else args[0].t
        children_props(self, args)

    def src(self):
        return '%s(%s)' % (self.name, ', '.join(a.src() for a in self.args))

    def ev(self, env):
        v = [a.ev(env) for a in self.args]
        if self.name == 'mux':
            return v[1] if v[0] else v[2]
        if self.name == 'min':
            return min(v)
        if self.name == 'max':
            return max(v)
        return sem_popcount(v[0], self.t)


class Call(Expr):
    prec = P_POST

    def __init__(self, fn, args):
        self.fn, self.args, self.t = fn, args, fn.ret
        children_props(self, args)
        self.ph = RUNTIME

    def src(self):
        return '%s(%s)' % (self.fn.name, ', '.join(a.src() for a in self.args))

    def ev(self, env):
        vals = [a.ev(env) for a in self.args]
        local = Env(env.globals)
        local.globals = env.globals
        for (pn, _), v in zip(self.fn.params, vals):
            local[pn] = v
        try:
            exec_block(self.fn.body, local)
        except Ret as r:
            return r.v
        raise AssertionError('function %s ended without a return' % self.fn.name)


class Env(dict):
    globals = None


class ArrLit(Expr):
    prec = P_POST

    def __init__(self, elems, t):
        self.elems, self.t = elems, t
        children_props(self, elems)

    def src(self):
        return '[%s]' % ', '.join(e.src() for e in self.elems)

    def ev(self, env):
        return tuple(e.ev(env) for e in self.elems)


class Repeat(Expr):
    prec = P_POST

    def __init__(self, e, t):
        self.e, self.t = e, t
        children_props(self, [e])

    def src(self):
        return '[%s; %s]' % (self.e.src(), self.t.ntext)

    def ev(self, env):
        return tuple(self.e.ev(env) for _ in range(self.t.n))


class StructLit(Expr):
    prec = P_POST

    def __init__(self, t, inits):
        self.t, self.inits = t, inits  # inits: [(field index, expr)] in print order
        children_props(self, [e for _, e in inits])

    def src(self):
        return '%s { %s }' % (self.t.name, ', '.join(
            '%s: %s' % (self.t.fields[k][0], e.src()) for k, e in self.inits))

    def ev(self, env):
        vals = [None] * len(self.t.fields)
        for k, e in self.inits:
            vals[k] = e.ev(env)
        return tuple(vals)


class TupleLit(Expr):
    prec = P_POST

    def __init__(self, elems):
        self.elems = elems
        self.t = Tuple([e.t for e in elems])
        children_props(self, elems)

    def src(self):
        return '(%s)' % ', '.join(e.src() for e in self.elems)

    def ev(self, env):
        return tuple(e.ev(env) for e in self.elems)

# ---------------------------------------------------------------- statements


def place_steps(lv, env):
    """The root name and the steps to an assigned place; None when a secret index misses."""
    steps = []
    while not isinstance(lv, Name):
        if isinstance(lv, Index):
            k = lv.i.ev(env)
            if not 0 <= k < lv.a.t.n:
                return None
            steps.append(k)
        else:
            steps.append(lv.k)
        lv = lv.a
    steps.reverse()
    return lv.info.name, steps


def get_path(v, steps):
    for k in steps:
        v = v[k]
    return v


def set_path(v, steps, new):
    if not steps:
        return new
    k = steps[0]
    return v[:k] + (set_path(v[k], steps[1:], new),) + v[k + 1:]


def store(env, place, v):
    if place is None:
        return
    name, steps = place
    env[name] = set_path(env[name], steps, v)


class SVar:
    def __init__(self, info, init, show_type=True):
        self.info, self.init, self.show_type = info, init, show_type

    def lines(self, ind):
        ty = ': %s' % self.info.t if self.show_type else ''
        if self.init is None:
            return [ind + 'var %s%s;' % (self.info.name, ty)]
        return [ind + 'var %s%s = %s;' % (self.info.name, ty, self.init.src())]

    def run(self, env):
        env[self.info.name] = zero(self.info.t) if self.init is None else self.init.ev(env)


class SAssign:
    def __init__(self, lv, op, e):
        self.lv, self.op, self.e = lv, op, e

    def lines(self, ind):
        return [ind + '%s %s= %s;' % (self.lv.src(), self.op or '', self.e.src())]

    def run(self, env):
        place = place_steps(self.lv, env)
        v = self.e.ev(env)
        if place is None:
            return
        if self.op is not None:
            cur = get_path(env[place[0]], place[1])
            if self.op in ('<<', '>>'):
                v = sem_shift(self.op, cur, v, self.lv.t)
            else:
                v = sem_binary(self.op, cur, v, self.lv.t)
        store(env, place, v)


class SMulti:
    def __init__(self, targets, e, declares):
        self.targets, self.e, self.declares = targets, e, declares

    def lines(self, ind):
        lhs = ', '.join(t.src() for t in self.targets)
        return [ind + '%s(%s) = %s;' % ('var ' if self.declares else '', lhs, self.e.src())]

    def run(self, env):
        vals = self.e.ev(env)
        if self.declares:
            for t, v in zip(self.targets, vals):
                env[t.info.name] = v
            return
        places = [place_steps(t, env) for t in self.targets]
        for p, v in zip(places, vals):
            store(env, p, v)


class SIf:
    def __init__(self, c, then, els):
        self.c, self.then, self.els = c, then, els  # els: None, [stmts] or an SIf

    def lines(self, ind, head='if'):
        out = [ind + '%s %s {' % (head, self.c.src())]
        out += block_lines(self.then, ind + '    ')
        if self.els is None:
            out.append(ind + '}')
        elif isinstance(self.els, SIf):
            sub = self.els.lines(ind, 'if')
            out.append(ind + '} else ' + sub[0].lstrip())
            out += sub[1:]
        else:
            out.append(ind + '} else {')
            out += block_lines(self.els, ind + '    ')
            out.append(ind + '}')
        return out

    def run(self, env):
        if self.c.ev(env):
            exec_block(self.then, env)
        elif isinstance(self.els, SIf):
            self.els.run(env)
        elif self.els is not None:
            exec_block(self.els, env)


class SFor:
    def __init__(self, info, lo, hi, body):
        self.info, self.lo, self.hi, self.body = info, lo, hi, body

    def lines(self, ind):
        out = [ind + 'for %s in %s..%s {' % (self.info.name, self.lo.src(), self.hi.src())]
        out += block_lines(self.body, ind + '    ')
        out.append(ind + '}')
        return out

    def run(self, env):
        lo, hi = self.lo.ev(env), self.hi.ev(env)
        for k in range(lo, hi):
            env[self.info.name] = k
            exec_block(self.body, env)


class SRet:
    def __init__(self, e):
        self.e = e

    def lines(self, ind):
        return [ind + 'return %s;' % self.e.src()]

    def run(self, env):
        raise Ret(self.e.ev(env))


class SBlock:
    def __init__(self, body):
        self.body = body

    def lines(self, ind):
        return [ind + '{'] + block_lines(self.body, ind + '    ') + [ind + '}']

    def run(self, env):
        exec_block(self.body, env)


def block_lines(stmts, ind):
    out = []
    for s in stmts:
        out += s.lines(ind)
    return out


def exec_block(stmts, env):
    for s in stmts:
        s.run(env)

# ---------------------------------------------------------------- the generator


class Info:
    """A visible name: kind is param, const, input, output, var, fnparam or loop."""

    def __init__(self, name, t, kind, ph, assigned=True):
        self.name, self.t, self.kind, self.ph = name, t, kind, ph
        self.assigned = assigned
        self.value = None    # params and consts: the value
        self.range = None    # loop indices: (lo, hi) over every iteration
        self.sum_only = False


class Fn:
    def __init__(self, name, params, ret):
        self.name, self.params, self.ret = name, params, ret
        self.body = []
        self.cost = 0
        self.called = False


WIDTHS = [(1, 4), (2, 2), (3, 4), (4, 2), (5, 1), (6, 1), (7, 3), (8, 5), (9, 1), (12, 1),
          (13, 2), (16, 3), (17, 1), (24, 1), (31, 1), (32, 4), (33, 1), (48, 1), (63, 2),
          (64, 4), (65, 2), (96, 1), (100, 1), (127, 1), (128, 2), (129, 1), (200, 1),
          (255, 0.4), (256, 0.7), (512, 0.3), (1024, 0.3)]
ARITH = ['+', '-', '*', '/', '%', '&', '|', '^']
VAR_NAMES = ['w', 'y', 'z', 'tmp', 'acc', 'r']
LOOP_NAMES = ['i', 'j', 'k', 'n']
COMPOUND = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']


class Gen:
    def __init__(self, seed, quick=False):
        self.rng = random.Random(seed)
        self.quick = quick
        self.heavy = not quick and self.rng.random() < 0.3
        self.budget = 40000 if quick else 250000
        self.count = 0
        self.scopes = [{}]
        self.fn = None        # the function being generated
        self.fns = []
        self.structs = []
        self.mult = 1         # how many times the code being generated runs (loops)
        self.loops = []       # enclosing loop indices (Info)
        self.params = []
        self.consts = []
        self.parties = []     # (name, size or None, size text)
        self.inputs = []
        self.outputs = []
        self.defines = []     # -D options
        self.globals = Env()
        self.pool = []

    # ---- names and scopes
    def fresh(self, prefix):
        self.count += 1
        return '%s%d' % (prefix, self.count)

    def local_name(self, prefix, pool):
        """A name for a variable or loop index: often a short one that sibling blocks,
        following loops and other functions reuse (no shadowing: never a visible one)."""
        if self.chance(0.5):
            seen = set()
            for sc in self.scopes:
                seen.update(sc)
            free = [n for n in pool if n not in seen]
            if free:
                return self.pick(free)
        return self.fresh(prefix)

    def declare(self, info):
        self.scopes[-1][info.name] = info
        if info.t is not None and info.kind != 'output':
            self.add_pool(info.t)
        return info

    def visible(self):
        out = []
        for sc in self.scopes:
            for info in sc.values():
                if self.fn is not None and info.kind in ('input', 'output', 'var') and \
                        sc is self.scopes[0]:
                    continue
                out.append(info)
        return out

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(seq)

    # ---- types
    def width(self, maxw=1024):
        ws = [(w, p) for w, p in WIDTHS if w <= maxw]
        if self.quick:
            ws = [(w, p) for w, p in ws if w <= 256]
        tot = sum(p for _, p in ws)
        r = self.rng.random() * tot
        for w, p in ws:
            r -= p
            if r <= 0:
                return w
        return ws[-1][0]

    def int_type(self, maxw=1024):
        ts = [t for t in self.pool if is_int(t) and t.w <= maxw]
        if ts and self.chance(0.4):
            return self.pick(ts)
        return Int(self.width(maxw), self.chance(0.5))

    def scalar_type(self, maxw=1024):
        return BOOL if self.chance(0.15) else self.int_type(maxw)

    def add_pool(self, t):
        """Types of the values around are picked more often (so that they meet)."""
        if is_scalar(t):
            if t not in self.pool:
                self.pool.append(t)
        elif isinstance(t, Arr):
            self.add_pool(t.elem)
        elif isinstance(t, Struct):
            for _, ft in t.fields:
                self.add_pool(ft)

    def scalars_in(self, t, out):
        if is_scalar(t):
            if t not in out:
                out.append(t)
        elif isinstance(t, Arr):
            self.scalars_in(t.elem, out)
        elif isinstance(t, Struct):
            for _, ft in t.fields:
                self.scalars_in(ft, out)
        return out

    def rand_type(self, depth=0, maxbits=2048):
        r = self.rng.random()
        if depth < 2 and r < 0.15:
            elem = self.rand_type(depth + 1, maxbits // 2)
            n, ntext = self.array_len()
            if elem.bits * n <= maxbits and (n <= 6 or elem.bits <= 16):
                return Arr(elem, n, ntext)
        if depth < 2 and r < 0.22 and self.structs:
            s = self.pick(self.structs)
            if s.bits <= maxbits:
                return s
        return self.scalar_type(min(1024, max(1, maxbits)))

    def array_len(self):
        """A length and its source text: a literal or an untyped param."""
        lens = [p for p in self.params if p.t is None and 1 <= p.value <= 6]
        if lens and self.chance(0.3):
            p = self.pick(lens)
            if self.chance(0.3) and p.value <= 5:
                return p.value + 1, '%s + 1' % p.name
            return p.value, p.name
        n = self.rng.randint(1, 5) if self.chance(0.93) else self.pick([8, 16, 33, 64])
        return n, str(n)

    # ---- values
    def rand_value(self, t):
        if isinstance(t, Bool):
            return self.chance(0.5)
        if isinstance(t, Int):
            r = self.rng.random()
            if r < 0.08:
                v = 0
            elif r < 0.14:
                v = 1
            elif r < 0.22:
                v = -1
            elif r < 0.28:
                v = t.lo
            elif r < 0.33:
                v = t.hi
            elif r < 0.36:
                v = t.lo + 1
            elif r < 0.45:
                v = self.rng.randint(0, 9) * self.pick([1, -1])
            elif r < 0.6:
                v = self.rng.getrandbits(self.rng.randint(1, t.w))
            else:
                v = self.rng.getrandbits(t.w)
            return wrap(v, t)
        if isinstance(t, Arr):
            return tuple(self.rand_value(t.elem) for _ in range(t.n))
        return tuple(self.rand_value(ft) for _, ft in t.fields)

    def lit_text(self, v):
        return fmt_int(v, self.rng)

    # ---- untyped constants
    def untyped(self, t, d):
        """An untyped constant subtree converted to t (an integer type; None: exact)."""
        lo, hi = (t.lo, t.hi) if t is not None else (-(1 << 70), 1 << 70)
        names = [p for p in self.visible() if p.kind in ('param', 'const') and p.t is None and
                 lo <= p.value <= hi]
        loops = [p for p in self.visible() if p.kind == 'loop' and p.t is None and
                 lo <= p.range[0] and p.range[1] <= hi]
        r = self.rng.random()
        if d <= 0 or r < 0.45:
            if names and self.chance(0.25):
                return Name(self.pick(names), t)
            if loops and self.chance(0.3):
                return Name(self.pick(loops), t)
            if t is None:
                v = self.rng.randint(0, 40)
            else:
                v = self.rand_value(Int(t.w, t.s))
                if t.w > 8 and self.chance(0.5):
                    v = self.rng.randint(0, 20)
            if v < 0 and t is None:
                v = -v
            return Lit(v, t, self.lit_text(v))
        if r < 0.55 and (t is None or not t.s or True):
            if t is not None and not t.s:
                return Unary('~', self.untyped(t, d - 1))
            return Unary(self.pick(['-', '~']), self.untyped(t, d - 1))
        if r < 0.62:
            k = self.rng.randint(0, min(5, t.w - 1) if t is not None else 5)
            return Binary('<<', self.untyped(t, d - 1), Lit(k, None, str(k)))
        if r < 0.72 and t is None:
            # exact: (1 << 70) / (1 << 68) is 4, -7 % 2 is -1, -7 >> 1 is -4
            if self.chance(0.3):
                k = self.rng.randint(0, 80)
                return Binary('>>', self.untyped(t, d - 1), Lit(k, None, str(k)))
            b = self.untyped(t, d - 1)
            vals = self.const_values(b)
            if vals is None or 0 in vals:
                b = Lit(3, None, '3')
            return Binary(self.pick(['/', '%']), self.untyped(t, d - 1), b)
        op = self.pick(['+', '-', '*', '&', '|', '^'])
        return Binary(op, self.untyped(t, d - 1), self.untyped(t, d - 1))

    # ---- the cost of what is being generated (AND gates, roughly)
    def spend(self, n):
        self.budget -= n * self.mult

    def affordable(self, n):
        return n * self.mult < self.budget * 0.3

    # ---- places: a name, then fields and indices
    def reach(self, t, target, depth=3):
        if t == target:
            return True
        if depth == 0:
            return False
        if isinstance(t, Arr):
            return self.reach(t.elem, target, depth - 1)
        if isinstance(t, Struct):
            return any(self.reach(ft, target, depth - 1) for _, ft in t.fields)
        return False

    def index_for(self, n, lvalue=False, depth=1):
        """An index into an array of n elements: public in bounds, or secret (any value)."""
        r = self.rng.random()
        loops = [p for p in self.visible() if p.kind == 'loop' and p.range[0] <= p.range[1]]
        if loops and r < 0.3:
            lp = self.pick(loops)
            lo, hi = lp.range
            if lp.t is None or not lp.t.s:
                if 0 <= lo and hi < n:
                    return Name(lp)
                if lp.t is None and hi - lo < n:
                    off = lo
                    if off > 0 and self.chance(0.7):
                        return Binary('-', Name(lp), Lit(off, None, str(off)))
                    if off <= 0 and hi - off < n:
                        return Binary('+', Name(lp), Lit(-off, None, str(-off)))
        if r < 0.55 or depth <= 0:
            v = self.rng.randrange(n)
            if self.chance(0.2):
                return Cast(Lit(v, None, str(v)), Int(max(1, v.bit_length()) + 1, False))
            return Lit(v, None, str(v))
        w = self.rng.choice([1, 2, 3, 3, 4, 8, 16, 64, 100])
        if self.affordable(n * 8 * w):
            e = self.expr(Int(w, False), min(2, depth - 1), secret=True)
            if e.ph == RUNTIME:
                return e
            vals = self.const_values(e)
            if vals is not None and all(0 <= v < n for v in vals):
                return e
        v = self.rng.randrange(n)
        return Lit(v, None, str(v))

    def access(self, base, target, depth, lvalue=False):
        """Fields and indices from base down to a value of type target."""
        e = base
        while not (e.t == target and (self.chance(0.6) or not self.deeper(e.t, target))):
            t = e.t
            if isinstance(t, Arr):
                i = self.index_for(t.n, lvalue, depth)
                if i.ph == RUNTIME:
                    cost = t.n * (t.elem.bits + 8) if lvalue else (t.n - 1) * t.elem.bits
                    self.spend(cost)
                e = Index(e, i)
            else:
                ks = [k for k, (_, ft) in enumerate(t.fields) if self.reach(ft, target)]
                e = Field(e, self.pick(ks))
        return e

    def deeper(self, t, target):
        if isinstance(t, Arr):
            return self.reach(t.elem, target)
        if isinstance(t, Struct):
            return any(self.reach(ft, target) for _, ft in t.fields)
        return False

    def readable(self, target, secret=False):
        out = []
        for p in self.visible():
            if not p.assigned or p.sum_only or p.t is None:
                continue
            if secret and p.ph != RUNTIME:
                continue
            if self.reach(p.t, target):
                out.append(p)
        return out

    def place(self, target=None, readable=False):
        """An assignable place (of type target, or any); readable: one assigned already."""
        cands = []
        for p in self.visible():
            if p.kind not in ('var', 'output', 'fnparam') or p.t is None:
                continue
            if readable and not p.assigned:
                continue
            if target is None or self.reach(p.t, target):
                cands.append(p)
        if not cands:
            return None
        p = self.pick(cands)
        if target is None:
            target = p.t
            while not is_scalar(target) and self.chance(0.6):
                if isinstance(target, Arr):
                    target = target.elem
                else:
                    target = self.pick(target.fields)[1]
        return self.access(Name(p), target, self.ed(), lvalue=True)

    # ---- values known at compile time
    def const_values(self, e):
        """Every value e takes over its loop indices' ranges; None if it is not compile-time."""
        if e.ph == RUNTIME:
            return None
        vars_ = [self.lookup(n) for n in e.loopvars]
        combos = [{}]
        for info in vars_:
            lo, hi = info.range
            if hi - lo > 64:
                return None
            combos = [dict(c, **{info.name: v}) for c in combos for v in range(lo, hi + 1)]
            if len(combos) > 512:
                return None
        out = []
        for c in combos:
            env = Env(self.globals)
            env.globals = self.globals
            env.update(c)
            out.append(e.ev(env))
        return out

    def lookup(self, name):
        for sc in reversed(self.scopes):
            if name in sc:
                return sc[name]
        raise KeyError(name)

    # ---- expressions
    def expr(self, t, d, ut_ok=False, secret=False):
        """A random expression of type t, at most d deep. ut_ok: may be an untyped constant."""
        if isinstance(t, Bool):
            e = self.bool_expr(d)
        elif isinstance(t, Int):
            e = self.int_expr(t, d, ut_ok, secret)
        elif isinstance(t, Tuple):
            return TupleLit([self.expr(et, d - 1, True) for et in t.elems])
        else:
            e = self.composite_expr(t, d, ut_ok)
        if self.chance(0.08):
            e.paren = True
        return e

    def leaf(self, t, ut_ok, secret=False):
        cands = self.prefer_runtime(self.readable(t, secret))
        if cands and self.chance(0.8):
            return self.access(Name(self.pick(cands)), t, 1)
        others = [p for p in self.visible() if p.assigned and not p.sum_only and
                  p.t is not None and (p.ph == RUNTIME or not secret)]
        others = self.prefer_runtime(others)
        if others and is_scalar(t) and self.chance(0.8 if secret else 0.7):
            p = self.pick(others)
            st = self.pick(self.scalars_in(p.t, []))
            e = self.access(Name(p), st, 1)
            if isinstance(t, Bool):
                if isinstance(st, Bool) or st.w == 1:
                    return Cast(e, t)
                z = self.rng.randint(0, 1)
                return Binary(self.pick(['!=', '==', '<', '>=']), e, Lit(z, st, str(z)))
            return Cast(e, t)
        if isinstance(t, Bool):
            v = self.chance(0.5)
            return Lit(v, BOOL, 'true' if v else 'false')
        if isinstance(t, Int):
            if ut_ok:
                return self.untyped(t, 0)
            v = self.rand_value(t)
            if v < 0:
                # a negated literal cast: (-5) as i8 is the literal -5 then the cast
                return Cast(Lit(v, None, self.lit_text(v)), t)
            return Cast(Lit(v, None, self.lit_text(v)), t)
        return self.composite_expr(t, 0, ut_ok)

    def prefer_runtime(self, names):
        """Mostly the variables (whose values come from earlier statements), else inputs."""
        run = [p for p in names if p.ph == RUNTIME]
        vars_ = [p for p in run if p.kind in ('var', 'fnparam', 'output')]
        if vars_ and self.chance(0.6):
            return vars_
        if run and self.chance(0.85):
            return run
        return names

    def digest(self, t, d=0):
        """A value of type t mixing several variables: what the program computed shows."""
        if isinstance(t, Arr):
            if t.n > 4:
                return Repeat(self.digest(t.elem, d + 1), t)
            return ArrLit([self.digest(t.elem, d + 1) for _ in range(t.n)], t)
        if isinstance(t, Struct):
            return StructLit(t, [(k, self.digest(ft, d + 1)) for k, (_, ft) in
                                 enumerate(t.fields)])
        names = [p for p in self.visible() if p.assigned and not p.sum_only and
                 p.t is not None and p.kind != 'output']
        vars_ = [p for p in names if p.kind == 'var']
        run = [p for p in names if p.ph == RUNTIME]
        names = vars_ if vars_ and self.chance(0.7) else run if run and self.chance(0.9) else names
        if not names or d > 2:
            return self.expr(t, 1)
        e = None
        for _ in range(self.rng.randint(1, 4)):
            p = self.pick(names)
            st = self.pick(self.scalars_in(p.t, []))
            x = self.access(Name(p), st, 1)
            if isinstance(t, Bool):
                if not isinstance(st, Bool):
                    x = Binary(self.pick(['<', '>=', '!=']), x, self.expr(st, 1, ut_ok=True))
                e = x if e is None else Binary(self.pick(['^', '!=', '==']), e, x)
            else:
                if st != t:
                    x = Cast(x, t) if not isinstance(st, Bool) or self.chance(0.5) else \
                        Cond(x, self.expr(t, 0), self.expr(t, 0, ut_ok=True))
                e = x if e is None else Binary(self.pick(['^', '+', '-']), e, x)
        return e

    def calls_to(self, t):
        avail = self.fns if self.fn is None else self.fns[:self.fns.index(self.fn)]
        return [f for f in avail if f.ret == t and self.affordable(f.cost)]

    def call(self, f, d):
        args = [self.expr(pt, d - 1, ut_ok=is_int(pt)) for _, pt in f.params]
        self.spend(f.cost)
        f.called = True
        return Call(f, args)

    def int_expr(self, t, d, ut_ok, secret=False):
        n = t.w
        if d <= 0:
            return self.leaf(t, ut_ok, secret)
        kinds = ['leaf', 'leaf', 'unary', 'arith', 'arith', 'arith', 'arith', 'shift', 'shift',
                 'cast', 'cast', 'cond', 'mux', 'minmax', 'popcount', 'index', 'call']
        if ut_ok:
            kinds += ['untyped']
        k = self.pick(kinds)
        if k == 'unary':
            return Unary(self.pick(['-', '~']), self.expr(t, d - 1))
        if k == 'arith':
            op = self.pick(ARITH)
            cost = n * n if op in '*/%' else n
            if not self.affordable(cost):
                op = self.pick(['+', '-', '&', '|', '^'])
                cost = n
            return self.binary(op, t, d, cost)
        if k == 'shift':
            return self.shift(t, d)
        if k == 'cast':
            ft = self.scalar_type(256)
            if isinstance(ft, Bool) or (self.chance(0.3) and ft.w > 1):
                pass
            if self.chance(0.1):
                return Cast(self.untyped(None, 2), t)
            return Cast(self.expr(ft, d - 1), t)
        if k in ('cond', 'mux'):
            return self.select(k, t, d)
        if k == 'minmax' and self.affordable(4 * n):
            m = self.rng.randint(2, 4)
            args = [self.expr(t, d - 1, ut_ok=i > 0) for i in range(m)]
            self.rng.shuffle(args)
            if all(a.ut for a in args):
                args[0] = self.expr(t, d - 1)
            self.spend(2 * n * (m - 1))
            return Builtin(self.pick(['min', 'max']), args)
        if k == 'popcount':
            self.spend(n)
            return Builtin('popcount', [self.expr(t, d - 1)])
        if k == 'index':
            return self.index_expr(t, d)
        if k == 'call':
            fs = self.calls_to(t)
            if fs:
                return self.call(self.pick(fs), d)
        if k == 'untyped':
            return self.untyped(t, self.rng.randint(0, 3))
        return self.leaf(t, ut_ok)

    def binary(self, op, t, d, cost):
        a = self.expr(t, d - 1)
        if op in '/%' and self.chance(0.4):
            b = self.divisor(t, d)
        else:
            b = self.expr(t, d - 1, ut_ok=True)
        if self.chance(0.5) and not b.ut:
            a, b = b, a
            if a.ut and b.ut:
                a = self.expr(t, d - 1)
        if op in '/%' and b.ph != RUNTIME:
            vals = self.const_values(b)
            if a.ph != RUNTIME and (vals is None or 0 in vals):
                b = one(t)
                if a.ut:
                    a = self.expr(t, d - 1)
        self.spend(cost)
        return Binary(op, a, b)

    def divisor(self, t, d):
        """A divisor that is often 0 or -1."""
        r = self.rng.random()
        if r < 0.3:
            return self.leaf(t, False, secret=True)
        if r < 0.5:
            c = self.bool_expr(1)
            edge = Lit(0, t, '0') if not t.s or self.chance(0.5) else Lit(-1, t, '-1')
            return Builtin('mux', [c, edge, self.expr(t, d - 1)])
        if r < 0.7:
            return Binary('&', self.expr(t, d - 1), one(t))
        if r < 0.8 and t.s:
            return Binary('|', self.expr(t, d - 1), Lit(-1, t, '-1'))
        return self.expr(t, d - 1, ut_ok=True)

    def shift(self, t, d):
        op = self.pick(['<<', '>>'])
        a = self.expr(t, d - 1)
        r = self.rng.random()
        if r < 0.4:
            k = self.rng.randint(0, t.w + 2) if self.chance(0.8) else self.rng.randint(0, 3000)
            b = Lit(k, None, self.lit_text(k))
        elif r < 0.5:
            b = self.untyped(None, 1)
            vals = self.const_values(b)
            if vals is None or min(vals, default=0) < 0:
                b = Lit(3, None, '3')
        else:
            aw = self.pick([1, 2, 3, 4, 5, 6, 7, 8, 8, 11, 16, 32, 64, 65])
            if not self.affordable(t.w * aw):
                aw = 1
            b = self.expr(Int(aw, False), d - 1)
            self.spend(t.w * min(aw, t.w.bit_length() + 1))
        return Binary(op, a, b)

    def const_env(self):
        env = Env(self.globals)
        env.globals = self.globals
        return env

    def select(self, k, t, d):
        c = self.bool_expr(d - 1)
        a = self.expr(t, d - 1)
        b = self.expr(t, d - 1, ut_ok=is_int(t))
        if self.chance(0.5) and not a.ut:
            a, b = b, a
            if a.ut:
                a = self.expr(t, d - 1)
        self.spend(t.bits)
        if k == 'mux':
            return Builtin('mux', [c, a, b])
        return Cond(c, a, b)

    def index_expr(self, t, d):
        """An element of an array made here: a literal array or a call's result."""
        r = self.rng.random()
        if r < 0.5:
            fs = [f for f in self.calls_to_any() if self.reach(f.ret, t) and
                  not isinstance(f.ret, (Bool, Int))]
            if fs:
                return self.access(self.call(self.pick(fs), d), t, d)
        n = self.rng.randint(1, 4)
        elems = [self.expr(t, d - 1, ut_ok=i > 0 and is_int(t)) for i in range(n)]
        return self.access(ArrLit(elems, Arr(t, n)), t, d)

    def calls_to_any(self):
        avail = self.fns if self.fn is None else self.fns[:self.fns.index(self.fn)]
        return [f for f in avail if not isinstance(f.ret, Tuple) and self.affordable(f.cost)]

    def bool_expr(self, d):
        if d <= 0:
            return self.leaf(BOOL, False)
        k = self.pick(['leaf', 'cmp', 'cmp', 'cmp', 'eqc', 'not', 'logic', 'logic', 'bits',
                       'cast', 'cond', 'mux', 'call', 'index'])
        if k == 'cmp':
            t = self.scalar_type(256) if self.chance(0.9) else BOOL
            op = self.pick(['==', '!=', '<', '<=', '>', '>='])
            a = self.expr(t, d - 1)
            b = self.expr(t, d - 1, ut_ok=is_int(t))
            if self.chance(0.4) and not b.ut:
                a, b = b, a
            self.spend(t.bits)
            return Binary(op, a, b)
        if k == 'eqc':
            t = self.rand_type(1, 512)
            self.spend(t.bits)
            return Binary(self.pick(['==', '!=']), self.expr(t, d - 1), self.expr(t, d - 1))
        if k == 'not':
            return Unary(self.pick(['!', '~']), self.bool_expr(d - 1))
        if k == 'logic':
            return Binary(self.pick(['&&', '||']), self.bool_expr(d - 1), self.bool_expr(d - 1))
        if k == 'bits':
            return Binary(self.pick(['&', '|', '^']), self.bool_expr(d - 1), self.bool_expr(d - 1))
        if k == 'cast':
            r = self.rng.random()
            if r < 0.1:
                v = self.rng.randint(0, 1)
                return Cast(Lit(v, None, str(v)), BOOL)
            ft = BOOL if r < 0.3 else Int(1, self.chance(0.5))
            return Cast(self.expr(ft, d - 1), BOOL)
        if k in ('cond', 'mux'):
            return self.select(k, BOOL, d)
        if k == 'call':
            fs = self.calls_to(BOOL)
            if fs:
                return self.call(self.pick(fs), d)
        if k == 'index':
            return self.index_expr(BOOL, d)
        return self.leaf(BOOL, False)

    def composite_expr(self, t, d, ut_ok=False):
        r = self.rng.random()
        if d > 0 and r < 0.15:
            return self.select(self.pick(['cond', 'mux']), t, d)
        if d > 0 and r < 0.25:
            fs = self.calls_to(t)
            if fs:
                return self.call(self.pick(fs), d)
        if r < 0.6:
            cands = self.readable(t)
            if cands:
                return self.access(Name(self.pick(cands)), t, d)
        sub = max(0, d - 1)
        if isinstance(t, Arr):
            if self.chance(0.3) or t.n > 4:
                return Repeat(self.expr(t.elem, sub, ut_ok=ut_ok), t)
            elems = [self.expr(t.elem, sub, ut_ok=ut_ok or i > 0) for i in range(t.n)]
            return ArrLit(elems, t)
        inits = [(k, self.expr(ft, sub, ut_ok=True)) for k, (_, ft) in enumerate(t.fields)]
        self.rng.shuffle(inits)
        return StructLit(t, inits)

    # ---- statements
    def block(self, n, depth, scope=True):
        if scope:
            self.scopes.append({})
        out = []
        for _ in range(n):
            if self.budget <= 0:
                break
            s = self.stmt(depth)
            if s is None:
                continue
            out.extend(s if isinstance(s, list) else [s])
            if out and isinstance(out[-1], SRet):
                break
        if scope:
            self.scopes.pop()
        return out

    def ed(self):
        return self.rng.randint(1, 2 if self.quick else 5 if self.heavy else 4)

    def stmt(self, depth):
        kinds = ['var', 'var', 'assign', 'assign', 'assign', 'compound', 'if', 'for', 'multi',
                 'block', 'late']
        if self.fn is not None:
            kinds += ['ret']
        if depth > 2:
            kinds = ['var', 'assign', 'compound', 'ret' if self.fn else 'assign']
        k = self.pick(kinds)
        if k == 'var':
            t = self.rand_type(0, 600)
            init = self.expr(t, self.ed(), ut_ok=True)
            info = Info(self.local_name('v', VAR_NAMES), t, 'var', RUNTIME)
            show = init.ut or self.chance(0.7) or isinstance(init, (ArrLit, Repeat)) or \
                isinstance(t, Struct) and not isinstance(init, (StructLit, Name, Call))
            s = SVar(info, init, show or not self.typed_expr(init))
            self.declare(info)
            return s
        if k == 'late':
            return self.late_var(depth)
        if k in ('assign', 'compound'):
            lv = self.place(readable=k == 'compound')
            if lv is None:
                return None
            t = lv.t
            if k == 'compound' and is_scalar(t):
                ops = ['&', '|', '^'] if isinstance(t, Bool) else COMPOUND
                op = self.pick(ops)
                if op in ('<<', '>>'):
                    aw = self.pick([1, 3, 4, 7, 8])
                    if self.chance(0.5):
                        kk = self.rng.randint(0, t.w + 1)
                        return SAssign(lv, op, Lit(kk, None, str(kk)))
                    self.spend(t.w * aw)
                    return SAssign(lv, op, self.expr(Int(aw, False), self.ed()))
                if op in '*/%':
                    if not self.affordable(t.w * t.w):
                        op = '+'
                    self.spend(t.w * t.w)
                e = self.divisor(t, self.ed()) if op in '/%' else \
                    self.expr(t, self.ed(), ut_ok=True)
                if op in '/%' and e.ph != RUNTIME:
                    vals = self.const_values(e)
                    if vals is None or 0 in vals:
                        e = one(t)
                return SAssign(lv, op, e)
            return SAssign(lv, None, self.expr(t, self.ed(), ut_ok=True))
        if k == 'if':
            return self.if_stmt(depth)
        if k == 'for':
            return self.for_stmt(depth)
        if k == 'multi':
            return self.multi()
        if k == 'block':
            return SBlock(self.block(self.rng.randint(1, 3), depth + 1))
        if k == 'ret':
            if depth == 0 and self.chance(0.7):
                return None  # the last return is added by fn()
            return SRet(self.expr(self.fn.ret, self.ed(), ut_ok=is_int(self.fn.ret)))
        return None

    def typed_expr(self, e):
        return not e.ut and not isinstance(e, (ArrLit, Repeat)) or \
            isinstance(e, ArrLit) and all(not x.ut for x in e.elems)

    def late_var(self, depth):
        """var v: T; assigned after: wholly, in both arms of an if, or one element."""
        t = self.rand_type(0, 400)
        info = Info(self.local_name('v', VAR_NAMES), t, 'var', RUNTIME, assigned=False)
        self.declare(info)
        out = [SVar(info, None)]
        r = self.rng.random()
        if isinstance(t, Arr) and r < 0.4:
            k = self.rng.randrange(t.n)
            lv = Index(Name(info), Lit(k, None, str(k)))
            out.append(SAssign(lv, None, self.expr(t.elem, self.ed(), ut_ok=True)))
        elif r < 0.7 and depth < 3:
            c = self.bool_expr(2)
            then = self.block(self.rng.randint(0, 2), depth + 1)
            then.append(SAssign(Name(info), None, self.expr(t, self.ed(), ut_ok=True)))
            els = self.block(self.rng.randint(0, 2), depth + 1)
            els.append(SAssign(Name(info), None, self.expr(t, self.ed(), ut_ok=True)))
            out.append(SIf(c, then, els))
            self.spend(t.bits)
        else:
            out.append(SAssign(Name(info), None, self.expr(t, self.ed(), ut_ok=True)))
        info.assigned = True
        return out

    def if_stmt(self, depth):
        c = self.bool_expr(self.ed())
        loops = [p for p in self.visible() if p.kind == 'loop' and p.range[0] <= p.range[1]]
        if loops and self.chance(0.3):
            # a condition on a loop index: known at compile time, one arm exists
            lp = self.pick(loops)
            v = self.rng.randint(lp.range[0], lp.range[1])
            lit = Lit(v, lp.t, str(v)) if v >= 0 else Lit(v, lp.t, '(%d)' % v)
            c = Binary(self.pick(['==', '!=', '<', '>=']), Name(lp), lit)
            if self.chance(0.3):
                c = Binary(self.pick(['&&', '||']), c, self.bool_expr(1))
        then = self.block(self.rng.randint(1, 3), depth + 1)
        r = self.rng.random()
        if r < 0.3:
            els = None
        elif r < 0.5:
            els = self.if_stmt(depth + 1)
        else:
            els = self.block(self.rng.randint(1, 3), depth + 1)
        return SIf(c, then, els)

    def bound(self, lo_min=0):
        r = self.rng.random()
        ps = [p for p in self.params + self.consts if p.t is None and 0 <= p.value <= 6]
        if ps and r < 0.3:
            p = self.pick(ps)
            return Name(p), p.value
        v = self.rng.randint(lo_min, max(lo_min, 5))
        return Lit(v, None, str(v)), v

    def for_stmt(self, depth):
        info = Info(self.local_name('k', LOOP_NAMES), None, 'loop', LOOP)
        outer = [p for p in self.visible() if p.kind == 'loop' and p.t is None and
                 p.range[0] <= p.range[1]]
        r = self.rng.random()
        if outer and r < 0.3:
            o = self.pick(outer)
            lo = Binary('+', Name(o), Lit(1, None, '1')) if self.chance(0.5) else Name(o)
            lo_rng = (o.range[0] + (1 if isinstance(lo, Binary) else 0),
                      o.range[1] + (1 if isinstance(lo, Binary) else 0))
            hi, hv = self.bound(lo_rng[1])
            rng_ = (lo_rng[0], hv - 1)
            trips = max(0, hv - lo_rng[0])
        elif r < 0.45:
            sg = self.chance(0.3)
            t = Int(self.pick([4, 8, 16] if sg else [3, 4, 8, 16]), sg)
            a = self.rng.randint(0, 3) - (2 if t.s else 0)
            b = a + self.rng.randint(0, 4)
            lo = Cast(Lit(a, None, str(a)), t) if self.chance(0.5) else Lit(a, t, str(a))
            hi = Cast(Lit(b, None, str(b)), t)
            if isinstance(lo, Lit) and a < 0:
                lo = Cast(Lit(a, None, str(a)), t)
            info.t = t
            rng_, trips = (a, b - 1), b - a
        else:
            lo_v = self.rng.randint(0, 2)
            lo = Lit(lo_v, None, str(lo_v))
            hi, hv = self.bound()
            rng_, trips = (lo_v, hv - 1), max(0, hv - lo_v)
        info.range = rng_
        trips = max(trips, 1)
        self.mult *= trips
        self.loops.append(info)
        self.scopes.append({info.name: info})
        body = self.block(self.rng.randint(1, 3), depth + 1)
        self.scopes.pop()
        self.loops.pop()
        self.mult //= trips
        return SFor(info, lo, hi, body)

    def multi(self):
        r = self.rng.random()
        fs = [f for f in self.calls_to_tuple()]
        if fs and r < 0.7:
            f = self.pick(fs)
            call = self.call(f, self.ed())
            if self.chance(0.5):
                targets = []
                for t in f.ret.elems:
                    info = Info(self.fresh('v'), t, 'var', RUNTIME)
                    targets.append(info)
                for info in targets:
                    self.declare(info)
                return SMulti([Name(i) for i in targets], call, True)
            lvs = self.distinct_places(f.ret.elems)
            if lvs is not None:
                return SMulti(lvs, call, False)
            return None
        # (a, b) = (e1, e2), often a swap
        swap = self.chance(0.5)
        lvs = self.distinct_places([None, None], readable=swap)
        if lvs is None:
            return None
        if lvs[0].t == lvs[1].t and swap:
            return SMulti(lvs, TupleLit([lvs[1], lvs[0]]), False)
        return SMulti(lvs, TupleLit([self.expr(lv.t, self.ed(), ut_ok=True) for lv in lvs]),
                      False)

    def distinct_places(self, types, readable=False):
        lvs, roots = [], set()
        for t in types:
            for _ in range(5):
                lv = self.place(t, readable)
                if lv is None:
                    return None
                root = lv
                while not isinstance(root, Name):
                    root = root.a
                if root.info.name not in roots:
                    roots.add(root.info.name)
                    lvs.append(lv)
                    break
            else:
                return None
        return lvs

    def calls_to_tuple(self):
        avail = self.fns if self.fn is None else self.fns[:self.fns.index(self.fn)]
        return [f for f in avail if isinstance(f.ret, Tuple) and self.affordable(f.cost)]

    # ---- functions
    def function(self):
        params = []
        for k in range(self.rng.randint(0, 3)):
            params.append(('p%d' % k if self.chance(0.5) else self.fresh('a'),
                           self.rand_type(1, 300)))
        r = self.rng.random()
        if r < 0.3:
            ret = Tuple([self.rand_type(1, 200) for _ in range(self.rng.randint(2, 3))])
        elif r < 0.5:
            ret = self.rand_type(0, 300)
        else:
            ret = self.scalar_type(256)
        f = Fn(self.fresh('f'), params, ret)
        self.fns.append(f)
        saved = self.budget
        self.budget = min(self.budget, 30000 if not self.quick else 8000)
        start = self.budget
        self.fn = f
        self.scopes.append({pn: Info(pn, pt, 'fnparam', RUNTIME) for pn, pt in params})
        body = self.block(self.rng.randint(1, 5), 0)
        if not body or not isinstance(body[-1], SRet):
            body.append(SRet(self.expr(ret, self.ed(), ut_ok=is_int(ret))))
        self.scopes.pop()
        self.fn = None
        f.body = body
        f.cost = max(1, start - self.budget)
        self.budget = saved
        return f

    def fn_lines(self, f):
        ps = ', '.join('%s: %s' % (pn, pt) for pn, pt in f.params)
        return ['fn %s(%s) -> %s {' % (f.name, ps, f.ret)] + block_lines(f.body, '    ') + ['}']

    # ---- sums over a party array
    def sum_stmt(self, x, pname, size):
        """t += x[b]... in a loop over every party (the sum groups), or a near miss."""
        paths = []

        def walk(t, steps):
            if is_int(t):
                paths.append((t, steps))
            elif isinstance(t, Arr):
                walk(t.elem, steps + [('i', t.n)])
            elif isinstance(t, Struct):
                for k, (_, ft) in enumerate(t.fields):
                    walk(ft, steps + [('f', k)])
        walk(x.t.elem, [])
        if not paths:
            return None
        lt, steps = self.pick(paths)
        b = Info(self.fresh('b'), None, 'loop', LOOP)
        b.range = (0, size - 1)
        inner = None
        e = Index(Name(x), Name(b))
        for kind, v in steps:
            if kind == 'f':
                e = Field(e, v)
            elif inner is None and self.chance(0.5):
                inner = Info(self.fresh('k'), None, 'loop', LOOP)
                inner.range = (0, v - 1)
                e = Index(e, Name(inner))
            else:
                k = self.rng.randrange(v)
                e = Index(e, Lit(k, None, str(k)))
        near = self.rng.random()
        lo = 1 if near < 0.08 else 0  # a sum over some of the parties: ordinary inputs
        r = self.rng.random()
        acc_t = lt
        if r >= 0.9:
            acc_t = Int(min(lt.w * 2, 1024), lt.s)  # a widened sum: ordinary inputs
            e = Cast(e, acc_t)
        total_t = acc_t if inner is None else Arr(acc_t, inner.range[1] + 1)
        total = Info(self.fresh('v'), total_t, 'var', RUNTIME)
        if inner is None:
            decl = SVar(total, self.expr(acc_t, 2, ut_ok=True))
        else:
            decl = SVar(total, Repeat(self.expr(acc_t, 1, ut_ok=True), total_t))
        self.declare(total)
        tgt = Name(total) if inner is None else Index(Name(total), Name(inner))
        if r < 0.45 or r >= 0.9:
            st = SAssign(tgt, self.pick(['+', '-']), e)
        elif r < 0.6:
            st = SAssign(tgt, None, Binary('+', tgt, e))
        elif r < 0.75:
            st = SAssign(tgt, None, Binary('+', e, tgt))
        else:
            st = SAssign(tgt, None, Binary('-', tgt, e))
        body = [st]
        if inner is not None:
            n = inner.range[1] + 1
            body = [SFor(inner, Lit(0, None, '0'), Lit(n, None, str(n)), body)]
        if near > 0.95:
            body = [SIf(self.bool_expr(1), body, None)]  # under an if: ordinary
        hi = Name(pname) if self.chance(0.5) and pname is not None else \
            Lit(size, None, str(size))
        return [decl, SFor(b, Lit(lo, None, str(lo)), hi, body)]

    # ---- the program
    def program(self):
        rng = self.rng
        lines = []
        # params: untyped sizes, maybe overridden with -D; typed values
        for _ in range(rng.randint(0, 3)):
            name = self.fresh('P')
            if self.chance(0.6):
                default = rng.randint(1, 5)
                value = rng.randint(1, 5) if self.chance(0.5) else default
                info = Info(name, None, 'param', CONST)
                text = 'param %s = %s;' % (name, fmt_int(default, rng))
            else:
                t = self.int_type(128)
                default = self.rand_value(t)
                value = self.rand_value(t) if self.chance(0.5) else default
                info = Info(name, t, 'param', CONST)
                text = 'param %s: %s = %s;' % (name, t, fmt_int(default, rng))
                if default < 0:
                    text = 'param %s: %s = %s;' % (name, t, fmt_int(default, rng))
            info.value = value
            if value != default or self.chance(0.2):
                self.defines.append('%s=%s' % (name, fmt_define(value, rng)))
            self.params.append(info)
            self.declare(info)
            self.globals[name] = value
            lines.append(text)
        # structs
        for _ in range(rng.randint(0, 3)):
            fields = [(self.fresh('g'), self.rand_type(1, 300))
                      for _ in range(rng.randint(1, 4))]
            s = Struct(self.fresh('S'), fields)
            self.structs.append(s)
            lines.append('struct %s { %s }' % (s.name, ', '.join(
                '%s: %s' % (fn_, ft) for fn_, ft in fields)))
        # consts, computed by the compiler (constant folding)
        for _ in range(rng.randint(0, 3)):
            name = self.fresh('C')
            if self.chance(0.3):
                e = self.untyped(None, 2)
                t = None
            else:
                t = self.rand_type(1, 300)
                e = self.expr(t, 3, ut_ok=True)
            info = Info(name, t, 'const', CONST)
            if t is None and self.chance(0.5):
                lines.append('const %s = %s;' % (name, e.src()))
            else:
                lines.append('const %s: %s = %s;' % (name, t, e.src()) if t is not None else
                             'const %s = %s;' % (name, e.src()))
            info.value = e.ev(self.const_env())
            self.consts.append(info)
            self.declare(info)
            self.globals[name] = info.value
        # parties
        singles = ['alice', 'bob', 'carol'][:rng.randint(1, 3)]
        arrays = []
        if self.chance(0.5):
            ps = [p for p in self.params if p.t is None]
            if ps and self.chance(0.5):
                p = self.pick(ps)
                arrays.append(('grp', p.value, p.name))
            else:
                n = rng.randint(1, 4)
                arrays.append(('grp', n, str(n)))
        if len(singles) + sum(a[1] for a in arrays) < 2:
            singles.append('dave')
        lines.append('party %s;' % ', '.join(singles + ['%s[%s]' % (a, t) for a, _, t in arrays]))
        # inputs
        for _ in range(rng.randint(1, 5)):
            name = self.fresh('x')
            t = self.rand_type(0, 700)
            if arrays and self.chance(0.3):
                a, n, ntext = arrays[0]
                info = Info(name, Arr(t, n, ntext), 'input', RUNTIME)
                info.sum_only = self.chance(0.5)
                pinfo = [p for p in self.params if p.name == ntext]
                info.party_size = (n, pinfo[0] if pinfo else None)
                lines.append('input %s: %s from %s;' % (name, t, a))
            else:
                src = self.pick(singles + ['%s[%d]' % (a, rng.randrange(n)) for a, n, _ in arrays])
                info = Info(name, t, 'input', RUNTIME)
                lines.append('input %s: %s from %s;' % (name, t, src))
            self.inputs.append(info)
            self.declare(info)
        # outputs
        for _ in range(rng.randint(1, 4)):
            name = self.fresh('o')
            t = self.rand_type(0, 700)
            if arrays and self.chance(0.3):
                a, n, ntext = arrays[0]
                info = Info(name, Arr(t, n, ntext), 'output', RUNTIME, assigned=False)
                lines.append('output %s: %s to %s;' % (name, t, a))
            else:
                to = self.pick(singles + ['all'] +
                               ['%s[%d]' % (a, rng.randrange(n)) for a, n, _ in arrays])
                info = Info(name, t, 'output', RUNTIME, assigned=False)
                lines.append('output %s: %s to %s;' % (name, t, to))
            self.outputs.append(info)
            self.declare(info)
        # functions
        for _ in range(rng.randint(0, 4)):
            self.function()
        fn_order = list(self.fns)
        rng.shuffle(fn_order)
        # declarations in any order
        rng.shuffle(lines)
        # main
        main = []
        for x in self.inputs:
            if x.sum_only:
                x.sum_only = False
                n, pname = x.party_size
                x.sum_only = True
                for _ in range(rng.randint(1, 2)):
                    s = self.sum_stmt(x, pname, n)
                    if s:
                        main.extend(s)
        for x in self.inputs:
            if x.sum_only and self.chance(0.1):
                x.sum_only = False  # also used otherwise: ordinary inputs
        main += self.block(rng.randint(2, 5 if self.quick else 14 if self.heavy else 8), 0,
                           scope=False)
        # every function called at least once, its result kept
        for f in self.fns:
            if f.called or not self.affordable(f.cost):
                continue
            call = self.call(f, self.ed())
            if isinstance(f.ret, Tuple):
                infos = [Info(self.fresh('v'), t, 'var', RUNTIME) for t in f.ret.elems]
                main.append(SMulti([Name(i) for i in infos], call, True))
            else:
                infos = [Info(self.fresh('v'), f.ret, 'var', RUNTIME)]
                main.append(SVar(infos[0], call, self.chance(0.5)))
            for i in infos:
                self.declare(i)
        # every output assigned at the end (wholly, or element by element)
        for o in self.outputs:
            if isinstance(o.t, Arr) and self.chance(0.3):
                k = Info(self.fresh('k'), None, 'loop', LOOP)
                k.range = (0, o.t.n - 1)
                self.scopes.append({k.name: k})
                self.mult *= o.t.n
                st = SAssign(Index(Name(o), Name(k)), None, self.expr(o.t.elem, self.ed(), True))
                self.mult //= o.t.n
                self.scopes.pop()
                hi = Lit(o.t.n, None, str(o.t.n))
                main.append(SFor(k, Lit(0, None, '0'), hi, [st]))
            elif self.chance(0.7):
                main.append(SAssign(Name(o), None, self.digest(o.t)))
            else:
                main.append(SAssign(Name(o), None, self.expr(o.t, self.ed(), ut_ok=True)))
            o.assigned = True
        if self.chance(0.3):
            main += self.block(rng.randint(1, 3), 0, scope=False)  # outputs are readable now
        self.decl_lines, self.fn_order, self.main = lines, fn_order, main
        return self.source()

    def source(self):
        src = self.decl_lines[:]
        for f in self.fn_order:
            src += self.fn_lines(f)
        src += block_lines(self.main, '')
        rng = random.Random(len(src))
        out = []
        for line in src:
            r = rng.random()
            if r < 0.03:
                out.append('/* a comment\n   over two lines */')
            elif r < 0.05:
                line = '/**/ ' + line.lstrip()
            elif r < 0.1:
                line += ' // ' + rng.choice(['a comment', '/* not nested', '*/', '//'])
            out.append(line)
        return '\n'.join(out) + '\n'

    # ---- running the reference
    def evaluate(self, inputs):
        env = Env(self.globals)
        env.globals = self.globals
        env.update(inputs)
        for o in self.outputs:
            env[o.name] = zero(o.t)
        exec_block(self.main, env)
        return {o.name: env[o.name] for o in self.outputs}

    def input_set(self):
        return {x.name: self.rand_value(x.t) for x in self.inputs}


def leaves(name, t, v):
    """(circuit name, scalar type, value) for every scalar of a value, in bit order."""
    if is_scalar(t):
        yield name, t, v
    elif isinstance(t, Arr):
        for k in range(t.n):
            yield from leaves('%s[%d]' % (name, k), t.elem, v[k])
    else:
        for k, (fn_, ft) in enumerate(t.fields):
            yield from leaves('%s.%s' % (name, fn_), ft, v[k])


def format_output(t, v, mode='text'):
    """As mpcc eval prints it: decimal up to 64 bits (signed if iN), hex beyond; --hex: all
    hex; --json: numbers up to 53 bits, "0x..." strings beyond (all strings with --hex)."""
    w = 1 if isinstance(t, Bool) else t.w
    v = pattern(v, t) if isinstance(t, Bool) else v
    if mode == 'hex' or mode == 'json-hex' or (mode == 'json' and w > 53) or w > 64:
        return '0x%x' % pattern(v, t)
    return str(v)


def input_args(gen, t, name, v, rng):
    """--input options for one input: scalar by scalar, or a list for an array of scalars."""
    def pure(t):
        return is_scalar(t) or isinstance(t, Arr) and pure(t.elem)
    if isinstance(t, Arr) and rng.random() < 0.3 and pure(t):
        def lst(t, v):
            if isinstance(t, Arr):
                return '[' + ','.join(lst(t.elem, x) for x in v) + ']'
            return input_text(t, v, rng)
        return ['%s=%s' % (name, lst(t, v))]
    return ['%s=%s' % (n, input_text(lt, lv, rng)) for n, lt, lv in leaves(name, t, v)]


def input_text(t, v, rng):
    if isinstance(t, Bool):
        return '1' if v else '0'
    if v < 0:
        return str(v)
    r = rng.random()
    if r < 0.2:
        return '0x%x' % v
    if r < 0.25 and t.w <= 64:
        return '0b{:b}'.format(v)
    return str(v)


def generate(seed, quick=False, nsets=3):
    """The program text, -D options, and [(input options, {output name: expected text})]."""
    g = Gen(seed, quick)
    src = g.program()
    runs = []
    for _ in range(nsets):
        ins = g.input_set()
        outs = g.evaluate(ins)
        args = []
        for x in g.inputs:
            args += input_args(g, x.t, x.name, ins[x.name], g.rng)
        expect = {}
        for o in g.outputs:
            for n, lt, lv in leaves(o.name, o.t, outs[o.name]):
                expect[n] = (lt, lv)
        runs.append((args, expect))
    return src, g.defines, runs


def run_seeds(check, first, count, jobs, keep_going, what):
    """Runs check(seed) for count seeds on jobs threads (check runs mpcc, so threads are
    enough); prints each report it returns; exits 1 if there was one."""
    t0 = time.time()
    failures = 0
    pool = ThreadPoolExecutor(max_workers=jobs)
    for rep in pool.map(check, range(first, first + count)):
        if rep is not None:
            failures += 1
            print(rep, flush=True)
            if not keep_going:
                break
    pool.shutdown(cancel_futures=True)
    print('%d %s from seed %d, %d failed, %.1f s' % (
        count, what, first, failures, time.time() - t0))
    sys.exit(1 if failures else 0)


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    src, defines, runs = generate(seed, '--quick' in sys.argv)
    print(src)
    print('// -D', ' '.join(defines))
    for args, expect in runs:
        print('// inputs:', ' '.join(args))
        for k, (t, v) in expect.items():
            print('//   %s = %s' % (k, format_output(t, v)))


if __name__ == '__main__':
    main()
