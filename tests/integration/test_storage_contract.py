"""The storage contract (shop/storage/protocol.py), called directly: what each method keeps,
returns and raises. It runs against three implementations: the DynamoDB storage on moto,
the same on DynamoDB Local (make test-dynamodb-local), and the unit tests' in-memory fake,
so the fake cannot drift from the real thing. Where moto and DynamoDB Local disagree,
DynamoDB Local is right."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from shop.domain.cart import Cart
from shop.domain.image import Image
from shop.domain.product import Product
from shop.domain.user import Credentials, User
from shop.domain.write import Write
from shop.errors import InvalidCursor
from shop.storage.failures import AlreadyExists, KeyClaimed, LinesRejected, Missing, StatusChanged, StockOutOfBounds
from shop.storage.records import IdempotencyClaim, OrderLine

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture(params=["dynamodb", "fake"])
def store(request):
    if request.param == "fake":
        from tests.fakes import FakeStorage

        return FakeStorage()
    request.getfixturevalue("table")
    from shop.storage import storage

    return storage()


def a_product(store, stock=5, price="9.99", category="Tools", created="2026-01-01T00:00:00.000Z"):
    product = {
        "id": str(uuid.uuid4()),
        "name": "Thing",
        "price": Decimal(price),
        "category": category,
        "stock": stock,
        "createdAt": created,
        "updatedAt": created,
    }
    store.products.create(Product.from_item(product))
    return product


def records(images):
    """Image records as storage takes them, from their stored shapes."""
    return {image_id: Image.from_item(image_id, record) for image_id, record in images.items()}


def stored(images):
    """Image records in their stored shapes."""
    return {image_id: image.to_item() for image_id, image in images.items()}


def an_order(user_id, lines, status="pending", created="2026-01-02T00:00:00.000Z"):
    return {
        "id": str(uuid.uuid4()),
        "userId": user_id,
        "status": status,
        "items": [
            {"productId": line.product_id, "name": "Thing", "price": line.price, "quantity": line.quantity}
            for line in lines
        ],
        "totalAmount": sum((line.price * line.quantity for line in lines), Decimal("0")),
        "statusHistory": [{"status": status, "at": created, "by": "customer"}],
        "createdAt": created,
        "updatedAt": created,
    }


def credentials(user):
    """A user's stored shape (with `userId` for its id) as the record storage takes."""
    return Credentials.from_item({"id": user["userId"], **{k: v for k, v in user.items() if k != "userId"}})


def test_users_are_unique_by_email_and_roles_change_only_for_existing_users(store):
    user = {"userId": "u-1", "email": "a@example.com", "name": "A", "role": "customer", "passwordHash": "h"}
    store.users.create(credentials(user))
    with pytest.raises(AlreadyExists):
        store.users.create(credentials({**user, "userId": "u-2"}))
    found = store.users.find_by_email("a@example.com")
    assert found == User("u-1", "a@example.com", "A", "customer") and not hasattr(found, "password_hash")
    assert store.users.credentials("a@example.com") == credentials(user) == store.users.credentials_of("u-1")
    assert store.users.get("u-2") is None and store.users.find_by_email("b@example.com") is None
    assert store.users.credentials("b@example.com") is None and store.users.credentials_of("u-2") is None
    store.users.set_role("u-1", "admin")
    assert store.users.get("u-1").role == "admin"
    with pytest.raises(Missing):
        store.users.set_role("ghost", "admin")
    assert store.users.get("ghost") is None


def test_a_password_hash_changes_only_for_an_existing_user(store):
    user = {"userId": "u-9", "email": "p@example.com", "name": "P", "role": "customer", "passwordHash": "old"}
    user |= {"updatedAt": "2026-01-01T00:00:00Z"}
    store.users.create(credentials(user))
    assert store.users.set_password_hash("u-9", "new", "2026-02-02T00:00:00Z") == 1
    assert store.users.credentials("p@example.com") == credentials(
        user | {"passwordHash": "new", "updatedAt": "2026-02-02T00:00:00Z", "sessionVersion": 1}
    )
    # Each change moves the session version on: tokens issued before it stop working.
    assert store.users.set_password_hash("u-9", "newer", "2026-02-03T00:00:00Z") == 2
    with pytest.raises(Missing):
        store.users.set_password_hash("ghost", "new", "2026-02-02T00:00:00Z")
    assert store.users.get("ghost") is None


