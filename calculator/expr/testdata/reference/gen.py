#!/usr/bin/env python3
# gen.py writes reference.txt, next to this script: correctly rounded values of
# irrational expressions in the calculator's syntax, computed by references
# that are not part of this project:
#
#   - Python's decimal module (libmpdec) for sqrt, exp, ln, log10, log2,
#     log(x, b), x^y with a non-integer y, and the constant e;
#   - bc -l (GNU bc's math library: s, c, a, sqrt) for sin, cos, tan, atan,
#     asin, acos, atan2 and the constant pi. bc must be installed (it is looked
#     up on PATH, then at /usr/bin/bc); without it the script stops.
#
# Rerun from the repository root with
#
#     python3 calculator/expr/testdata/reference/gen.py
#
# It uses the standard library only and a fixed random seed, so every run
# writes the same file (the header names the Python and bc versions used).
#
# Each case line is PREC<TAB>EXPRESSION<TAB>EXPECTED<TAB>SOURCE: EXPECTED is
# the exact value of EXPRESSION rounded to PREC significant digits, ties to
# even. How a case is made safe:
#
#   - decimal: the value is computed at PREC+40 and at PREC+80 digits and
#     rounded to PREC digits; both must agree. For sqrt, exp, ln and log10,
#     which decimal documents as correctly rounded, the value computed directly
#     at PREC digits must agree too. Compound functions (log2, log, x^y) are
#     built from correctly rounded ln, exp and division at the higher
#     precision, so they are accurate to far more than PREC digits.
#   - bc: bc truncates to its scale (digits after the point), so the value is
#     computed at scale PREC+35 and PREC+65, each widened by the number of
#     leading zeros of the result and of sensitive intermediates (cos x in
#     tan, sqrt(1-x^2) in asin and acos); both are rounded in Python to PREC
#     digits and must agree, and the result must carry at least PREC+25
#     significant digits.
#   - both: a case whose digits beyond PREC are within 1e-8 of an ulp of the
#     halfway point (...4999999 or ...5000000) is dropped as too close to a
#     tie, and every case whose exact value is rational (sqrt(16), ln(1),
#     log(8, 2), 8^(1/3), sin(0), ...) is excluded.
#
# Dropped cases, if any, are listed on stderr with a summary of the counts.

import math
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from decimal import (Context, Decimal, DivisionByZero, InvalidOperation,
                     Overflow, ROUND_HALF_EVEN)
import decimal
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference.txt")
SEED = 20240917

DEC_PRECS = [1, 2, 3, 5, 10, 16, 17, 20, 34, 50, 100, 150, 300]
DEC_PRECS_1000 = 1000
BC_PRECS = [1, 3, 10, 20, 50, 100, 120, 300]
TIE_EPS = Decimal("1e-8")  # in ulps of the PREC-th digit


def ctx(prec):
    return Context(prec=prec, rounding=ROUND_HALF_EVEN, Emax=10**9,
                   Emin=-10**9, traps=[InvalidOperation, DivisionByZero,
                                       Overflow])


def round_to(v, prec):
    return ctx(prec).plus(v)


def too_close_to_tie(v, prec):
    """Reports whether v, known to many more than prec digits, lies within
    TIE_EPS ulps of a halfway point between two prec-digit numbers."""
    c = ctx(len(v.as_tuple().digits) + 20)
    scaled = c.scaleb(abs(v), Decimal(-(v.adjusted() - prec + 1)))
    frac = c.subtract(scaled, scaled.to_integral_value(
        rounding=decimal.ROUND_FLOOR, context=c))
    return abs(c.subtract(frac, Decimal("0.5"))) < TIE_EPS


def sig_digits(v):
    return len(v.as_tuple().digits)


# ---------------------------------------------------------------- arguments

def strip(d):
    """d without trailing zeros, exactly (no context rounding)."""
    sign, digits, exp = d.as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    return Decimal((sign, tuple(digits), exp))


def calc_text(d):
    """The literal for the exact decimal d in the calculator's syntax: plain
    when short, else with an exponent like 1.2345e-25."""
    d = strip(d)
    adj = d.adjusted()
    if -6 <= adj <= 15:
        return format(d, "f")
    sign, digits, _ = d.as_tuple()
    s = "".join(map(str, digits))
    mant = s[0] + ("." + s[1:] if len(s) > 1 else "")
    return ("-" if sign else "") + mant + "e" + str(adj)


