"""Every key this code writes to or reads from the table, defined once.

One table, key `id` (HASH) + `type` (RANGE), three overloaded indexes (docs/DATA_MODEL.md):

  user            id=<userId>                type=user
  email guard     id=email#<email>           type=email         written with the user in one transaction
  product         id=<productId>             type=product       gsi1: product / <createdAt>#<id>
                                                                gsi2: category#<category> / <createdAt>#<id>
  order           id=<orderId>               type=order         gsi1: user#<userId> / <createdAt>#<id>
                                                                gsi2: status#<status> / <createdAt>#<id>
                                                                gsi3: user#<userId>#status#<status> / <createdAt>#<id>
  idempotency     id=idem#<userId>#<key>     type=idempotency   expiresAt (TTL)
  login failures  id=login#<email>           type=throttle      failures, windowEnds, expiresAt (TTL)
  login failures  id=login-from#<sourceIp>#<email>  type=throttle  failures, windowEnds, trustedUntil,
    from one place                                              expiresAt (TTL)
  address limit   id=ip#<action>#<sourceIp>  type=throttle      attempts, expiresAt (TTL, end of the window)
  cart            id=cart#<userId>           type=cart          lines, version, expiresAt (TTL: last edit + 30 days)
  webhook event   id=event#<eventId>         type=webhook       eventType, orderId, outcome, expiresAt (TTL)
  delivery        id=notified#<eventId>      type=notification  state (sending | sent), expiresAt (TTL)
  password reset  id=reset#<sha256 of token> type=reset         userId, sessionVersion, createdAt, expiresAt (TTL)
  reset emails    id=reset#<email>           type=throttle      attempts, expiresAt (TTL, end of the window)

Product images live on the product item (`images`: imageId -> record, `imagesVersion`), and
their files in the media bucket:

  upload          uploads/<productId>/<imageId>               what the presigned POST writes
  renditions      images/<productId>/<imageId>/<size>.webp    thumb, large; served by the CDN
"""

from __future__ import annotations

from typing import Any

# Item types (the table's range key).
USER = "user"
EMAIL = "email"
PRODUCT = "product"
ORDER = "order"
IDEMPOTENCY = "idempotency"
THROTTLE = "throttle"
HEALTH = "health"
CART = "cart"
WEBHOOK_EVENT = "webhook"
NOTIFICATION = "notification"
RESET = "reset"

KEY_FIELDS = ("id", "type")
INDEXES = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk"), "gsi3": ("gsi3pk", "gsi3sk")}
TTL_FIELD = "expiresAt"
# The token of the last counter write (an ADD) on an item: its condition refuses a request that
# carries the token already there, so botocore resending a write whose answer was lost finds its
# own write instead of applying it twice (dynamo.new_token, products.update, throttles).
LAST_WRITE = "lastWrite"
# Attributes that exist for the table's sake only: never shown to the services.
STORAGE_FIELDS = frozenset({*KEY_FIELDS, *(f for pair in INDEXES.values() for f in pair), TTL_FIELD, LAST_WRITE})

ALL_PRODUCTS = "product"

UPLOADS = "uploads/"
RENDITIONS = "images/"
RENDITION_SIZES = ("thumb", "large")


def key(item_id: str, item_type: str) -> dict[str, str]:
    return {"id": item_id, "type": item_type}


def email_guard(email: str) -> dict[str, str]:
    return key("email#" + email, EMAIL)


def idempotency(user_id: str, idempotency_key: str) -> dict[str, str]:
    return key(f"idem#{user_id}#{idempotency_key}", IDEMPOTENCY)


def cart(user_id: str) -> dict[str, str]:
    return key("cart#" + user_id, CART)


def webhook_event(event_id: str) -> dict[str, str]:
    return key("event#" + event_id, WEBHOOK_EVENT)


REFUNDS_DUE = "refunds-due"  # one partition: a marker per order with a refund the provider has yet to confirm


def refund_due(order_id: str) -> dict[str, str]:
    return {"id": REFUNDS_DUE, "type": f"refund_due#{order_id}"}


def notification(event_id: str) -> dict[str, str]:
    """The record that one order event's email was (being) sent: at most one email per event."""
    return key("notified#" + event_id, NOTIFICATION)


def password_reset(token_hash: str) -> dict[str, str]:
    """A reset token's record, keyed by the token's hash: the token itself is never stored."""
    return key("reset#" + token_hash, RESET)


def reset_email_counter(email: str) -> str:
    return "reset#" + email


def login_counter(email: str) -> str:
    return "login#" + email


def login_source_counter(email: str, source_ip: str) -> str:
    # The address first: it never holds "#", so no email (which may) can forge another's id,
    # and the prefix keeps these apart from login#<email>.
    return f"login-from#{source_ip}#{email}"


def absent_user() -> dict[str, str]:
    """A user key that is never written (user ids are UUIDs): an unknown email's login reads
    it, so that known and unknown emails cost the same reads."""
    return key("no-such-user", USER)


def address_counter(action: str, source_ip: str) -> str:
    return f"ip#{action}#{source_ip}"


def health_probe() -> dict[str, str]:
    """A key that is never written: reading it proves the table answers."""
    return key("health", HEALTH)


def category(name: str) -> str:
    return "category#" + name.casefold()


def user_orders(user_id: str, status: str | None = None) -> str:
    """Partition of a user's orders (gsi1), or of those in one status (gsi3)."""
    return f"user#{user_id}" if status is None else f"user#{user_id}#status#{status}"


def orders_in_status(status: str) -> str:
    """Partition of every order in one status (gsi2)."""
    return "status#" + status


def newest_first(record: dict[str, Any]) -> str:
    """The sort key every index uses: creation time, then id for ties."""
    return f"{record['createdAt']}#{record['id']}"


def product_index_keys(product: dict[str, Any]) -> dict[str, str]:
    sort_key = newest_first(product)
    return {"gsi1pk": ALL_PRODUCTS, "gsi1sk": sort_key, "gsi2pk": category(product["category"]), "gsi2sk": sort_key}


def order_index_keys(order: dict[str, Any]) -> dict[str, str]:
    """The index keys an order carries for its current status; rewritten on every transition."""
    sort_key = newest_first(order)
    return {
        "gsi1pk": user_orders(order["userId"]),
        "gsi1sk": sort_key,
        "gsi2pk": orders_in_status(order["status"]),
        "gsi2sk": sort_key,
        "gsi3pk": user_orders(order["userId"], order["status"]),
        "gsi3sk": sort_key,
    }


def upload(product_id: str, image_id: str) -> str:
    return f"{UPLOADS}{product_id}/{image_id}"


def parse_upload(object_key: str) -> tuple[str, str] | None:
    """(productId, imageId) of an upload key, or None for any other key."""
    parts = object_key.split("/")
    if len(parts) != 3 or parts[0] + "/" != UPLOADS or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def rendition(product_id: str, image_id: str, size: str) -> str:
    return f"{RENDITIONS}{product_id}/{image_id}/{size}.webp"


def image_files(product_id: str, image_id: str) -> list[str]:
    """Every object one image can have: its upload and its renditions."""
    return [upload(product_id, image_id), *(rendition(product_id, image_id, s) for s in RENDITION_SIZES)]