def test_a_name_changes_only_for_an_existing_user_and_the_user_as_changed_comes_back(store):
    user = {"userId": "u-8", "email": "n@example.com", "name": "Old", "role": "customer", "passwordHash": "h"}
    store.users.create(credentials(user | {"updatedAt": "2026-01-01T00:00:00Z"}))
    changed = store.users.set_name("u-8", "New Name", "2026-02-02T00:00:00Z")
    assert changed == credentials(user | {"name": "New Name", "updatedAt": "2026-02-02T00:00:00Z"}).user
    assert store.users.get("u-8") == changed
    with pytest.raises(Missing):
        store.users.set_name("ghost", "New Name", "2026-02-02T00:00:00Z")
    assert store.users.get("ghost") is None


def test_a_reset_token_is_redeemed_once_unexpired_for_its_user_in_its_session(store):
    user = {"userId": "u-r", "email": "r@example.com", "name": "R", "role": "customer", "passwordHash": "old"}
    store.users.create(credentials(user))
    now = int(time.time())
    record = {"userId": "u-r", "sessionVersion": 0, "createdAt": "2026-01-01T00:00:00Z"}
    store.resets.create("h1", record, now + 1800)
    assert store.resets.get("h1") == {"id": "reset#h1", **record, "expiresAt": now + 1800}
    with pytest.raises(AlreadyExists):
        store.resets.create("h1", record, now + 1800)
    with pytest.raises(Missing):  # another user's name on it
        store.resets.redeem("h1", "u-other", 0, "new", "2026-01-02T00:00:00Z", now)
    store.resets.redeem("h1", "u-r", 0, "new", "2026-01-02T00:00:00Z", now)
    assert store.resets.get("h1") is None
    assert store.users.credentials_of("u-r") == credentials(
        user | {"passwordHash": "new", "updatedAt": "2026-01-02T00:00:00Z", "sessionVersion": 1}
    )
    with pytest.raises(Missing):  # used
        store.resets.redeem("h1", "u-r", 0, "newer", "2026-01-03T00:00:00Z", now)
    # Issued in session 0: the session moved on, so it is void; expired; or one that mails nobody.
    store.resets.create("h2", record, now + 1800)
    store.resets.create("h3", {**record, "sessionVersion": 1}, now - 1)
    store.resets.create("h4", {**record, "userId": None, "sessionVersion": 0}, now + 1800)
    assert "userId" not in store.resets.get("h4")
    for token_hash, session in (("h2", 0), ("h3", 1), ("h4", 0)):
        with pytest.raises(Missing):
            store.resets.redeem(token_hash, "u-r", session, "x", "2026-01-03T00:00:00Z", now)
    assert store.users.credentials_of("u-r").password_hash == "new" and store.resets.get("h2") is not None


def test_products_round_trip_and_a_second_create_of_one_id_fails(store):
    product = a_product(store)
    assert store.products.get(product["id"]) == Product.from_item(product)
    with pytest.raises(AlreadyExists):
        store.products.create(Product.from_item({**product, "name": "Other"}))
    assert store.products.get(product["id"]).name == "Thing"
    found = store.products.get_many([product["id"], "ghost", product["id"]])
    assert found == {product["id"]: Product.from_item(product)}


def test_stock_changes_stay_within_bounds_and_report_the_stock_found(store):
    product = a_product(store)
    updated = store.products.update(product["id"], {"name": "New", "category": "Other"}, stock_delta=-2)
    assert updated == Product.from_item({**product, "name": "New", "category": "Other", "stock": 3})
    assert [p.id for p in store.products.list_page("other", 10, None).items] == [product["id"]]
    assert store.products.list_page("tools", 10, None).items == []
    with pytest.raises(StockOutOfBounds) as below:
        store.products.update(product["id"], {"name": "X"}, stock_delta=-4)
    assert below.value.stock == 3
    with pytest.raises(StockOutOfBounds) as above:
        store.products.update(product["id"], {"name": "X"}, stock_delta=1_000_000)
    assert above.value.stock == 3
    assert store.products.get(product["id"]).name == "New"  # a refused change changes nothing
    assert store.products.update(product["id"], {"stock": 1_000_000}).stock == 1_000_000
    assert store.products.update(product["id"], {"name": "Y"}, stock_delta=-1_000_000).stock == 0


