"""Fifteen upload requests at once on one product (issue 32, defect 2): exactly ten are signed and
the other five are 409 `TOO_MANY_IMAGES`, never a 503 from writers retrying one versioned write.
With threads, on moto and on DynamoDB Local (which, unlike moto, serializes writes to an item as
DynamoDB does)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest

from devtools.local_server import LambdaContext
from tests import media as m
from tests.apigw import invoke
from tests.integration.test_images import bucket  # noqa: F401  (the media bucket fixture)

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.usefixtures("s3_in_moto", "bucket")]


@pytest.fixture
def s3_in_moto():
    """The media bucket lives in moto on either backend (only DynamoDB is DynamoDB Local's)."""
    from devtools import embedded_dynamodb

    embedded_dynamodb.start()


def race(token, product_id, requests):
    results: list = []
    barrier = threading.Barrier(requests)

    def one():
        # Fifteen Lambdas have a CPU each; here they are threads of one process on a shared
        # machine, so each gets a 30 s invocation: the deadline is not what this test is about.
        context = LambdaContext("createImageUpload", str(uuid.uuid4()), timeout_s=30)
        barrier.wait()
        body = {"contentType": "image/jpeg", "contentLength": 1000}
        results.append(invoke("POST", f"/products/{product_id}/images", body=body, token=token, context=context))

    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("uploaded_before", [0, 1])
def test_fifteen_uploads_at_once_sign_exactly_ten_and_refuse_five(admin, product, uploaded_before):
    product_id = product()["id"]
    for _ in range(uploaded_before):
        assert m.start_upload(admin.token, product_id).status == 201
    results = race(admin.token, product_id, 15 - uploaded_before)
    answers = Counter((r.status, r.code) for r in results)
    assert answers == {(201, None): 10 - uploaded_before, (409, "TOO_MANY_IMAGES"): 5}, [r.body for r in results]
    from shop.storage import storage

    images = storage().images.read(product_id).images
    assert len(images) == 10
    signed = {r.data["imageId"] for r in results if r.status == 201}
    assert signed <= set(images)
