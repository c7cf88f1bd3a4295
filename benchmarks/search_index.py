"""Search index measurements (docs/SEARCH.md, "Measured"): build time, snapshot size, pack
and unpack+open, and in-process query latency for a mix of one-word, two-word, typo, faceted
and prefix queries, on N synthetic products.

    .venv/bin/python benchmarks/search_index.py 100000

Synthetic catalogue: names of 3 words and descriptions of 20 from a 44-word vocabulary, so
most queries match a large share of the catalogue (a worst case for facets over the result).
The index alone; through the handler, beside GET /products?category=, and cold init:
search_handler.py (freshness on make run: search_freshness.py).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from shop.search import SearchQuery, snapshots
from shop.search.tantivy_index import TantivyIndex

WORDS = [
    "lamp",
    "desk",
    "chair",
    "table",
    "brass",
    "copper",
    "oak",
    "walnut",
    "keyboard",
    "mouse",
    "cable",
    "usb",
    "book",
    "novel",
    "atlas",
    "garden",
    "hose",
    "kettle",
    "mug",
    "plate",
    "bowl",
    "candle",
    "soap",
    "towel",
    "pillow",
    "blanket",
    "shelf",
    "radio",
    "speaker",
    "headphones",
    "charger",
    "phone",
    "case",
    "bag",
    "shoe",
    "sock",
    "hat",
    "scarf",
    "glove",
]
CATEGORIES = ["Home", "Books", "Electronics", "Garden", "Kitchen", "Toys", "Clothing", "Sports"]
QUERIES = [
    SearchQuery(text="lamp"),
    SearchQuery(text="brass desk"),
    SearchQuery(text="keybaord"),
    SearchQuery(text="lamp", category="Home", in_stock=True),
    SearchQuery(text="walnut shel"),
    SearchQuery(text="", sort="price_asc", category="Books"),
]


def products(count: int) -> list[dict]:
    rng = random.Random(1)
    return [
        {
            "id": f"{i:032x}",
            "name": " ".join(rng.sample(WORDS, 3)).title(),
            "description": " ".join(rng.choices(WORDS, k=20)),
            "category": rng.choice(CATEGORIES),
            "price": Decimal(rng.randint(100, 100000)) / 100,
            "stock": rng.randint(0, 50),
            "createdAt": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "images": {},
        }
        for i in range(count)
    ]


def main(count: int) -> None:
    catalogue = products(count)
    started = time.perf_counter()
    index = TantivyIndex(tempfile.mkdtemp())
    index.upsert(catalogue)
    index.commit()
    build = time.perf_counter() - started
    started = time.perf_counter()
    data = snapshots._pack(index.path)
    pack = time.perf_counter() - started
    started = time.perf_counter()
    folder = tempfile.mkdtemp()
    snapshots._unpack(data, folder)
    opened = TantivyIndex(folder)
    opened.search(QUERIES[0])
    unpack = time.perf_counter() - started
    times = []
    for _ in range(30):
        for query in QUERIES:
            started = time.perf_counter()
            opened.search(query)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(f"products={count} build={build:.2f}s snapshot={len(data) / 1e6:.2f}MB pack={pack:.2f}s")
    print(f"unpack+open+first query={unpack:.3f}s query p50={p50:.2f}ms p95={p95:.2f}ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