def test_writes_to_a_deleted_product_fail_and_create_nothing(store):
    product = a_product(store)
    store.products.delete(product["id"])
    for write in (
        lambda: store.products.update(product["id"], {"name": "X"}),
        lambda: store.products.update(product["id"], {"name": "X"}, stock_delta=1),
        lambda: store.products.delete(product["id"]),
    ):
        with pytest.raises(Missing):
            write()
    assert store.products.get(product["id"]) is None
    assert store.products.get_many([product["id"]]) == {}


def test_list_pages_are_newest_first_bounded_and_cursor_scoped(store):
    made = [a_product(store, created=f"2026-01-0{day}T00:00:00.000Z") for day in range(1, 6)]
    first = store.products.list_page(None, 2, None)
    assert [p.id for p in first.items] == [made[4]["id"], made[3]["id"]]
    second = store.products.list_page(None, 2, first.next_cursor)
    third = store.products.list_page(None, 2, second.next_cursor)
    assert [p.id for p in second.items + third.items] == [made[2]["id"], made[1]["id"], made[0]["id"]]
    assert third.next_cursor is None
    exact = store.products.list_page(None, 5, None)
    assert len(exact.items) == 5 and exact.next_cursor is None  # no cursor to an empty page
    with pytest.raises(InvalidCursor):
        store.products.list_page("tools", 2, first.next_cursor)
    with pytest.raises(InvalidCursor):
        store.products.list_page(None, 2, first.next_cursor[:-2] + "xx")


def test_an_order_takes_its_stock_all_or_nothing_and_names_every_rejected_line(store):
    plenty, scarce, repriced = a_product(store, stock=10), a_product(store, stock=1), a_product(store, price="5.00")
    lines = [
        OrderLine(plenty["id"], 2, Decimal("9.99")),
        OrderLine(scarce["id"], 2, Decimal("9.99")),
        OrderLine("ghost", 1, Decimal("1.00")),
        OrderLine(repriced["id"], 1, Decimal("9.99")),
    ]
    with pytest.raises(LinesRejected) as rejected:
        store.orders.create(an_order("u-1", lines), lines, None)
    found = {r.index: r for r in rejected.value.rejections}
    assert sorted(found) == [1, 2, 3]
    assert found[1].line == lines[1] and found[1].product.stock == 1
    assert found[2].product is None
    assert found[3].product.price == Decimal("5.00")
    assert store.products.get(plenty["id"]).stock == 10
    assert store.orders.list_for_user("u-1", 10, None).items == []

    good = [OrderLine(plenty["id"], 3, Decimal("9.99")), OrderLine(scarce["id"], 1, Decimal("9.99"))]
    order = an_order("u-1", good)
    store.orders.create(order, good, None)
    assert store.orders.get(order["id"], consistent=True) == order
    assert store.products.get(plenty["id"]).stock == 7 and store.products.get(scarce["id"]).stock == 0


def test_an_idempotency_claim_is_taken_once_and_reports_the_winner(store):
    product = a_product(store, stock=10)
    lines = [OrderLine(product["id"], 1, Decimal("9.99"))]
    claim = IdempotencyClaim("u-1", "key-1", "hash-1", int(time.time()) + 60)
    first = an_order("u-1", lines)
    store.orders.create(first, lines, claim)
    loser = an_order("u-1", lines)
    with pytest.raises(KeyClaimed) as claimed:
        store.orders.create(loser, lines, claim)
    assert claimed.value.record["orderId"] == first["id"] and claimed.value.record["requestHash"] == "hash-1"
    assert store.products.get(product["id"]).stock == 9
    assert store.orders.get(loser["id"], consistent=True) is None
    assert store.idempotency.get("u-1", "key-1")["orderId"] == first["id"]
    assert store.idempotency.get("u-2", "key-1") is None


