"""The score of a `mutmut run` per core module, and the survivors nobody has judged.

Reads mutmut's own results (mutants/**/*.py.meta) and scripts/mutation_equivalents/*.txt, the
mutants judged equivalent or harmless, one per line: `NAME @FINGERPRINT  # reason`. The
fingerprint is a hash of the mutant's changed lines, so an entry whose mutant number now
names another change (the function was edited) is reported as stale, not silently kept.
`--fingerprint NAME...` prints the entry's first half. A survivor with neither a test nor
an entry is printed with its diff, so it gets one. With --write the table replaces the block
between the markers in docs/TESTING.md.

Exit status: 1 when a module scores under --minimum, a survivor has no reason, an entry is
stale or something was not checked, else 0.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents"
DOC = ROOT / "docs" / "TESTING.md"
BEGIN, END = "<!-- mutation:begin -->", "<!-- mutation:end -->"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def equivalents() -> dict[str, tuple[str, str]]:
    """NAME -> (fingerprint, reason), from every list under scripts/mutation_equivalents/."""
    judged = {}
    for listing in sorted(EQUIVALENTS.glob("*.txt")):
        for number, line in enumerate(listing.read_text().splitlines(), 1):
            entry, _, reason = line.partition("#")
            if not entry.strip():
                continue
            name, _, fingerprint = entry.strip().partition(" @")
            if not reason.strip() or not fingerprint.strip():
                raise SystemExit(f"{listing.name}:{number}: `NAME @FINGERPRINT  # reason` expected")
            if name in judged:
                raise SystemExit(f"{listing.name}:{number}: {name} is listed twice")
            judged[name] = (fingerprint.strip(), reason.strip())
    return judged


def diff(name: str) -> str:
    """The mutant's diff against the source, as `mutmut show` prints it."""
    from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant

    for _ in range(20):  # find_mutant reads the results file that a running mutmut rewrites
        try:
            return get_diff_for_mutant(name, path=find_mutant(name).path)
        except json.JSONDecodeError:
            time.sleep(0.1)
    return get_diff_for_mutant(name, path=find_mutant(name).path)


def fingerprint(name: str) -> str:
    changed = [line for line in diff(name).splitlines()[2:] if line[:1] in "+-"]
    return hashlib.sha256("\n".join(changed).encode()).hexdigest()[:10]


def read_meta(meta: Path) -> dict:
    """A running mutmut rewrites these files after every mutant: a read may catch one half-written."""
    for _ in range(20):
        try:
            return json.loads(meta.read_text())
        except json.JSONDecodeError:
            time.sleep(0.1)
    return json.loads(meta.read_text())


def results(mutants: Path) -> dict[str, str]:
    found = {}
    for meta in mutants.rglob("*.py.meta"):
        for name, code in read_meta(meta)["exit_code_by_key"].items():
            found[name] = status_by_exit_code[code]
    return found


def module_of(mutant: str) -> str:
    return mutant.rsplit(".", 1)[0]


def table(found: dict[str, str], judged: dict[str, tuple[str, str]]) -> tuple[list[str], list[tuple[str, float]]]:
    by_module: dict[str, Counter] = defaultdict(Counter)
    for name, status in found.items():
        kind = (
            "killed"
            if status in KILLED
            else "equivalent"
            if name in judged
            else "not checked"
            if status == "not checked"
            else "survived"
        )
        by_module[module_of(name)][kind] += 1
    rows = [
        "| module | mutants | killed | equivalent (listed) | survived (incl. no tests) | not checked | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    scores = []
    for module in sorted(by_module):
        c = by_module[module]
        judged_total = sum(c.values()) - c["equivalent"] - c["not checked"]
        score = 100.0 * c["killed"] / judged_total if judged_total else 100.0
        scores.append((module, score))
        rows.append(
            f"| `{module}` | {sum(c.values())} | {c['killed']} | {c['equivalent']} | {c['survived']} "
            f"| {c['not checked']} | {score:.1f}% |"
        )
    return rows, scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants")
    parser.add_argument("--minimum", type=float, default=90.0)
    parser.add_argument("--write", action="store_true", help="write the table into docs/TESTING.md")
    parser.add_argument("--seconds", type=int, default=0, help="how long the run took, for the docs")
    parser.add_argument("--fingerprint", nargs="+", metavar="NAME", help="print `NAME @FINGERPRINT` and stop")
    args = parser.parse_args()
    os.chdir(ROOT)  # mutmut reads pyproject.toml and mutants/ from the working directory
    if args.fingerprint:
        for name in args.fingerprint:
            print(f"{name} @{fingerprint(name)}")
        return 0

    found, judged = results(args.mutants), equivalents()
    if not found:
        print("no mutmut results under", args.mutants, "(run `make mutation`)")
        return 1
    not_checked = [name for name, status in found.items() if status == "not checked"]
    rows, scores = table(found, judged)
    print("\n".join(rows))
    stale = sorted(n for n in judged if n not in found or fingerprint(n) != judged[n][0])
    survivors = sorted(
        n for n, s in found.items() if s not in KILLED | {"not checked"} and (n not in judged or n in stale)
    )
    for name in survivors:
        print(f"\nSURVIVED {name} ({found[name]})\n{diff(name).strip()}")
    if stale:
        print("\nListed as equivalent, but gone or now a different change (judge them again):", *stale, sep="\n  ")
    low = [(m, s) for m, s in scores if s < args.minimum]
    print(
        f"\n{len(found)} mutants, {len(survivors)} survivors without a reason, {len(not_checked)} not checked;"
        f" modules under {args.minimum:.0f}%: {', '.join(m for m, _ in low) or 'none'}"
    )
    if args.write:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
        took = f", {args.seconds // 60} min {args.seconds % 60} s on this 2-core machine" if args.seconds else ""
        block = "\n".join([BEGIN, f"`make mutation`, {stamp}{took}: {len(found)} mutants.", "", *rows, END])
        text = DOC.read_text()
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(head + block + tail)
    return 1 if low or survivors or not_checked or stale else 0


if __name__ == "__main__":
    sys.exit(main())
