"""`details` of a 400 VALIDATION_ERROR when marshmallow mixes plain and nested messages.

A field with several validators reports each one's messages in one list, and a validator
may report a nested structure ({"city": [...]}) beside another's plain text; a schema-level
rule may do the same. Every message keeps a dotted path (docs/API.md: "paths like
`shippingAddress.city`"), and top-level rule failures are reported under `body`.
"""

from __future__ import annotations

import json
import uuid

from marshmallow import Schema, ValidationError, fields, validates_schema

from shop.edge import endpoint


def too_short(value):
    raise ValidationError("Too short.")


def no_city(value):
    raise ValidationError({"city": ["Required."]})


def bad_zip(value):
    raise ValidationError({"zipCode": ["Not a zip code."]})


class AddressLine(Schema):
    # Three validators: plain text, then two nested reports of the same place.
    address = fields.String(required=True, validate=[too_short, no_city, bad_zip])


class Order(Schema):
    note = fields.String()

    @validates_schema
    def one_rule(self, data, **kwargs):
        raise ValidationError(["Pick a delivery day.", {"note": ["Say when."]}, "Or pick up."])


def details_for(schema, body):
    handler = endpoint(body=schema)(lambda request: {})
    event = {
        "httpMethod": "POST",
        "resource": "/things",
        "path": "/things",
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"requestId": str(uuid.uuid4())},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
    response = handler(event, None)
    assert response["statusCode"] == 400
    payload = json.loads(response["body"])
    assert payload["code"] == "VALIDATION_ERROR"
    return payload["details"]


def test_plain_and_nested_messages_of_one_field_each_keep_their_path():
    assert details_for(AddressLine, {"address": "x"}) == {
        "address": ["Too short."],
        "address.city": ["Required."],
        "address.zipCode": ["Not a zip code."],
    }


def test_a_rule_of_the_whole_body_is_under_body_and_its_nested_part_under_its_field():
    assert details_for(Order, {"note": "soon"}) == {
        "body": ["Pick a delivery day.", "Or pick up."],
        "note": ["Say when."],
    }
