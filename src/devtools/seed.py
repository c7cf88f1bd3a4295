"""Demo data for `make run`: a small catalogue and an admin whose login is printed."""

from __future__ import annotations

import contextlib
import os
import secrets
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


def seed_admin(email: str, password: str) -> None:
    store = storage()
    with contextlib.suppress(EmailTaken):  # already registered (external table): just promote
        auth.register(store, email, password, "Demo Admin")
    auth.promote_to_admin(store, email)


def seed_demo_data() -> tuple[str, str, int]:
    from shop import emails

    email = emails.normalize(os.environ.get("ADMIN_EMAIL", "admin@example.com"))
    password = os.environ.get("ADMIN_PASSWORD") or generated_password()
    count = seed_catalogue()
    seed_admin(email, password)
    return email, password, count