def test_an_expired_claim_that_ttl_has_not_yet_removed_can_be_taken_again(store):
    product = a_product(store, stock=10)
    lines = [OrderLine(product["id"], 1, Decimal("9.99"))]
    store.orders.create(an_order("u-1", lines), lines, IdempotencyClaim("u-1", "k", "h", int(time.time()) - 5))
    assert store.idempotency.get("u-1", "k") is None
    second = an_order("u-1", lines)
    store.orders.create(second, lines, IdempotencyClaim("u-1", "k", "h2", int(time.time()) + 60))
    assert store.idempotency.get("u-1", "k")["orderId"] == second["id"]


def test_status_changes_are_conditional_keep_lists_in_step_and_restock(store):
    product = a_product(store, stock=10)
    lines = [OrderLine(product["id"], 4, Decimal("9.99"))]
    order = an_order("u-1", lines)
    store.orders.create(order, lines, None)
    paid = {"status": "paid", "statusHistory": [*order["statusHistory"], {"status": "paid"}], "updatedAt": "t1"}
    moved = store.orders.update_status(order, paid)
    assert moved == {**order, **paid}
    assert store.orders.get(order["id"], consistent=True) == moved
    assert [o["id"] for o in store.orders.list_in_status("paid", 10, None).items] == [order["id"]]
    assert store.orders.list_in_status("pending", 10, None).items == []
    assert [o["id"] for o in store.orders.list_for_user("u-1", 10, None, "paid").items] == [order["id"]]
    assert store.orders.list_for_user("u-1", 10, None, "pending").items == []
    assert store.orders.list_for_user("u-2", 10, None).items == []
    with pytest.raises(StatusChanged) as stale:  # `order` still says pending: a stale read
        store.orders.update_status(order, {**paid, "status": "cancelled"}, restock=True)
    assert stale.value.status == "paid"
    assert store.products.get(product["id"]).stock == 6
    cancelled = {**paid, "status": "cancelled", "updatedAt": "t2"}
    store.orders.update_status(store.orders.get(order["id"], consistent=True), cancelled, restock=True)
    assert store.products.get(product["id"]).stock == 10
    assert store.orders.get(order["id"], consistent=True)["status"] == "cancelled"
    with pytest.raises(Missing):
        store.orders.update_status({**order, "id": "ghost"}, paid)
    with pytest.raises(Missing):
        store.orders.update_status({**order, "id": "ghost"}, cancelled, restock=True)


def test_a_restock_skips_products_deleted_since_the_order(store):
    kept, gone = a_product(store, stock=5), a_product(store, stock=5)
    lines = [OrderLine(kept["id"], 2, Decimal("9.99")), OrderLine(gone["id"], 3, Decimal("9.99"))]
    order = an_order("u-1", lines)
    store.orders.create(order, lines, None)
    store.products.delete(gone["id"])
    store.orders.update_status(order, {"status": "cancelled", "statusHistory": [], "updatedAt": "t1"}, restock=True)
    assert store.products.get(kept["id"]).stock == 5
    assert store.products.get(gone["id"]) is None  # never recreated as a stock-only stub


def test_attempts_are_counted_in_a_window_and_refused_past_the_limit(store):
    now = int(time.time())
    counter = f"login#{uuid.uuid4().hex}@example.com"
    taken = [store.throttles.take(counter, 2, 60, now) for _ in range(3)]
    assert [(a.allowed, a.count) for a in taken] == [(True, 1), (True, 2), (False, 2)]
    assert {a.window_ends for a in taken} == {now + 60}
    assert store.throttles.take("other-counter", 2, 60, now).allowed
    later = store.throttles.take(counter, 2, 60, now + 61)  # the window is over: a new one opens
    assert (later.allowed, later.count, later.window_ends) == (True, 1, now + 121)
    store.throttles.clear(counter)
    assert store.throttles.take(counter, 2, 60, now + 62).count == 1


def a_cart(user_id, product, quantity=1, version=None):
    return Cart.from_item(
        {
            "userId": user_id,
            "lines": [{"productId": product["id"], "quantity": quantity, "name": "Thing", "price": product["price"]}],
            "version": version or uuid.uuid4().hex,
            "updatedAt": "2026-01-03T00:00:00.000Z",
        }
    )


