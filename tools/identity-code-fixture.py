#!/usr/bin/env python3
"""Generate crates/domain/data/identity-code-fixture.tsv, the agreement fixture for the
henkilötunnus parser in crates/domain/src/identity_code.rs.

How to run, from the workspace root:

    pip install python-stdnum          # the fixture was made with 2.2; any version with the 2023 signs
    python3 tools/identity-code-fixture.py

The output is deterministic for a given stdnum version (fixed seed, no clock, no hash ordering), so
re-running it must leave the file unchanged; `git diff` shows whether stdnum changed its mind.

Each row is `code<TAB>valid`. `valid` is the verdict of an independent implementation, python-stdnum's
`stdnum.fi.hetu.is_valid(code, allow_temporary=True)` (temporary codes, individual numbers 900-999,
are lawful codes, so they must count as valid). The Rust test `agrees_with_stdnum_fixture` asserts that
`IdentityCode::parse` gives the same verdict on every row.

Where stdnum deliberately differs from our parsing rules, the rows of that class are still written
(never silently dropped) but their verdict comes from our rule; each such class is an `Override` below
with the reason, and the header of the fixture counts its rows and how many of them stdnum disagrees
on. The differences, found by reading stdnum/fi/hetu.py and stdnum/util.py of 2.2:

* stdnum's `clean()` maps Unicode look-alikes to ASCII before validating: en dash, minus sign, Ogham
  space mark and ~25 others become `-`; full-width and mathematical digits become 0-9. We reject them,
  so that a stored code is always what was typed, not a guess.
* stdnum's regex uses `\\d`, which in Python matches every Unicode decimal digit (Arabic-Indic,
  Devanagari, ...) in the positions not pinned to `[0123]` or `[01]`; `int()` then reads them. We
  accept ASCII digits only.
* stdnum upper-cases with full Unicode case mapping, so U+017F LATIN SMALL LETTER LONG S becomes `S`,
  a valid check character. We upper-case ASCII letters only.
* Python's `str.strip()` also strips the C0 information separators U+001C-U+001F; Rust's `str::trim`
  (Unicode White_Space) does not, and they are control characters, not whitespace a person types.
* Conversely, because `clean()` runs before `strip()`, U+1680 OGHAM SPACE MARK around a code becomes a
  `-` and makes it invalid in stdnum, whereas it is Unicode whitespace and we trim it.

Everything else agrees, including the 2023 century signs (Y X W V U and B C D E F), which stdnum has
supported since well before 2.2; the script checks that at start-up rather than trusting the version.
Tab, CR and LF never appear inside a code, because they would break the TSV format.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import stdnum
from stdnum import util as stdnum_util
from stdnum.fi import hetu

SEED = 6612009  # the Act's number, 661/2009
OUTPUT = Path(__file__).resolve().parent.parent / "crates/domain/data/identity-code-fixture.tsv"

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
ALL_SIGNS = "".join(SIGNS.values())
CENTURY_OF_SIGN = {s: c for c, signs in SIGNS.items() for s in signs}
CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXY+-"
# Whitespace that Python's strip() and Rust's trim() both remove, and that stdnum's clean() turns
# into a plain space, which inside a code is an error for both.
SHARED_WHITESPACE = [" ", "\u00a0", "\u2003", "\u202f", "\u3000"]
DIGIT_POSITIONS = [0, 1, 2, 3, 4, 5, 7, 8, 9]

rng = random.Random(SEED)
rows: dict[str, int] = {}  # insertion-ordered: code -> 0/1
overrides: dict[str, list[int]] = {}  # rule -> [rows, rows where stdnum disagreed]


def stdnum_valid(code: str) -> bool:
    return hetu.is_valid(code, allow_temporary=True)


def check_character(digits9: str) -> str:
    return CHECK_CHARACTERS[int(digits9) % 31]


def make(day: int, month: int, yy: int, sign: str, individual: int) -> str:
    """A code with the right check character for its digits, whether or not the date exists."""
    digits = f"{day:02}{month:02}{yy:02}{individual:03}"
    return f"{digits[:6]}{sign}{digits[6:]}{check_character(digits)}"


def random_date(century: int) -> datetime.date:
    first = datetime.date(century, 1, 1)
    last = datetime.date(century + 99, 12, 31)
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def valid_code(individuals: range, sign: str | None = None) -> str:
    sign = sign or rng.choice(ALL_SIGNS)
    d = random_date(CENTURY_OF_SIGN[sign])
    return make(d.day, d.month, d.year % 100, sign, rng.choice(individuals))


def add(code: str) -> None:
    """A row whose verdict is stdnum's; it must lie where stdnum and our rules mean the same."""
    assert all(c.isascii() or c in SHARED_WHITESPACE for c in code), repr(code)
    assert "\t" not in code and "\n" not in code and "\r" not in code, repr(code)
    assert not code.startswith("#"), code
    rows.setdefault(code, int(stdnum_valid(code)))


