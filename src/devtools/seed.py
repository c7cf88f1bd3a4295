"""Demo data for `make run`: a small catalogue and an admin whose login is printed."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from decimal import Decimal

from shop.errors import EmailTaken
from shop.services import auth, products
from shop.storage import storage

CATALOGUE = {
    "Books": [
        ("The Pragmatic Programmer", "39.99"),
        ("Designing Data-Intensive Applications", "45.50"),
        ("Clean Architecture", "32.00"),
        ("Refactoring", "41.25"),
        ("Site Reliability Engineering", "29.95"),
        ("Domain-Driven Design", "54.00"),
    ],
    "Electronics": [
        ("USB-C Charger 65W", "34.90"),
        ("Noise-Cancelling Headphones", "199.00"),
        ("Mechanical Keyboard", "89.99"),
        ("4K Monitor 27in", "329.00"),
        ("Wireless Mouse", "24.99"),
        ("Portable SSD 1TB", "109.00"),
    ],
    "Kitchen": [
        ("Chef's Knife 8in", "59.00"),
        ("Cast Iron Skillet", "44.95"),
        ("Pour-Over Coffee Set", "38.50"),
        ("Digital Kitchen Scale", "19.99"),
        ("Stainless Saucepan", "49.00"),
        ("Bamboo Cutting Board", "22.40"),
    ],
    "Outdoors": [
        ("Trail Running Shoes", "129.00"),
        ("Insulated Water Bottle", "27.00"),
        ("Two-Person Tent", "249.00"),
        ("Headlamp 400lm", "31.99"),
        ("Trekking Poles", "64.00"),
        ("Packable Rain Jacket", "89.00"),
    ],
    "Toys": [
        ("Wooden Building Blocks", "29.99"),
        ("Puzzle 1000 Pieces", "18.50"),
        ("Kite", "15.00"),
        ("Board Game: Cities", "42.00"),
        ("Plush Bear", "21.00"),
        ("Marble Run", "36.75"),
    ],
}


def seed_catalogue() -> int:
    store = storage()
    if store.products.list_page(None, 1, None).items:
        return 0  # an existing table keeps its data
    count = 0
    for category, items in CATALOGUE.items():
        for index, (name, price) in enumerate(items):
            products.create(
                store,
                {
                    "name": name,
                    "description": f"{name} from the demo catalogue.",
                    "price": Decimal(price),
                    "category": category,
                    "stock": 25 + 5 * index,
                },
            )
            count += 1
    return count


def generated_password() -> str:
    # token_urlsafe gives letters, digits, '-' and '_'; the prefix guarantees every class.
    return "Aa1!" + secrets.token_urlsafe(12)


@dataclass(frozen=True)
class SeededAdmin:
    email: str
    password: str
    created: bool  # False: the admin existed and its password was set to this one
    products: int  # demo products added (0: the table had some)

    given: bool = False  # the password came from ADMIN_PASSWORD: the developer knows it

    def line(self, on_terminal: bool = False) -> str:
        """The banner's line. A password given by ADMIN_PASSWORD is shown on a terminal only,
        never into a log file (make run > server.log, a CI job's output); a generated one is
        shown, since nothing else tells it."""
        how = "created" if self.created else "already there, its password set to this one"
        password = self.password if on_terminal or not self.given else "(the password in ADMIN_PASSWORD)"
        return f"Demo admin: {self.email} / {password}  ({how})"


def seed_admin(email: str, password: str) -> bool:
    """Register (or, when the email is taken, set the password of) the admin and promote it.
    True when it was created. The printed password is always the one that works."""
    store = storage()
    try:
        auth.register(store, email, password, "Demo Admin")
        created = True
    except EmailTaken:  # a kept table, or an external one: the printed password must work
        auth.set_password(store, email, password)
        created = False
    auth.promote_to_admin(store, email)
    return created


def seed_demo_data() -> SeededAdmin:
    """ADMIN_PASSWORD, when set, always wins; otherwise a new one each start."""
    from shop import email_addresses

    email = email_addresses.normalize(os.environ.get("ADMIN_EMAIL", "admin@example.com"))
    given = os.environ.get("ADMIN_PASSWORD") or ""
    password = given or generated_password()
    count = seed_catalogue()
    created = seed_admin(email, password)
    return SeededAdmin(email, password, created, count, given=bool(given))
