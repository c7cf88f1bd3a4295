"""An image id the product does not have: 404 `NOT_FOUND` whose message names an image, so an
admin client can tell it from the product's own 404 (`PRODUCT_NOT_FOUND`, docs/API.md)."""

from __future__ import annotations

import pytest

from tests.apigw import invoke


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_an_image_the_product_does_not_have_is_a_404_that_says_image(admin, product, method):
    product_id = product()["id"]

    missing = invoke(method, f"/products/{product_id}/images/no-such-image", token=admin.token)

    assert missing.status == 404, missing.body
    assert missing.code == "NOT_FOUND"
    assert missing.json["error"] == "Image not found"
    assert invoke("GET", f"/products/{product_id}").status == 200  # the product itself is there