def test_carts_are_written_only_over_the_version_read(store):
    from shop.storage.failures import CartChanged

    product = a_product(store)
    first = a_cart("u-1", product)
    store.carts.save(first, None, int(time.time()) + 60)
    assert store.carts.get("u-1") == first
    with pytest.raises(CartChanged):
        store.carts.save(a_cart("u-1", product, 2), None, int(time.time()) + 60)  # "no cart yet" is stale
    with pytest.raises(CartChanged):
        store.carts.save(a_cart("u-1", product, 2), "other-version", int(time.time()) + 60)
    second = a_cart("u-1", product, 3)
    store.carts.save(second, first.version, int(time.time()) + 60)
    assert store.carts.get("u-1") == second
    store.carts.clear("u-1")
    store.carts.clear("u-1")  # clearing an absent cart is fine
    assert store.carts.get("u-1") is None


def test_a_checkout_empties_only_the_cart_version_it_read_and_fails_whole_otherwise(store):
    from shop.storage.failures import CartChanged
    from shop.storage.records import CartVersion

    product = a_product(store, stock=5)
    cart = a_cart("u-1", product, 2)
    store.carts.save(cart, None, int(time.time()) + 60)
    line = OrderLine(product["id"], 2, product["price"])
    with pytest.raises(CartChanged):
        store.orders.create(an_order("u-1", [line]), [line], None, CartVersion("u-1", "stale"))
    assert store.products.get(product["id"]).stock == 5 and store.carts.get("u-1") == cart
    order = an_order("u-1", [line])
    store.orders.create(order, [line], None, CartVersion("u-1", cart.version))
    assert store.carts.get("u-1") is None and store.products.get(product["id"]).stock == 3
    assert store.orders.get(order["id"])["id"] == order["id"]


def test_pending_orders_before_a_time_are_listed_oldest_first_across_pages(store):
    product = a_product(store, stock=100)
    line = OrderLine(product["id"], 1, product["price"])
    made = []
    for day in range(1, 8):
        order = an_order("u-1", [line], created=f"2026-02-0{day}T00:00:00.000Z")
        store.orders.create(order, [line], None)
        made.append(order)
    paid = made[1]
    store.orders.update_status(paid, {"status": "paid", "updatedAt": "2026-02-09T00:00:00.000Z"})
    found = [o["id"] for o in store.orders.pending_before("2026-02-06T00:00:00.000Z", 2)]
    assert found == [made[0]["id"], made[2]["id"], made[3]["id"], made[4]["id"]]


def test_orders_created_since_a_time_are_listed_per_status_oldest_first(store):
    product = a_product(store, stock=50)
    line = OrderLine(product["id"], 1, product["price"])
    made = []
    for day in range(1, 6):
        order = an_order("u-1", [line], created=f"2026-03-0{day}T00:00:00.000Z")
        store.orders.create(order, [line], None)
        made.append(order)
    for order in made[1:4]:
        store.orders.update_status(order, {"status": "paid", "updatedAt": "2026-03-09T00:00:00.000Z"})
    found = [o["id"] for o in store.orders.created_since("paid", "2026-03-03T00:00:00.000Z", 1)]
    assert found == [made[2]["id"], made[3]["id"]]
    pending = [o["id"] for o in store.orders.created_since("pending", "2026-03-01T00:00:00.000Z", 2)]
    assert pending == [made[0]["id"], made[4]["id"]]


def test_a_save_with_restock_lines_gives_back_those_units_only_once(store):
    shirt, hat = a_product(store, stock=10), a_product(store, stock=10)
    lines = [OrderLine(shirt["id"], 3, shirt["price"]), OrderLine(hat["id"], 2, hat["price"])]
    order = an_order("u-1", lines)
    store.orders.create(order, lines, None)
    received = {"returns": [{"id": "ret1", "status": "received"}], "version": 1, "updatedAt": "t1"}
    write = Write(order, received, restock_lines=({"productId": shirt["id"], "quantity": 2},))
    store.orders.save(write)
    assert (store.products.get(shirt["id"]).stock, store.products.get(hat["id"]).stock) == (9, 8)
    again = {**received, "version": 2}
    with pytest.raises(StatusChanged):  # the same decision on the order as first read: refused, no stock
        store.orders.save(Write(order, again, restock_lines=write.restock_lines))
    assert (store.products.get(shirt["id"]).stock, store.products.get(hat["id"]).stock) == (9, 8)


