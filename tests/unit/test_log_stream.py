"""The logger writes each line to whatever sys.stdout is at that moment: a stream that was
replaced for a while (a test's capture, a runner's redirect) and then dropped must not swallow
the lines logged after it (mutmut's test order once lost a test's log lines that way)."""

from __future__ import annotations

import io
import json
import sys

from shop.log import logger


def test_each_line_goes_to_the_stdout_of_the_moment_it_is_written(monkeypatch):
    first, second = io.StringIO(), io.StringIO()

    monkeypatch.setattr(sys, "stdout", first)
    logger.info("written while the first stream was stdout", extra={"orderId": "o-1"})
    monkeypatch.setattr(sys, "stdout", second)
    logger.info("written while the second stream was stdout", extra={"orderId": "o-2"})

    lines = [[json.loads(line) for line in stream.getvalue().splitlines()] for stream in (first, second)]
    assert [[(line["message"], line["orderId"]) for line in found] for found in lines] == [
        [("written while the first stream was stdout", "o-1")],
        [("written while the second stream was stdout", "o-2")],
    ]