def add_override(rule: str, code: str, valid: bool) -> None:
    """A row in a class where stdnum differs from our rules: the verdict is ours (see docstring)."""
    if code in rows:
        return
    rows[code] = int(valid)
    counts = overrides.setdefault(rule, [0, 0])
    counts[0] += 1
    counts[1] += int(stdnum_valid(code) != valid)


def mutate(code: str, position: int, char: str) -> str:
    return code[:position] + char + code[position + 1 :]


def main() -> None:
    # Refuse an old stdnum rather than writing a fixture that calls the 2023 signs invalid.
    assert stdnum_valid("010594Y9032") and stdnum_valid("020516C903K"), "stdnum lacks 2023 signs"

    normal, temporary = range(2, 900), range(900, 1000)
    for sign in ALL_SIGNS:  # valid codes, every sign equally
        for _ in range(420):
            add(valid_code(normal, sign))
        for _ in range(130):
            add(valid_code(temporary, sign))
    # 29 February of every year for every sign: 1800 and 1900 are not leap years, 2000 is.
    for sign in ALL_SIGNS:
        for yy in range(100):
            add(make(29, 2, yy, sign, rng.randrange(2, 1000)))
    for _ in range(1500):  # impossible dates with otherwise correct codes
        sign = rng.choice(ALL_SIGNS)
        yy = rng.randrange(100)
        day, month = rng.choice(
            [(31, m) for m in (4, 6, 9, 11)]
            + [(30, 2), (31, 2), (0, rng.randrange(1, 13)), (32, rng.randrange(1, 13))]
            + [(rng.randrange(1, 29), 0), (rng.randrange(1, 29), 13), (rng.randrange(1, 29), 19)]
        )
        add(make(day, month, yy, sign, rng.randrange(2, 1000)))
    for _ in range(800):  # individual numbers 000 and 001, never issued
        sign = rng.choice(ALL_SIGNS)
        d = random_date(CENTURY_OF_SIGN[sign])
        add(make(d.day, d.month, d.year % 100, sign, rng.choice((0, 1))))
    for _ in range(2000):  # wrong check character, also ones outside the check alphabet
        code = valid_code(range(2, 1000))
        add(mutate(code, 10, rng.choice([c for c in CODE_ALPHABET + "Z*." if c != code[10]])))
    for _ in range(1500):  # any single substitution
        code = valid_code(range(2, 1000))
        add(mutate(code, rng.randrange(11), rng.choice(CODE_ALPHABET)))
    for _ in range(1300):  # mixed and lower case, valid and not
        code = valid_code(range(2, 1000))
        if rng.random() < 0.25:
            code = mutate(code, rng.randrange(11), rng.choice(CODE_ALPHABET))
        add("".join(c.lower() if rng.random() < 0.6 else c for c in code))
    for _ in range(1600):  # wrong lengths: truncated, extended, inserted, deleted
        code = valid_code(range(2, 1000))
        kind = rng.randrange(4)
        if kind == 0:
            add(code[: rng.randrange(11)])
        elif kind == 1:
            add(code + "".join(rng.choices(CODE_ALPHABET, k=rng.randrange(1, 4))))
        elif kind == 2:
            at = rng.randrange(1, 12)
            add(code[:at] + rng.choice(CODE_ALPHABET) + code[at:])
        else:
            at = rng.randrange(11)
            add(code[:at] + code[at + 1 :])
    add("")
    add("   ")
    printable = [chr(c) for c in range(0x20, 0x7F) if chr(c) != "#"]
    for _ in range(1000):  # every printable ASCII character as the century sign
        d = random_date(rng.choice(list(SIGNS)))
        add(make(d.day, d.month, d.year % 100, rng.choice(printable), rng.randrange(2, 1000)))
    for _ in range(500):  # surrounding whitespace both sides trim
        code = valid_code(range(2, 1000))
        if rng.random() < 0.2:
            code = mutate(code, 10, rng.choice(CODE_ALPHABET))
        left = "".join(rng.choices(SHARED_WHITESPACE, k=rng.randrange(3)))
        right = "".join(rng.choices(SHARED_WHITESPACE, k=rng.randrange(1, 3)))
        add(left + code + right)
    for _ in range(300):  # inner whitespace
        code = valid_code(range(2, 1000))
        at = rng.randrange(1, 11)
        space = rng.choice(SHARED_WHITESPACE)
        add(code[:at] + space + code[at:] if rng.random() < 0.5 else mutate(code, at, space))
    for _ in range(800):  # noise in the shape of a code
        add("".join(rng.choices(CODE_ALPHABET + "abcdefy", k=11)))
    for _ in range(1000):  # plausible digits, any sign, any check character
        digits = "".join(rng.choices("0123456789", k=9))
        add(digits[:6] + rng.choice(ALL_SIGNS) + digits[6:] + rng.choice(CHECK_CHARACTERS))

    # Override classes, see the module docstring for why each differs.
    dashes = sorted({k for k, v in stdnum_util._char_map.items() if v == "-"})
    for dash in dashes:
        if dash == "-":
            continue
        for _ in range(4):
            code = valid_code(range(2, 1000), "-")
            add_override("look-alike dash as century sign (stdnum maps it to -)", mutate(code, 6, dash), False)
    digit_zeros = [0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x0660, 0x06F0, 0x0966, 0x09E6]
    for _ in range(300):
        code = valid_code(range(2, 1000))
        zero = rng.choice(digit_zeros)
        positions = DIGIT_POSITIONS if rng.random() < 0.2 else rng.sample(DIGIT_POSITIONS, 1)
        for p in positions:
            code = mutate(code, p, chr(zero + int(code[p])))
        add_override("non-ASCII decimal digit (stdnum maps or int()s it)", code, False)
    found = 0
    while found < 50:
        code = valid_code(range(2, 1000))
        if code[10] == "S":
            add_override("U+017F long s as check character S (stdnum upper-cases it)", code[:10] + "\u017f", False)
            found += 1
    for _ in range(40):
        sep = chr(rng.randrange(0x1C, 0x20))
        code = valid_code(range(2, 1000))
        add_override("C0 separator U+001C-U+001F around a code (Python strips it)", rng.choice([sep + code, code + sep]), False)
    for _ in range(20):
        code = valid_code(range(2, 1000))
        add_override("U+1680 Ogham space mark around a code (stdnum makes it -)", rng.choice(["\u1680" + code, code + "\u1680"]), True)

    valid = sum(rows.values())
    header = [
        f"# Generated by tools/identity-code-fixture.py with python-stdnum {stdnum.__version__}, seed {SEED};"
        " do not edit by hand, re-run the script.",
        f"# valid = stdnum.fi.hetu.is_valid(code, allow_temporary=True); {len(rows)} rows, {valid} valid.",
        "# Override classes, where our parsing rule decides instead of stdnum (rows, of which stdnum disagrees):",
        *(f"#   {rule}: {n} rows, stdnum disagrees on {d}" for rule, (n, d) in overrides.items()),
        "# Rows end at LF only; codes may contain other Unicode line or separator characters.",
        "code\tvalid",
    ]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(header) + "\n")
        f.writelines(f"{code}\t{v}\n" for code, v in rows.items())
    print(f"wrote {OUTPUT}: {len(rows)} rows, {valid} valid, {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