def test_a_save_is_conditional_on_the_version_read_and_hands_back_the_order_it_lost_to(store):
    product = a_product(store, stock=5)
    line = OrderLine(product["id"], 2, product["price"])
    order = an_order("u-1", [line])  # as stored before versions: none yet
    store.orders.create(order, [line], None)
    attempt = {"payment": {"status": "requires_payment", "attempts": [{"id": "a1"}]}, "version": 1, "updatedAt": "t1"}
    assert store.orders.save(Write(order, attempt))["version"] == 1
    assert store.orders.get(order["id"], consistent=True)["version"] == 1
    expire = {"status": "expired", "version": 1, "updatedAt": "t2"}
    with pytest.raises(StatusChanged) as lost:  # read before the attempt: the same status, another version
        store.orders.save(Write(order, expire, restock=True))
    assert lost.value.status == "pending" and lost.value.found["version"] == 1
    assert lost.value.found["payment"]["attempts"] == [{"id": "a1"}]
    assert store.products.get(product["id"]).stock == 3  # nothing written, no stock back
    store.orders.save(Write(lost.value.found, {**expire, "version": 2}, restock=True))
    assert store.products.get(product["id"]).stock == 5
    assert store.orders.get(order["id"], consistent=True)["status"] == "expired"
    with pytest.raises(Missing):
        store.orders.save(Write({**order, "id": "ghost"}, expire))


def test_webhook_events_are_recorded_once_with_their_order_change_or_not_at_all(store):
    from shop.storage.failures import EventSeen
    from shop.storage.records import WebhookEvent

    product = a_product(store, stock=5)
    line = OrderLine(product["id"], 1, product["price"])
    order = {**an_order("u-1", [line]), "payment": {"status": "requires_payment"}}
    store.orders.create(order, [line], None)
    expires = int(time.time()) + 60
    paid = {"status": "paid", "payment": {"status": "succeeded"}, "updatedAt": "2026-02-09T00:00:00.000Z"}
    stale = {**order, "status": "cancelled"}
    with pytest.raises(StatusChanged):
        store.payments.record_event(
            WebhookEvent("evt_1", "payment_intent.succeeded", order["id"], "paid", expires), Write(stale, paid)
        )
    assert not store.payments.event_seen("evt_1")  # the failed change recorded nothing
    store.payments.record_event(
        WebhookEvent("evt_1", "payment_intent.succeeded", order["id"], "paid", expires), Write(order, paid)
    )
    assert store.payments.event_seen("evt_1")
    assert store.orders.get(order["id"], consistent=True)["status"] == "paid"
    with pytest.raises(EventSeen):
        store.payments.record_event(WebhookEvent("evt_1", "payment_intent.succeeded", None, "ignored", expires))
    store.payments.record_event(WebhookEvent("evt_2", "charge.refunded", None, "ignored", expires))
    assert store.payments.event_seen("evt_2") and not store.payments.event_seen("evt_3")


def test_failed_logins_are_counted_in_a_window_and_a_success_clears_them_and_is_remembered(store):
    from shop.storage.records import FailureCount

    now = int(time.time())
    counter, other = f"login-from#192.0.2.1#{uuid.uuid4().hex}@example.com", f"login#{uuid.uuid4().hex}"
    assert store.throttles.read_failures([counter, other]) == {counter: FailureCount(), other: FailureCount()}
    counted = [store.throttles.count_failure(counter, 2, 60, now) for _ in range(3)]
    assert [(a.allowed, a.count, a.window_ends) for a in counted] == [
        (True, 1, now + 60),
        (True, 2, now + 60),
        (False, 2, now + 60),
    ]
    assert store.throttles.read_failures([counter])[counter] == FailureCount(2, now + 60, 0)
    # At the limit in its window a success is refused and changes nothing ...
    refused = store.throttles.record_success(counter, 2, now + 86400, now + 1)
    assert (refused.allowed, refused.count, refused.window_ends) == (False, 2, now + 60)
    assert store.throttles.read_failures([counter])[counter] == FailureCount(2, now + 60, 0)
    # ... once the window is over it clears the failures and remembers the success.
    assert store.throttles.record_success(counter, 2, now + 86400, now + 61).allowed
    assert store.throttles.read_failures([counter])[counter] == FailureCount(0, 0, now + 86400)
    # Failures after that open a new window and keep the trust mark, also across windows.
    assert store.throttles.count_failure(counter, 2, 60, now + 62).count == 1
    assert store.throttles.read_failures([counter])[counter] == FailureCount(1, now + 122, now + 86400)
    assert store.throttles.count_failure(counter, 2, 60, now + 200).count == 1  # the window is over
    assert store.throttles.read_failures([counter])[counter] == FailureCount(1, now + 260, now + 86400)
    assert store.throttles.read_failures([other])[other] == FailureCount()


