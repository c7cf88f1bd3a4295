"""One spelling per mailbox, so that look-alikes are the same account or no account.

NFKC folds compatibility characters into the letters they look like (fullwidth a, the fi
ligature, the fullwidth full stop); then the address is lower-cased. The part before `@`
must then be ASCII. A domain with non-ASCII letters is converted to its IDNA A-label
(`xn--...`, UTS #46 mapping, IDNA 2008 rules, the `idna` library), which is what is stored
and shown; a label that mixes scripts (a Cyrillic e among Latin letters) is refused,
whether it is sent in Unicode or as an A-label. docs/API.md states the rule.
"""

from __future__ import annotations

import unicodedata

# Scripts that one label may legitimately combine (Japanese, Korean); any other mix is refused.
_COMPATIBLE_SCRIPTS = (frozenset({"CJK", "HIRAGANA", "KATAKANA"}), frozenset({"CJK", "HANGUL"}))


class LookAlike(ValueError):
    """The address cannot be told apart from another spelling: refused."""


def _scripts(label: str) -> set[str]:
    # The first word of a letter's Unicode name is its script for every script that matters
    # here (LATIN, CYRILLIC, GREEK, ARMENIAN, CJK, HIRAGANA, ...). Digits and "-" have none.
    return {unicodedata.name(ch, "UNKNOWN").split()[0] for ch in label if ch.isalpha()}


def _one_script(label: str) -> bool:
    scripts = _scripts(label)
    return len(scripts) <= 1 or any(scripts <= allowed for allowed in _COMPATIBLE_SCRIPTS)


def _domain(domain: str) -> str:
    if domain.isascii() and not any(label.startswith("xn--") for label in domain.split(".")):
        return domain
    import idna  # only internationalized domains pay for it

    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        labels = idna.decode(ascii_domain).split(".")
    except idna.IDNAError:
        raise LookAlike("Not a valid internationalized domain.") from None
    if not all(_one_script(label) for label in labels):
        raise LookAlike("A domain label may not mix scripts (such as Latin and Cyrillic letters).")
    return ascii_domain


def normalize(email: str) -> str:
    """The address's one spelling; raises LookAlike when it has none."""
    text = unicodedata.normalize("NFKC", email).strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise LookAlike("Not a valid email address.")
    if not local.isascii():
        raise LookAlike("The part before @ must be ASCII.")
    return f"{local}@{_domain(domain)}"


def normalize_for_lookup(email: str) -> str:
    """As `normalize`, for finding an account: an address that has no spelling cannot have
    been registered, so its folded text is returned, to match nothing (login says 401)."""
    try:
        return normalize(email)
    except LookAlike:
        return unicodedata.normalize("NFKC", email).strip().lower()
