"""The score of a `mutmut run` per core module, and the survivors nobody has judged.

Reads mutmut's own results (mutants/**/*.py.meta) and scripts/mutation_equivalents.txt, the
mutants judged equivalent or harmless, one per line with its reason. A survivor in neither
is printed with its diff (`mutmut show`), so it gets a test or a reason. With --write the
table replaces the block between the markers in docs/TESTING.md.

Exit status: 1 when a module scores under --minimum or a survivor has no reason, else 0.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess  # nosec B404: runs mutmut's own `show`, no shell
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"
DOC = ROOT / "docs" / "TESTING.md"
BEGIN, END = "<!-- mutation:begin -->", "<!-- mutation:end -->"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def equivalents() -> dict[str, str]:
    judged = {}
    for line in EQUIVALENTS.read_text().splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            if not reason.strip():
                raise SystemExit(f"{EQUIVALENTS.name}: {name.strip()} has no reason")
            judged[name.strip()] = reason.strip()
    return judged


def results(mutants: Path) -> dict[str, str]:
    found = {}
    for meta in mutants.rglob("*.py.meta"):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = status_by_exit_code[code]
    return found


def module_of(mutant: str) -> str:
    return mutant.rsplit(".", 1)[0]


def table(found: dict[str, str], judged: dict[str, str]) -> tuple[list[str], list[tuple[str, float]]]:
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
    args = parser.parse_args()

    found, judged = results(args.mutants), equivalents()
    if not found:
        print("no mutmut results under", args.mutants, "(run `make mutation`)")
        return 1
    not_checked = [name for name, status in found.items() if status == "not checked"]
    rows, scores = table(found, judged)
    print("\n".join(rows))
    survivors = sorted(n for n, s in found.items() if s not in KILLED | {"not checked"} and n not in judged)
    stale = sorted(set(judged) - set(found))
    for name in survivors:
        shown = subprocess.run(  # noqa: S603  # nosec B603 B607: mutmut from this venv, fixed arguments
            [sys.executable, "-m", "mutmut", "show", name], capture_output=True, text=True, cwd=ROOT, check=False
        )
        print(f"\nSURVIVED {name} ({found[name]})\n{shown.stdout.strip()}")
    if stale:
        print("\nListed as equivalent but no longer generated (remove them):", *stale, sep="\n  ")
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
    return 1 if low or survivors or not_checked else 0


if __name__ == "__main__":
    sys.exit(main())
