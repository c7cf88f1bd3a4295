"""The storefront's config.json (devtools.site_config): the API address one build reads at start."""

from __future__ import annotations

import json

import pytest

from devtools import site_config


def test_the_document_names_the_api_without_a_trailing_slash():
    assert json.loads(site_config.document("https://api.example/dev/")) == {"apiUrl": "https://api.example/dev"}


@pytest.mark.parametrize("bad", ["", "api.example", "javascript:alert(1)", "ftp://api.example", "https://"])
def test_an_address_that_is_not_http_is_refused(bad):
    with pytest.raises(ValueError, match="http"):
        site_config.document(bad)


def test_make_run_answers_its_own_api_address(monkeypatch):
    monkeypatch.setenv("LOCAL_API_URL", "http://127.0.0.1:8123")
    assert json.loads(site_config.local_document()) == {"apiUrl": "http://127.0.0.1:8123"}
    monkeypatch.delenv("LOCAL_API_URL")
    monkeypatch.setenv("PORT", "8124")
    assert json.loads(site_config.local_document()) == {"apiUrl": "http://127.0.0.1:8124"}


def test_write_puts_it_beside_index_html(tmp_path):
    target = site_config.write(tmp_path, "https://api.example/prod")
    assert target == tmp_path / "config.json"
    assert json.loads(target.read_text()) == {"apiUrl": "https://api.example/prod"}
