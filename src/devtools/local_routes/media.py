"""S3's browser-upload endpoint and the CDN, played by the local server (never deployed).

`POST /_local/s3/<bucket>` takes the presigned POST that createImageUpload signs when
MEDIA_UPLOAD_ENDPOINT points here, and checks it as S3 does: the SigV4 signature of the
policy, its expiry, every condition (an exact field, `starts-with`, `content-length-range`),
no field the policy does not cover; refusals are S3's XML errors (AccessDenied,
SignatureDoesNotMatch, InvalidAccessKeyId, EntityTooLarge, EntityTooSmall, InvalidArgument).
An accepted file goes into the local S3 and its ObjectCreated event to processImage
(devtools/local_jobs/images.py). `GET /media/<key>` serves the renditions under images/, as
CloudFront does in front of the private bucket on AWS.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import html
import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ..local_jobs import images as image_job

UPLOAD_PREFIX = "/_local/s3"
MEDIA_PREFIX = "/media"
PREFIXES = (UPLOAD_PREFIX, MEDIA_PREFIX)  # each path, or under it (devtools.local_routes)
# S3 takes up to 5 GB in a form; this endpoint only ever signs up to 5 MiB, so it stops
# reading a body well past that (the answer is the same EntityTooLarge S3 would give).
MAX_BODY = 6 * 1024 * 1024
NOT_COVERED = frozenset({"policy", "x-amz-signature", "file"})
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


escape = functools.partial(html.escape, quote=False)  # XML text: &, < and > (no parsing here)


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(code)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _xml_error(error: S3Error) -> Response:
    parts = [f"<Code>{error.code}</Code>", f"<Message>{escape(error.message)}</Message>"]
    parts += [f"<{name}>{escape(str(value))}</{name}>" for name, value in error.extra.items()]
    parts.append(f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
    return Response(body, error.status, mimetype="application/xml")


def handle(request: Request) -> Response:
    try:
        if request.path == UPLOAD_PREFIX or request.path.startswith(UPLOAD_PREFIX + "/"):
            return _with_cors(request, _bucket_endpoint(request))
        if request.method not in ("GET", "HEAD"):
            raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        return _serve(request.path[len(MEDIA_PREFIX) :].lstrip("/"))
    except S3Error as error:
        return _xml_error(error)


def _bucket_endpoint(request: Request) -> Response:
    try:
        if request.method == "OPTIONS":
            return _preflight(request)
        if request.method != "POST":
            raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        return _upload(request, request.path[len(UPLOAD_PREFIX) :].strip("/"))
    except S3Error as error:
        return _xml_error(error)


# --- CORS: the bucket's rule (serverless.yml, MediaBucket.CorsConfiguration) ---------------
# AllowedMethods [POST], AllowedOrigins [the storefront], no AllowedHeaders, MaxAge 600. Locally
# the allowed origins are the API's (CORS_ALLOWED_ORIGINS), never "*".
CORS_METHODS = ("POST",)
CORS_MAX_AGE = "600"


def _allowed_origin(request: Request) -> str | None:
    origin = request.headers.get("Origin", "")
    allowed = {o.strip().rstrip("/") for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()}
    return origin if origin and origin != "*" and origin in allowed else None


def _preflight(request: Request) -> Response:
    """S3's answer to a CORS preflight: 200 with the rule's headers when one rule matches the
    origin, the method and every requested header; else 403."""
    origin = _allowed_origin(request)
    method = request.headers.get("Access-Control-Request-Method", "")
    asked = [h.strip() for h in request.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()]
    if not request.headers.get("Origin") or not method:
        raise S3Error(400, "BadRequest", "Insufficient information. Origin request header needed.")
    if origin is None or method not in CORS_METHODS or asked:
        raise S3Error(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed.", Method=method)
    return Response(
        b"",
        200,
        headers={"Access-Control-Allow-Methods": ", ".join(CORS_METHODS), "Access-Control-Max-Age": CORS_MAX_AGE},
    )


def _with_cors(request: Request, response: Response) -> Response:
    """The allowed origin echoed (never "*"), on the preflight and on the upload's answer, so the
    browser hands the status and body to the page; nothing for any other origin."""
    response.headers.add("Vary", "Origin")
    origin = _allowed_origin(request)
    if origin is not None and (request.method != "OPTIONS" or response.status_code == 200):
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


# --- the form upload ---------------------------------------------------------------------


# The key pairs this endpoint knows: access key id -> secret. By default the one every local
# process signs with; the IAM-enforced test run (tests/iam.py) puts its functions' keys here.
def _local_key_pair(access_key: str) -> str | None:
    return os.environ.get("AWS_SECRET_ACCESS_KEY", "") if access_key == os.environ.get("AWS_ACCESS_KEY_ID") else None


secret_for_access_key = _local_key_pair


def _secret_for(access_key: str) -> str:
    secret = secret_for_access_key(access_key)
    if secret is None:
        raise S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    return secret


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _check_signature(form: dict[str, str]) -> tuple[str, str]:
    """The signer's (access key, secret) once the policy's signature holds."""
    algorithm = form.get("x-amz-algorithm", "")
    if algorithm != "AWS4-HMAC-SHA256":
        raise S3Error(
            400, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported here.", ArgumentName="x-amz-algorithm"
        )
    try:
        access_key, date, region, service, terminal = form["x-amz-credential"].split("/")
    except ValueError:
        raise S3Error(400, "InvalidArgument", "Invalid credential.", ArgumentName="x-amz-credential") from None
    if service != "s3" or terminal != "aws4_request":
        raise S3Error(400, "InvalidArgument", "Invalid credential scope.", ArgumentName="x-amz-credential")
    secret = _secret_for(access_key)
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, terminal):
        key = _hmac(key, part)
    expected = hmac.new(key, form["policy"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, form.get("x-amz-signature", "")):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return access_key, secret


def _policy(form: dict[str, str]) -> dict[str, Any]:
    for field in ("key", "policy", "x-amz-signature", "x-amz-credential"):
        if not form.get(field):
            raise S3Error(400, "InvalidArgument", f"Bucket POST must contain a field named '{field}'.")
    signer = _check_signature(form)
    try:
        policy = json.loads(base64.b64decode(form["policy"], validate=True))
        expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError):
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if datetime.now(UTC) >= expires:
        raise S3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    return {"conditions": conditions, "signer": signer}


def _denied(condition: Any) -> S3Error:
    return S3Error(
        403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    )


def _check_conditions(conditions: list[Any], form: dict[str, str], size: int) -> None:
    covered: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict):
            ((name, value),) = condition.items()
            covered.add(name.lower())
            if form.get(name.lower()) != value:
                raise _denied(condition)
        elif condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise S3Error(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    ProposedSize=size,
                    MaxSizeAllowed=high,
                )
            if size < low:
                raise S3Error(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    ProposedSize=size,
                    MinSizeAllowed=low,
                )
        elif condition[0] in ("eq", "starts-with"):
            name = str(condition[1]).lstrip("$").lower()
            covered.add(name)
            value = form.get(name, "")
            holds = value == condition[2] if condition[0] == "eq" else value.startswith(condition[2])
            if not holds:
                raise _denied(condition)
        else:
            raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition.")
    extra = sorted(f for f in form if f not in covered | NOT_COVERED and not f.startswith("x-ignore-"))
    if extra:
        raise S3Error(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


def _upload(request: Request, bucket: str) -> Response:
    if (request.content_length or 0) > MAX_BODY:
        raise S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    request.max_content_length = MAX_BODY
    request.max_form_memory_size = MAX_BODY  # werkzeug counts a small file part as form memory
    try:
        form = {name.lower(): value for name, value in request.form.items()}
        upload = request.files.get("file")
    except Exception:  # werkzeug's RequestEntityTooLarge, a malformed multipart body
        raise S3Error(
            400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."
        ) from None
    if upload is None:
        raise S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.", ArgumentName="file")
    data = upload.stream.read(MAX_BODY + 1)
    form["bucket"] = bucket
    policy = _policy(form)
    _check_conditions(policy["conditions"], form, len(data))
    # S3 authorizes a form upload as whoever signed its policy (s3:PutObject on the key): so
    # does this endpoint, by storing the object with the signer's credentials.
    access_key, secret = policy["signer"]
    s3 = image_job._s3(aws_access_key_id=access_key, aws_secret_access_key=secret)
    content_type = form.get("content-type", "binary/octet-stream")
    try:
        stored = s3.put_object(Bucket=bucket, Key=form["key"], Body=data, ContentType=content_type)
    except s3.exceptions.NoSuchBucket:
        raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist") from None
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") != "AccessDenied":
            raise
        raise S3Error(403, "AccessDenied", "Access Denied") from None
    if form["key"].startswith("uploads/"):  # the bucket's notification filter (serverless.yml)
        image_job.notify(
            image_job.s3_event(bucket, form["key"], len(data), stored["ETag"].strip('"'), request.remote_addr or "")
        )
    status = int(form.get("success_action_status") or 204)
    status = status if status in (200, 201, 204) else 204
    headers = {"ETag": stored["ETag"], "Location": f"{request.host_url}{bucket}/{form['key']}"}
    if status == 201:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
            f"<Location>{escape(headers['Location'])}</Location><Bucket>{escape(bucket)}</Bucket>"
            f"<Key>{escape(form['key'])}</Key><ETag>{escape(stored['ETag'])}</ETag></PostResponse>"
        )
        return Response(body, 201, headers=headers, mimetype="application/xml")
    return Response(b"", status, headers=headers)


# --- the CDN -------------------------------------------------------------------------------


def _serve(key: str) -> Response:
    from shop.storage import keys

    if not key.startswith(keys.RENDITIONS) or ".." in key.split("/"):
        raise S3Error(403, "AccessDenied", "Access Denied")  # what the bucket policy says to CloudFront
    s3 = image_job._s3()
    try:
        found = s3.get_object(Bucket=image_job.bucket(), Key=key)
    except s3.exceptions.NoSuchKey:
        raise S3Error(404, "NoSuchKey", "The specified key does not exist.") from None
    response = Response(found["Body"].read(), 200, mimetype=found.get("ContentType") or "application/octet-stream")
    response.headers.update(MEDIA_HEADERS)
    response.headers["Cache-Control"] = found.get("CacheControl") or "public, max-age=31536000, immutable"
    response.headers["ETag"] = found["ETag"]
    return response
