"""Product search end to end (docs/SEARCH.md): products written through the API, the table's
real stream records delivered to indexProducts by the local job (as on `make run`, as Lambda
would), snapshots published to S3, and GET /search and GET /categories answered from them.
The tests marked dynamodb_local also run on DynamoDB Local's own stream."""

from __future__ import annotations

import threading
import uuid

import boto3
import pytest

from devtools.local_jobs import search_index as job
from shop.search import snapshots
from shop.search.tantivy_index import TantivyIndex
from shop.services import search_indexing
from tests.apigw import invoke, invoke_function
from tests.conftest import LOCAL_ENDPOINT, reset_shop_caches

BUCKET = "shop-test-search"


@pytest.fixture
def aws():
    if LOCAL_ENDPOINT is None:
        yield  # the session's embedded moto answers every service
        return
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def s3():
    return boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def feed(table, aws, s3, monkeypatch, tmp_path):
    """The search-index job, set up as on `make run` (an empty bucket: a rebuild), delivering
    the stream to indexProducts as that function; readers that look at the pointer each request."""
    monkeypatch.setenv("LOCAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEARCH_DIR", str(tmp_path / "search"))
    monkeypatch.setenv("SEARCH_POINTER_SECONDS", "0")
    monkeypatch.setattr(job, "_invoke", lambda function, event: invoke_function(function, event) or {})
    reset_shop_caches()
    search_indexing._working.clear()
    job.setup()
    yield job
    for found in s3.list_objects_v2(Bucket=BUCKET, Prefix="").get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=found["Key"])
    snapshots.reset()
    search_indexing._working.clear()


def search(**query: str):
    result = invoke("GET", "/search", query=query or None)
    assert result.status == 200, result.body
    return result.json


def names(**query: str) -> list[str]:
    return [p["name"] for p in search(**query)["data"]]


@pytest.mark.dynamodb_local
def test_a_created_product_is_found_by_a_misspelled_word_with_facets_for_the_whole_result(feed, admin, product):
    lamp = product(name="Brass desk lamp", category="Lighting", price=45, stock=2)
    product(name="Reading lamp", category="Lighting", price=15, stock=0)
    product(name="Lamp oil", category="Supplies", price=8, stock=9)
    assert names(q="lamp") == []  # not yet delivered

    feed.deliver_stream()

    body = search(q="lmap", limit="1")  # one transposition in a 4-letter word
    assert body["total"] == 3 and len(body["data"]) == 1 and body["pagination"]["nextCursor"]
    assert body["facets"]["categories"] == [{"value": "Lighting", "count": 2}, {"value": "Supplies", "count": 1}]
    assert body["facets"]["priceRanges"] == [
        {"min": 0, "max": 10, "count": 1},
        {"min": 10, "max": 25, "count": 1},
        {"min": 25, "max": 50, "count": 1},
    ]
    found = search(q="bras desk")["data"]
    assert [p["id"] for p in found] == [lamp["id"]]
    assert found[0] == invoke("GET", f"/products/{lamp['id']}").data  # the summary GET /products gives
    assert names(q="lamp", inStock="true", sort="price_asc") == ["Lamp oil", "Brass desk lamp"]


@pytest.mark.dynamodb_local
def test_an_update_and_a_delete_are_reflected_by_the_next_search(feed, admin, product):
    lamp = product(name="Brass desk lamp", category="Lighting")
    feed.deliver_stream()
    renamed = invoke("PUT", f"/products/{lamp['id']}", body={"name": "Copper floor lamp"}, token=admin.token)
    assert renamed.status == 200
    feed.deliver_stream()
    assert names(q="brass") == [] and names(q="coper") == ["Copper floor lamp"]

    assert invoke("DELETE", f"/products/{lamp['id']}", token=admin.token).status == 200
    feed.deliver_stream()
    assert names(q="copper") == []
    assert invoke("GET", "/categories").data == []


def _next_batch(feed) -> dict:
    stream = feed._state["stream"]
    records = [r for _, batch, _ in stream.batches() for r in batch]
    event = [feed.lambda_events.stream_record(r, stream.arn, "us-east-1") for r in records]
    return {"Records": [r for r in event if feed.lambda_events.matches(feed._state["patterns"], r)]}


@pytest.mark.dynamodb_local
def test_a_batch_delivered_twice_is_harmless(feed, admin, product):
    first = product(name="Walnut bookshelf", category="Furniture")
    second = product(name="Oak bookshelf", category="Furniture")
    invoke("DELETE", f"/products/{second['id']}", token=admin.token)
    batch = _next_batch(feed)
    assert [r["eventName"] for r in batch["Records"]] == ["INSERT", "INSERT", "REMOVE"]

    assert invoke_function("indexProducts", batch) == {"batchItemFailures": []}
    assert invoke_function("indexProducts", batch) == {"batchItemFailures": []}  # retried by Lambda

    assert [p["id"] for p in search(q="bookshelf")["data"]] == [first["id"]]
    assert invoke("GET", "/categories").data == [{"value": "Furniture", "count": 1}]