def bc_text(d):
    """The literal for the exact decimal d in bc's syntax: always plain."""
    return format(strip(d), "f")


def rand_decimal(rng, maxdigits, emin, emax, negative_ok=False):
    """A random decimal with 1..maxdigits significant digits whose leading
    digit has decimal exponent in [emin, emax]."""
    n = rng.randint(1, maxdigits)
    m = rng.randrange(10 ** (n - 1), 10 ** n)
    e = rng.randint(emin, emax)
    sign = 1 if negative_ok and rng.random() < 0.5 else 0
    digits = tuple(int(ch) for ch in str(m))
    return strip(Decimal((sign, digits, e - (n - 1))))


def rand_plain(rng, limit, maxdigits, maxplaces, minplaces=0):
    """A random nonzero decimal with |x| < limit, at most maxplaces digits
    after the point and at most maxdigits significant digits."""
    while True:
        places = rng.randint(minplaces, maxplaces)
        bound = int(limit * 10 ** places)
        m = rng.randrange(-bound + 1, bound)
        if m == 0 or len(str(abs(m))) > maxdigits:
            continue
        return strip(Decimal(m).scaleb(-places))


# --------------------------------------------------------------- rationality

def iroot(n, k):
    """floor(n ** (1/k)) for an integer n >= 0."""
    if n < 2:
        return n
    x = 1 << ((n.bit_length() + k - 1) // k)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def is_perfect_power(fr, k):
    """Reports whether the positive rational fr is a k-th power of a
    rational."""
    a, b = fr.numerator, fr.denominator
    return iroot(a, k) ** k == a and iroot(b, k) ** k == b


def is_power_of(fr, base):
    """Reports whether the positive rational fr is base**k for an integer k."""
    if fr == 1:
        return True
    if fr < 1:
        fr = 1 / fr
    if fr.denominator != 1:
        return False
    n = fr.numerator
    while n % base == 0:
        n //= base
    return n == 1


def log_is_rational(x, b):
    """Reports whether log_b(x) is rational, for positive rationals x, b != 1."""
    c = ctx(80)
    r = c.divide(c.ln(Decimal(x.numerator) / Decimal(x.denominator)),
                 c.ln(Decimal(b.numerator) / Decimal(b.denominator)))
    f = Fraction(r).limit_denominator(10 ** 6)
    m, n = f.numerator, f.denominator
    if abs(m) <= 500 and n <= 500:
        return x ** n == b ** m
    return False


def dec_is_rational(fn, args):
    if fn == "e":
        return False
    x = Fraction(args[0])
    if fn == "sqrt":
        return is_perfect_power(x, 2)
    if fn == "exp":
        return x == 0
    if fn == "ln":
        return x == 1
    if fn == "log10":
        return is_power_of(x, 10)
    if fn == "log2":
        return is_power_of(x, 2)
    if fn == "log":
        return log_is_rational(x, Fraction(args[1]))
    if fn == "pow":
        y = Fraction(args[1])
        if y.denominator == 1:
            return True
        return is_perfect_power(x, y.denominator)
    raise ValueError(fn)


# ------------------------------------------------------------------ decimal

DIRECT = {"sqrt", "exp", "ln", "log10", "e"}


def dec_eval(fn, args, prec):
    """The value of fn(args) computed with decimal at prec digits (direct
    functions correctly rounded at prec; compound ones accurate to within a
    few ulps at prec)."""
    c = ctx(prec)
    if fn == "e":
        return c.exp(Decimal(1))
    x = args[0]
    if fn == "sqrt":
        return c.sqrt(x)
    if fn == "exp":
        return c.exp(x)
    if fn == "ln":
        return c.ln(x)
    if fn == "log10":
        return c.log10(x)
    if fn == "log2":
        return c.divide(c.ln(x), c.ln(Decimal(2)))
    if fn == "log":
        return c.divide(c.ln(x), c.ln(args[1]))
    if fn == "pow":
        y = Fraction(args[1])
        yd = c.divide(Decimal(y.numerator), Decimal(y.denominator))
        return c.exp(c.multiply(yd, c.ln(x)))
    raise ValueError(fn)


def dec_case(fn, expr, args, prec, dropped):
    if dec_is_rational(fn, args):
        dropped.append((prec, expr, "decimal", "exact value is rational"))
        return None
    lo = dec_eval(fn, args, prec + 40)
    hi = dec_eval(fn, args, prec + 80)
    r_lo, r_hi = round_to(lo, prec), round_to(hi, prec)
    if r_lo != r_hi:
        dropped.append((prec, expr, "decimal", "precisions disagree"))
        return None
    if too_close_to_tie(hi, prec):
        dropped.append((prec, expr, "decimal", "too close to a tie"))
        return None
    if fn in DIRECT:
        direct = dec_eval(fn, args, prec)
        if direct != r_hi:
            dropped.append((prec, expr, "decimal",
                            "direct result %s disagrees" % direct))
            return None
    return (prec, expr, r_hi, "decimal")


def fixed_decimal_cases():
    D = Decimal
    return [
        ("sqrt", "sqrt(2)", [D(2)]),
        ("sqrt", "sqrt(3)", [D(3)]),
        ("sqrt", "sqrt(1e-7)", [D("1e-7")]),
        ("sqrt", "sqrt(123456789)", [D(123456789)]),
        ("exp", "exp(1)", [D(1)]),
        ("exp", "exp(-1)", [D(-1)]),
        ("exp", "exp(0.5)", [D("0.5")]),
        ("exp", "exp(100)", [D(100)]),
        ("exp", "exp(-100)", [D(-100)]),
        ("exp", "exp(700.25)", [D("700.25")]),
        ("exp", "exp(1e-20)", [D("1e-20")]),
        ("ln", "ln(2)", [D(2)]),
        ("ln", "ln(10)", [D(10)]),
        ("ln", "ln(0.5)", [D("0.5")]),
        ("ln", "ln(1e-300)", [D("1e-300")]),
        ("ln", "ln(1e300)", [D("1e300")]),
        ("ln", "ln(1.0000001)", [D("1.0000001")]),
        ("log10", "log10(2)", [D(2)]),
        ("log10", "log10(7)", [D(7)]),
        ("log2", "log2(3)", [D(3)]),
        ("log", "log(10, 3)", [D(10), D(3)]),
        ("pow", "2^0.5", [D(2), Fraction(1, 2)]),
        ("pow", "10^(1/3)", [D(10), Fraction(1, 3)]),
        ("pow", "2^(-0.75)", [D(2), Fraction(-3, 4)]),
        ("pow", "1.5^2.5", [D("1.5"), Fraction(5, 2)]),
        ("e", "e", []),
    ]


FIXED_1000 = ["sqrt(2)", "e", "ln(2)", "log10(7)", "log2(3)", "10^(1/3)"]


def random_decimal_cases(rng, per_fn=9):
    out = []
    for fn in ["sqrt", "exp", "ln", "log10", "log2", "log", "pow"]:
        made = 0
        while made < per_fn:
            if fn in ("sqrt", "ln", "log10", "log2"):
                x = rand_decimal(rng, 12, -30, 30)
                args, expr = [x], "%s(%s)" % (fn, calc_text(x))
            elif fn == "exp":
                x = rand_decimal(rng, 12, -3, 2, negative_ok=True)
                args, expr = [x], "exp(%s)" % calc_text(x)
            elif fn == "log":
                x = rand_decimal(rng, 12, -30, 30)
                b = rand_decimal(rng, 6, -3, 3)
                if b == 1:
                    continue
                args = [x, b]
                expr = "log(%s, %s)" % (calc_text(x), calc_text(b))
            else:  # pow: x^y, y not an integer, |y| < 10
                x = rand_decimal(rng, 12, -3, 3)
                y = rand_plain(rng, 10, 4, 3, minplaces=1)
                if y == y.to_integral_value():
                    continue
                ys = calc_text(y)
                args = [x, Fraction(y)]
                expr = "%s^%s" % (calc_text(x), "(%s)" % ys if y < 0 else ys)
            if dec_is_rational(fn, args):
                continue
            out.append((fn, expr, args, rng.choice(DEC_PRECS)))
            made += 1
    return out


# ----------------------------------------------------------------------- bc

def find_bc():
    bc = shutil.which("bc") or ("/usr/bin/bc" if os.path.exists("/usr/bin/bc") else None)
    if bc is None:
        sys.exit("gen.py: bc is needed for the trigonometric cases and pi")
    return bc


BC = None


def bc_version():
    out = subprocess.run([BC, "--version"], capture_output=True, text=True,
                         check=True).stdout
    return out.splitlines()[0].strip()


def bc_run(body, scale):
    env = dict(os.environ, BC_LINE_LENGTH="0")
    prog = "scale=%d\n%s\nquit\n" % (scale, body)
    p = subprocess.run([BC, "-lq"], input=prog, capture_output=True,
                       text=True, env=env, check=True)
    if p.stderr:
        raise RuntimeError("bc: %s (program %r)" % (p.stderr.strip(), prog))
    out = p.stdout.replace("\\\n", "").strip()
    if "\n" in out or not out:
        raise RuntimeError("bc: unexpected output %r for %r" % (out, prog))
    return Decimal(out)


def lead_zeros(v):
    """The number of zeros after the point before the first significant
    digit of the float v (0 for |v| >= 0.1)."""
    v = abs(v)
    if v == 0:
        return 400
    return max(0, -math.floor(math.log10(v)))


def bc_program(fn, args):
    """bc program text, a float estimate of the result and the extra scale
    that sensitive intermediates need."""
    if fn == "pi":
        return "4*a(1)", math.pi, 0
    xs = [bc_text(a) for a in args]
    xf = [float(a) for a in args]
    if fn == "sin":
        return "s(%s)" % xs[0], math.sin(xf[0]), 0
    if fn == "cos":
        return "c(%s)" % xs[0], math.cos(xf[0]), 0
    if fn == "tan":
        return ("s(%s)/c(%s)" % (xs[0], xs[0]), math.tan(xf[0]),
                lead_zeros(math.cos(xf[0])))
    if fn == "atan":
        return "a(%s)" % xs[0], math.atan(xf[0]), 0
    if fn in ("asin", "acos"):
        extra = lead_zeros(math.sqrt(1 - xf[0] ** 2))
        if fn == "asin":
            return ("x=%s\na(x/sqrt(1-x^2))" % xs[0], math.asin(xf[0]), extra)
        return ("x=%s\n2*a(1)-a(x/sqrt(1-x^2))" % xs[0], math.acos(xf[0]),
                extra)
    if fn == "atan2":
        y, x = args
        est = math.atan2(xf[0], xf[1])
        head = "y=%s\nx=%s\n" % (xs[0], xs[1])
        if x > 0:
            return head + "a(y/x)", est, 0
        if x < 0 and y >= 0:
            return head + "a(y/x)+4*a(1)", est, 0
        if x < 0 and y < 0:
            return head + "a(y/x)-4*a(1)", est, 0
        if y > 0:
            return head + "2*a(1)", est, 0
        return head + "-2*a(1)", est, 0
    raise ValueError(fn)


def bc_is_rational(fn, args):
    if fn == "pi":
        return False
    if fn == "atan2":
        y, x = args
        return y == 0  # atan2(0, x) is 0 or pi (irrational); be safe
    if fn == "acos":
        return args[0] == 1
    return args[0] == 0


def bc_case(fn, expr, args, prec, dropped):
    if bc_is_rational(fn, args):
        dropped.append((prec, expr, "bc", "exact value is rational"))
        return None
    body, est, extra = bc_program(fn, args)
    extra += lead_zeros(est)
    v1 = bc_run(body, prec + 35 + extra)
    v2 = bc_run(body, prec + 65 + extra)
    if min(sig_digits(v1), sig_digits(v2)) < prec + 25:
        dropped.append((prec, expr, "bc", "too few significant digits"))
        return None
    r1, r2 = round_to(v1, prec), round_to(v2, prec)
    if r1 != r2:
        dropped.append((prec, expr, "bc", "scales disagree"))
        return None
    if too_close_to_tie(v2, prec):
        dropped.append((prec, expr, "bc", "too close to a tie"))
        return None
    return (prec, expr, r2, "bc")


def fixed_bc_cases():
    D = Decimal
    one = [
        ("sin", "1"), ("cos", "1"), ("tan", "1"), ("sin", "0.5"),
        ("cos", "2"), ("sin", "-3"), ("cos", "10"), ("sin", "100"),
        ("tan", "1.5"), ("atan", "1"), ("atan", "0.999"), ("atan", "-2"),
        ("atan", "100"), ("asin", "0.5"), ("asin", "0.999"),
        ("acos", "0.3"), ("acos", "-0.9"),
    ]
    out = [(fn, "%s(%s)" % (fn, a), [D(a)]) for fn, a in one]
    for y, x in [("1", "2"), ("-1", "-2"), ("3", "-4"), ("-5", "0.5")]:
        out.append(("atan2", "atan2(%s, %s)" % (y, x), [D(y), D(x)]))
    out.append(("pi", "pi", []))
    out.append(("sin", "sin(1e-5)", [D("1e-5")]))
    return out


def random_bc_cases(rng):
    out = []
    plan = [("sin", 10), ("cos", 10), ("tan", 10), ("atan", 9), ("asin", 9),
            ("acos", 9), ("atan2", 9)]
    for fn, count in plan:
        made = 0
        while made < count:
            if fn in ("sin", "cos", "tan", "atan"):
                x = rand_plain(rng, 20, 8, 6)
                args, expr = [x], "%s(%s)" % (fn, calc_text(x))
            elif fn in ("asin", "acos"):
                x = rand_plain(rng, 1, 8, 8, minplaces=1)
                args, expr = [x], "%s(%s)" % (fn, calc_text(x))
            else:
                y = rand_plain(rng, 20, 8, 6)
                # The first two atan2 cases take x = 0 (result +-pi/2).
                x = Decimal(0) if made < 2 else rand_plain(rng, 20, 8, 6)
                args = [y, x]
                expr = "atan2(%s, %s)" % (calc_text(y), calc_text(x))
            if bc_is_rational(fn, args):
                continue
            out.append((fn, expr, args, rng.choice(BC_PRECS)))
            made += 1
    return out


# --------------------------------------------------------------------- main

def main():
    global BC
    BC = find_bc()
    rng = random.Random(SEED)
    dropped = []
    cases = []  # (prec, expr, value, source, fn)

    fixed = fixed_decimal_cases()
    for fn, expr, args in fixed:
        for prec in DEC_PRECS:
            c = dec_case(fn, expr, args, prec, dropped)
            if c:
                cases.append(c + (fn,))
    by_expr = {expr: (fn, args) for fn, expr, args in fixed}
    for expr in FIXED_1000:
        fn, args = by_expr[expr]
        c = dec_case(fn, expr, args, DEC_PRECS_1000, dropped)
        if c:
            cases.append(c + (fn,))
    for fn, expr, args, prec in random_decimal_cases(rng):
        c = dec_case(fn, expr, args, prec, dropped)
        if c:
            cases.append(c + (fn,))

    for fn, expr, args in fixed_bc_cases():
        for prec in BC_PRECS + ([1000] if fn == "pi" else []):
            c = bc_case(fn, expr, args, prec, dropped)
            if c:
                cases.append(c + (fn,))
    for fn, expr, args, prec in random_bc_cases(rng):
        c = bc_case(fn, expr, args, prec, dropped)
        if c:
            cases.append(c + (fn,))

    lines = [
        "# Generated by calculator/expr/testdata/reference/gen.py; do not edit.",
        "# Regenerate from the repository root with:"
        " python3 calculator/expr/testdata/reference/gen.py",
        "# Python %s, decimal module with libmpdec %s"
        % (sys.version.split()[0], decimal.__libmpdec_version__),
        "# %s (bc -l: s, c, a, sqrt)" % bc_version(),
        "# Rule: EXPECTED is the exact value of EXPRESSION correctly rounded to"
        " PREC significant digits, ties to even (ROUND_HALF_EVEN).",
        "# Format: PREC<TAB>EXPRESSION<TAB>EXPECTED<TAB>SOURCE;"
        " SOURCE is decimal (Python decimal) or bc (bc -l).",
    ]
    for prec, expr, value, source, _ in cases:
        assert sig_digits(value) <= prec, (expr, prec, value)
        lines.append("%d\t%s\t%s\t%s" % (prec, expr, value, source))
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, OUT)

    per_source = Counter(c[3] for c in cases)
    per_fn = Counter((c[3], c[4]) for c in cases)
    print("wrote %s: %d cases, %d bytes" % (OUT, len(cases),
          os.path.getsize(OUT)), file=sys.stderr)
    for src in sorted(per_source):
        print("  %s: %d" % (src, per_source[src]), file=sys.stderr)
        for (s, fn), n in sorted(per_fn.items()):
            if s == src:
                print("    %-6s %d" % (fn, n), file=sys.stderr)
    for prec, expr, src, why in dropped:
        print("  dropped %s %r at %d digits: %s" % (src, expr, prec, why),
              file=sys.stderr)
    if not dropped:
        print("  dropped: none", file=sys.stderr)


if __name__ == "__main__":
    main()