def test_a_failure_counter_keeps_its_ttl_on_its_window_or_its_trust(store):
    if not hasattr(store, "table"):
        pytest.skip("the TTL attribute is the DynamoDB item's")
    from shop.storage import keys

    now = int(time.time())
    counter = f"login-from#192.0.2.2#{uuid.uuid4().hex}@example.com"
    store.throttles.count_failure(counter, 5, 60, now)
    assert store.table.get(keys.key(counter, keys.THROTTLE), consistent=True)[keys.TTL_FIELD] == now + 60
    store.throttles.record_success(counter, 5, now + 86400, now)
    store.throttles.count_failure(counter, 5, 60, now + 1)
    assert store.table.get(keys.key(counter, keys.THROTTLE), consistent=True)[keys.TTL_FIELD] == now + 86400


def test_image_sets_are_replaced_only_at_the_version_read_and_settled_only_while_processing(store):
    from shop.storage.failures import VersionChanged

    product = a_product(store)
    pid = product["id"]
    assert store.images.read(pid).images == {} and store.images.read(pid).version == 0
    assert store.images.read("ghost") is None
    processing = {"status": "processing", "createdAt": "2026-01-01T00:00:00.000Z", "uploadExpiresAt": 1_900_000_000}
    store.images.replace(pid, records({"i-1": processing}), 0)
    with pytest.raises(VersionChanged):  # a second writer that read version 0 loses
        store.images.replace(pid, records({"i-2": processing}), 0)
    with pytest.raises(Missing):
        store.images.replace("ghost", records({"i-2": processing}), 0)
    found = store.images.read(pid)
    assert stored(found.images) == {"i-1": processing} and found.version == 1
    ready = {"status": "ready", "createdAt": processing["createdAt"], "width": 640, "height": 480}
    store.images.settle(pid, Image.from_item("i-1", ready))
    with pytest.raises(StatusChanged) as again:  # settling twice: the second run sees it done
        store.images.settle(pid, Image.from_item("i-1", {**ready, "width": 1}))
    assert again.value.status == "ready"
    with pytest.raises(Missing):
        store.images.settle(pid, Image.from_item("i-404", ready))
    found = store.images.read(pid)
    assert stored(found.images) == {"i-1": ready} and found.version == 2  # settling bumps the version
    with pytest.raises(VersionChanged):  # so an add that read version 1 counts again
        store.images.replace(pid, records({}), 1)
    # the product read (and update) keeps its other fields and carries the records
    assert store.products.get(pid).to_item()["images"] == {"i-1": ready}
    store.images.remove(pid, "i-1")
    with pytest.raises(Missing):
        store.images.remove(pid, "i-1")
    assert store.images.read(pid).images == {} and store.images.read(pid).version == 3
    store.images.replace(pid, records({"i-3": processing}), 3)
    old = store.products.delete(pid)
    assert old.to_item()["images"] == {"i-3": processing}  # delete hands back the records, for their files
    with pytest.raises(Missing):
        store.images.settle(pid, Image.from_item("i-3", ready))


def test_a_restock_stops_at_the_stock_limit(store):
    """A cancel returns each line's quantity only up to MAX_STOCK: a product restocked (by an
    admin's stocktake) since the order never ends above the limit."""
    from shop.limits import MAX_STOCK

    near, far = a_product(store, stock=10), a_product(store, stock=10)
    lines = [OrderLine(near["id"], 5, Decimal("9.99")), OrderLine(far["id"], 5, Decimal("9.99"))]
    order = an_order("u-1", lines)
    store.orders.create(order, lines, None)
    store.products.update(near["id"], {"stock": MAX_STOCK - 2})
    store.products.update(far["id"], {"stock": MAX_STOCK - 5})
    store.orders.update_status(order, {"status": "cancelled", "statusHistory": [], "updatedAt": "t1"}, restock=True)
    assert store.products.get(near["id"]).stock == MAX_STOCK
    assert store.products.get(far["id"]).stock == MAX_STOCK