def test_the_rebuild_indexes_products_written_before_the_index_existed(
    table, aws, s3, admin, product, monkeypatch, tmp_path
):
    older = product(name="Vintage radio", category="Audio")
    monkeypatch.setenv("SEARCH_DIR", str(tmp_path / "search"))
    monkeypatch.setenv("SEARCH_POINTER_SECONDS", "0")
    reset_shop_caches()
    search_indexing._working.clear()
    try:
        assert invoke_function("indexProducts", {"rebuild": True}) == {"version": 1, "products": 1}
        assert [p["id"] for p in search(q="radoi")["data"]] == [older["id"]]
    finally:
        for found in s3.list_objects_v2(Bucket=BUCKET, Prefix="").get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=found["Key"])
        snapshots.reset()


def _index_of(tmp_path, *product_names: str) -> TantivyIndex:
    index = TantivyIndex(str(tmp_path / uuid.uuid4().hex))
    index.upsert(
        [
            {"id": str(uuid.uuid4()), "name": n, "category": "Test", "price": 1, "stock": 1, "createdAt": "2026-01-01"}
            for n in product_names
        ]
    )
    index.commit()
    return index


def test_snapshots_published_out_of_order_never_roll_readers_back(feed, s3, tmp_path):
    snapshots.publish(_index_of(tmp_path, "newer"), 5)
    assert names(q="newer") == ["newer"]

    late = snapshots.publish(_index_of(tmp_path, "older"), 4)  # a publication that lost a race
    assert late["version"] == 5  # the pointer stays
    # Even a pointer that moved back (written by hand) does not move a reader back.
    s3.put_object(Bucket=BUCKET, Key=snapshots.POINTER, Body=b'{"version": 4}')
    assert names(q="newer") == ["newer"] and names(q="older") == []


def test_readers_swap_snapshots_under_concurrent_queries_without_an_error(feed, tmp_path):
    snapshots.publish(_index_of(tmp_path, "alpha"), 2)
    failures: list[object] = []
    stop = threading.Event()

    def query() -> None:
        while not stop.is_set():
            result = invoke("GET", "/search", query={"q": "alpha"})
            if result.status != 200 or result.json["total"] not in (1, 2):
                failures.append((result.status, result.body))

    readers = [threading.Thread(target=query) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for version in range(3, 9):
            snapshots.publish(_index_of(tmp_path, "alpha", *(["alpha"] if version % 2 else [])), version)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert failures == []
    assert search(q="alpha")["total"] == 1  # version 8: one product


def test_bad_queries_are_400_and_query_syntax_is_just_text(feed, admin, product):
    product(name="Desk lamp")
    feed.deliver_stream()
    for query in ({"q": "x" * 201}, {"sort": "cheapest"}, {"minPrice": "5", "maxPrice": "1"}, {"minPrice": "-1"},
                  {"limit": "0"}, {"inStock": "maybe"}, {"minPrice": "NaN"}):  # fmt: skip
        result = invoke("GET", "/search", query=query)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), query
    for text in ('lamp AND "', "name:lamp", "lamp~2)", "*", "[a TO z]", "\\"):
        assert invoke("GET", "/search", query={"q": text}).status == 200, text
    assert names(q="x" * 200) == []


def test_cursors_page_through_the_result_and_are_bound_to_their_query(feed, admin, product):
    for i in range(5):
        product(name=f"Candle {i}", price=10 + i)
    feed.deliver_stream()
    seen, cursor = [], None
    while True:
        body = search(q="candle", sort="price_desc", limit="2", **({"cursor": cursor} if cursor else {}))
        seen += [p["name"] for p in body["data"]]
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"Candle {i}" for i in (4, 3, 2, 1, 0)]

    cursor = search(q="candle", limit="2")["pagination"]["nextCursor"]
    other = invoke("GET", "/search", query={"q": "candles", "limit": "2", "cursor": cursor})
    assert (other.status, other.code) == (400, "INVALID_CURSOR")
    edited = invoke("GET", "/search", query={"q": "candle", "limit": "2", "cursor": cursor[:-2] + "AA"})
    assert (edited.status, edited.code) == (400, "INVALID_CURSOR")


def test_categories_lists_every_category_with_its_count(feed, admin, product):
    for category in ("Books", "Books", "books", "Toys", "Garden"):
        product(category=category)
    feed.deliver_stream()
    assert invoke("GET", "/categories").data == [
        {"value": "Books", "count": 3},
        {"value": "Garden", "count": 1},
        {"value": "Toys", "count": 1},
    ]
