"""What make run's reload watcher sees (devtools.run_files.snapshot, scanned 5 times a second):
every source file with its modification time, never the bytecode caches."""

from __future__ import annotations

import os

from devtools import run_files


def test_the_snapshot_sees_files_at_any_depth_and_a_change_but_no_bytecode(monkeypatch, tmp_path):
    src = tmp_path / "src"
    (src / "shop" / "handlers" / "__pycache__").mkdir(parents=True)
    module = src / "shop" / "handlers" / "orders.py"
    module.write_text("x = 1\n")
    (src / "shop" / "handlers" / "__pycache__" / "orders.cpython-311.pyc").write_bytes(b"\0")
    (src / "shop" / "stray.pyc").write_bytes(b"\0")
    config = tmp_path / "serverless.yml"
    config.write_text("service: x\n")
    monkeypatch.setattr(run_files, "WATCHED", (src, config))

    before = run_files.snapshot()
    assert sorted(before) == sorted([str(module), str(config)])

    os.utime(module, ns=(before[str(module)] + 10**9, before[str(module)] + 10**9))
    added = src / "shop" / "new.py"
    added.write_text("y = 2\n")
    after = run_files.snapshot()
    assert run_files.changed(before, after) == sorted([str(module), str(added)])


def test_a_missing_folder_is_an_empty_snapshot(monkeypatch, tmp_path):
    monkeypatch.setattr(run_files, "WATCHED", (tmp_path / "gone", tmp_path / "gone.yml"))
    assert run_files.snapshot() == {}
