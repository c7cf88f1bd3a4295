"""The error codes the code can answer are the ones the contract documents: every entry of
the edge's error table is a row of docs/API.md's error table with the same status, and is
named in docs/openapi.json; and every code the API.md table lists is one the code has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shop.envelope import ERROR_TABLE, INTERNAL_ERROR

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\|\s*(\d{3})\s*\|([^|]*)\|", re.MULTILINE)


def documented_codes() -> dict[str, int]:
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    table = text.split("## Envelope", 1)[1].split("\n## ", 1)[0]
    return {code: int(status) for status, codes in ROW.findall(table) for code in re.findall(r"`([A-Z_]+)`", codes)}


def test_every_code_the_edge_answers_is_in_api_md_with_its_status():
    answered = {code: status for status, code in ERROR_TABLE.values()}
    documented = documented_codes()
    assert {code: documented.get(code) for code in answered} == answered


def test_api_md_documents_no_code_the_edge_cannot_answer():
    answered = {code for _, code in ERROR_TABLE.values()} | {INTERNAL_ERROR["code"]}
    assert set(documented_codes()) - answered == set()


def test_every_code_the_edge_answers_is_named_in_the_openapi_document():
    spec = json.dumps(json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")))
    assert [code for _, code in ERROR_TABLE.values() if code not in spec] == []
