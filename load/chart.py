"""Chart a Locust run from its CSVs: users, throughput and p50/p95/p99 over time.

python load/chart.py load            # load/reports/load_stats_history.csv -> docs/load-profile.png
"""

from __future__ import annotations

import csv
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" before the first response
        return float("nan")


def chart(profile: str, out: pathlib.Path) -> pathlib.Path:
    rows = [
        row
        for row in csv.DictReader((ROOT / "load" / "reports" / f"{profile}_stats_history.csv").open())
        if row["Name"] == "Aggregated"
    ]
    start = int(rows[0]["Timestamp"])
    seconds = [int(row["Timestamp"]) - start for row in rows]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    top.plot(seconds, [_number(r["Requests/s"]) for r in rows], label="requests/s", color="tab:blue")
    top.plot(seconds, [_number(r["Failures/s"]) for r in rows], label="failures/s", color="tab:red")
    users = top.twinx()
    users.plot(seconds, [_number(r["User Count"]) for r in rows], label="users", color="tab:gray", linestyle="--")
    users.set_ylabel("users")
    top.set_ylabel("requests/s")
    top.legend(loc="upper left")
    users.legend(loc="upper right")
    for column in ("50%", "95%", "99%"):
        bottom.plot(seconds, [_number(r[column]) for r in rows], label=f"p{column[:-1]}")
    bottom.set_ylabel("latency (ms)")
    bottom.set_xlabel("seconds since start")
    bottom.legend(loc="upper left")
    top.set_title(f"Local server under the '{profile}' profile (rolling 10 s percentiles)")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=90)
    return out


if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "load"
    print(chart(name, ROOT / "docs" / f"{name}-profile.png"))
