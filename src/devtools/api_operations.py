"""What each Lambda function in serverless.yml means to an API client.

One entry per function, keyed by its name in serverless.yml. The OpenAPI generator
(devtools.openapi) takes the method and path from serverless.yml and everything else
from here, and refuses to run when a function with an HTTP route has no entry: a new
route is documented here or the build fails.

Errors that follow from the entry's shape are added by the generator and need not be
listed: 401 when `auth` is set, 403 when it is "admin", 400/413/415 with a `body`,
400 with a `query`, 503 everywhere (DynamoDB throttled or unreachable). List the rest
in `errors` as {status: "when it happens"}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema

from shop.schemas import (
    LoginSchema,
    OrderCreateSchema,
    OrderPageQuerySchema,
    OrderStatusSchema,
    ProductCreateSchema,
    ProductPageQuerySchema,
    ProductUpdateSchema,
    RegisterSchema,
)


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    status: int  # the success status
    response: str  # an envelope name from devtools.api_schemas.ENVELOPES
    description: str = ""
    auth: str | None = None  # None, "user" (any signed-in user) or "admin"
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    errors: dict[int, str] = field(default_factory=dict)
    idempotency_key: bool = False


NOT_FOUND_PRODUCT = "No product with this id (`PRODUCT_NOT_FOUND`)."

OPERATIONS: dict[str, Operation] = {
    "register": Operation(
        summary="Register a customer account",
        tag="auth",
        status=201,
        response="SessionEnvelope",
        body=RegisterSchema,
        description="Creates a `customer` and returns a token for it. The email is trimmed and lower-cased; "
        "the password needs 8 to 72 bytes (UTF-8) with a lower-case letter, an upper-case letter, a digit and "
        "a character that is neither, and must not be a well-known password. Admins are never self-registered.",
        errors={
            409: "The email is already registered (`EMAIL_TAKEN`), compared case-insensitively.",
            429: "Too many registrations from this address in the window (`TOO_MANY_REQUESTS`).",
        },
    ),
    "login": Operation(
        summary="Sign in",
        tag="auth",
        status=200,
        response="SessionEnvelope",
        body=LoginSchema,
        description="Unknown email and wrong password get the same 401, in about the same time.",
        errors={
            401: "Unknown email or wrong password (`UNAUTHORIZED`, `Invalid credentials`).",
            429: "Five failed logins for this email in 15 minutes, or too many logins from this address "
            "(`TOO_MANY_REQUESTS`); `Retry-After` says when to try again.",
        },
    ),
    "createProduct": Operation(
        summary="Add a product to the catalogue",
        tag="products",
        status=201,
        response="ProductEnvelope",
        auth="admin",
        body=ProductCreateSchema,
        description="Server fields (`id`, `createdAt`, `updatedAt`) and unknown fields are a 400.",
    ),
    "listProducts": Operation(
        summary="List products, newest first",
        tag="products",
        status=200,
        response="ProductPage",
        query=ProductPageQuerySchema,
        description="One DynamoDB Query on an index per page, never a Scan. `category` matches "
        "case-insensitively. Unknown query parameters are ignored.",
    ),
    "getProduct": Operation(
        summary="Get one product",
        tag="products",
        status=200,
        response="ProductEnvelope",
        errors={404: NOT_FOUND_PRODUCT},
    ),
    "updateProduct": Operation(
        summary="Change some fields of a product",
        tag="products",
        status=200,
        response="ProductEnvelope",
        auth="admin",
        body=ProductUpdateSchema,
        description="A partial update: send at least one field. Returns the whole updated product. "
        "`stock` sets the count (a stocktake); `stockDelta` adds to it atomically, so it never loses a "
        "concurrent order's decrement.",
        errors={
            404: NOT_FOUND_PRODUCT,
            409: "`stockDelta` would take the stock below 0 (`OUT_OF_STOCK`) or above 1,000,000 "
            "(`STOCK_LIMIT_REACHED`).",
        },
    ),
    "deleteProduct": Operation(
        summary="Remove a product",
        tag="products",
        status=200,
        response="DeletedEnvelope",
        auth="admin",
        description="Orders keep their own copy of the name and price.",
        errors={404: NOT_FOUND_PRODUCT},
    ),
    "createOrder": Operation(
        summary="Place an order",
        tag="orders",
        status=201,
        response="OrderEnvelope",
        auth="user",
        body=OrderCreateSchema,
        idempotency_key=True,
        description="The server prices every line from the catalogue; a line that carries `price` must match it. "
        "Stock is taken and the order written in one transaction. With an `Idempotency-Key`, a retry of the same "
        "request returns the same order (201, `Idempotent-Replayed: true`) and takes stock once.",
        errors={
            404: "A product does not exist (`PRODUCT_NOT_FOUND`; `details` names every such line).",
            409: "A line's `price` differs from the catalogue (`PRICE_CHANGED`), or there is not enough stock "
            "(`OUT_OF_STOCK`); `details` names every such line.",
            422: "The Idempotency-Key was used before for a different request (`IDEMPOTENCY_KEY_REUSED`).",
        },
    ),
    "listOrders": Operation(
        summary="List your own orders, newest first",
        tag="orders",
        status=200,
        response="OrderPage",
        auth="user",
        query=OrderPageQuerySchema,
        description="A customer gets their own orders, optionally only those in `status`. An admin with "
        "`status` gets every order in that status; without it, their own. Served by one Query on an index.",
    ),
    "cancelOrder": Operation(
        summary="Cancel an order and return its stock",
        tag="orders",
        status=200,
        response="OrderEnvelope",
        auth="user",
        description="The owner may cancel while the order is `pending`; an admin while it is `pending` or `paid`. "
        "The status change and the return of every line's stock are one transaction.",
        errors={
            404: "No such order, or someone else's (`NOT_FOUND`).",
            409: "The order's status does not allow cancelling (`INVALID_TRANSITION`).",
        },
    ),
    "updateOrderStatus": Operation(
        summary="Move an order along its lifecycle",
        tag="orders",
        status=200,
        response="OrderEnvelope",
        auth="admin",
        body=OrderStatusSchema,
        description="pending → paid → shipped → delivered, and pending|paid → cancelled (which returns the stock). "
        "Each move is a conditional write on the status that was read, and is appended to `statusHistory`.",
        errors={
            404: "No such order (`NOT_FOUND`).",
            409: "The move is not allowed from the current status (`INVALID_TRANSITION`).",
        },
    ),
    "getOrder": Operation(
        summary="Get one order",
        tag="orders",
        status=200,
        response="OrderEnvelope",
        auth="user",
        description="The owner sees their order and an admin sees any; for anyone else it does not exist.",
        errors={404: "No such order, or someone else's (`NOT_FOUND`)."},
    ),
    "health": Operation(
        summary="Is the service up",
        tag="health",
        status=200,
        response="HealthEnvelope",
        description="A 503 when the table cannot be reached.",
    ),
}