def test_a_delivery_record_is_claimed_once_taken_over_only_when_stale_and_released_only_while_sending(store):
    event_id = uuid.uuid4().hex
    now = 1_800_000_000
    assert store.notifications.claim(event_id, now, now - 120, now + 3600) == "claimed"
    # A second delivery while the first is sending: not claimed, told who holds it.
    assert store.notifications.claim(event_id, now + 1, now + 1 - 120, now + 3600) == "sending"
    # The first sender died: once its claim is older than the stale limit, a delivery takes it over.
    assert store.notifications.claim(event_id, now + 200, now + 200 - 120, now + 3600) == "claimed"
    store.notifications.mark_sent(event_id, now + 201, "ses-message-1")
    assert store.notifications.claim(event_id, now + 999, now + 999, now + 3600) == "sent"
    store.notifications.release(event_id)  # a sent record is never released
    assert store.notifications.claim(event_id, now + 999, now + 999, now + 3600) == "sent"

    other = uuid.uuid4().hex
    assert store.notifications.claim(other, now, now - 120, now + 3600) == "claimed"
    store.notifications.release(other)  # SES failed: the next delivery sends
    assert store.notifications.claim(other, now + 1, now + 1 - 120, now + 3600) == "claimed"
    store.notifications.release(uuid.uuid4().hex)  # nothing to release: no error


def test_an_order_with_a_pending_refund_is_listed_as_due_until_none_is_left(store):
    product = a_product(store, stock=5)
    line = OrderLine(product["id"], 1, product["price"])
    order = an_order("u-1", [line])
    store.orders.create(order, [line], None)
    pending = [{"id": "r1", "amount": Decimal("9.99"), "status": "pending", "reason": "x", "createdAt": "t1"}]
    due = store.orders.save(Write(order, {"refunds": pending, "version": 1, "updatedAt": "t1"}))
    assert order["id"] in list(store.orders.refunds_due(10))
    settled = [{**pending[0], "status": "succeeded"}]
    store.orders.save(Write(due, {"refunds": settled, "version": 2, "updatedAt": "t2"}))
    assert order["id"] not in list(store.orders.refunds_due(10))


def test_an_image_is_added_with_one_write_while_fewer_than_the_limit_count(store):
    from shop.storage.failures import Full, VersionChanged

    pid = a_product(store)["id"]
    processing = {"status": "processing", "createdAt": "2026-01-01T00:00:00.000Z", "uploadExpiresAt": 1_900_000_000}
    rejected = {"status": "rejected", "createdAt": processing["createdAt"], "reason": "not_an_image"}
    with pytest.raises(VersionChanged):  # no image map yet: the first image is a replace
        store.images.add(pid, Image.from_item("i-0", processing), 2)
    with pytest.raises(Missing):
        store.images.add("ghost", Image.from_item("i-0", processing), 2)
    store.images.replace(pid, records({"r-1": rejected, "i-1": processing}), 0)
    assert store.images.read(pid).counting == {"i-1"}  # a rejected record does not count
    store.images.add(pid, Image.from_item("i-2", processing), 2)
    found = store.images.read(pid)
    assert set(found.images) == {"r-1", "i-1", "i-2"} and found.counting == {"i-1", "i-2"} and found.version == 2
    with pytest.raises(Full):
        store.images.add(pid, Image.from_item("i-3", processing), 2)
    store.images.settle(pid, Image.from_item("i-1", {**rejected, "reason": "too_large"}))  # rejected: it stops counting
    store.images.add(pid, Image.from_item("i-3", processing), 2)
    store.images.remove(pid, "i-3")  # removed: it stops counting
    store.images.remove(pid, "i-2")
    found = store.images.read(pid)
    assert found.counting == frozenset() and set(found.images) == {"r-1", "i-1"}
