"""Settings read once from the environment and validated.

A missing or short JWT secret is a start-up error, never a fallback: there is no
default secret anywhere in this code base.
"""

# Annotations evaluated as written (no __future__ import): a named tuple compiles each string
# annotation it is given, which doubled the cost of making it at every cold start.

import functools
import math
import os
import time
from typing import Any, NamedTuple

from . import access_denials, aws
from .limits import DEFAULT_CURRENCY

MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service."""


class Settings(NamedTuple):
    table_name: str
    region: str
    dynamodb_endpoint_url: str | None
    cors_allowed_origins: frozenset[str]
    jwt_ttl_seconds: int
    jwt_issuer: str
    jwt_audience: str
    bcrypt_rounds: int
    log_level: str


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def required(name: str) -> str:
    """A variable a function cannot run without (the topic's ARN, the mail sender)."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


@functools.cache
def settings() -> Settings:
    table_name = os.environ.get("TABLE_NAME", "").strip()
    if not table_name:
        raise ConfigError("TABLE_NAME is not set")
    origins = frozenset(
        origin.strip().rstrip("/") for origin in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if origin.strip()
    )
    if "*" in origins:
        raise ConfigError("CORS_ALLOWED_ORIGINS must list origins; '*' is not allowed")
    return Settings(
        table_name=table_name,
        region=aws.region(),
        dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        cors_allowed_origins=origins,
        jwt_ttl_seconds=_int("JWT_TTL_SECONDS", 3600, 60, 7 * 24 * 3600),
        jwt_issuer=os.environ.get("JWT_ISSUER", "shop-api"),
        jwt_audience=os.environ.get("JWT_AUDIENCE", "shop-api-clients"),
        bcrypt_rounds=_int("BCRYPT_ROUNDS", 12, 4, 16),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    )


class ThrottleSettings(NamedTuple):
    login_max_failures: int  # per email and source address
    login_email_max_failures: int  # per email, from every address
    login_lockout_seconds: int
    login_trust_seconds: int
    login_ip_limit: int
    register_ip_limit: int
    ip_window_seconds: int
    reset_ip_limit: int  # password-reset requests per source address per ip window
    reset_email_limit: int  # reset emails per address (known or not) per reset window
    reset_email_window_seconds: int


@functools.cache
def throttle_settings() -> ThrottleSettings:
    """Login lockout and per-address limits (see docs/SECURITY.md for the reasoning)."""
    return ThrottleSettings(
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5, 1, 100),
        login_email_max_failures=_int("LOGIN_EMAIL_MAX_FAILURES", 50, 1, 100_000),
        login_lockout_seconds=_int("LOGIN_LOCKOUT_SECONDS", 15 * 60, 60, 24 * 3600),
        # At least a day, so a trust mark always outlives a lockout window (storage.throttles).
        login_trust_seconds=_int("LOGIN_TRUST_SECONDS", 30 * 24 * 3600, 24 * 3600, 365 * 24 * 3600),
        login_ip_limit=_int("LOGIN_IP_LIMIT", 60, 1, 100_000),
        register_ip_limit=_int("REGISTER_IP_LIMIT", 20, 1, 100_000),
        ip_window_seconds=_int("IP_LIMIT_WINDOW_SECONDS", 5 * 60, 1, 24 * 3600),
        reset_ip_limit=_int("PASSWORD_RESET_IP_LIMIT", 20, 1, 100_000),
        reset_email_limit=_int("PASSWORD_RESET_EMAIL_LIMIT", 3, 1, 1_000),
        reset_email_window_seconds=_int("PASSWORD_RESET_EMAIL_WINDOW_SECONDS", 3600, 60, 24 * 3600),
    )


class ResetSettings(NamedTuple):
    storefront_url: str  # the reset link points at its /reset-password page
    min_seconds: float  # every reset request takes at least this long, known email or not


def reset_settings() -> ResetSettings:
    """Only the password-reset request reads these (two variables, at each request: no cache to
    forget); a missing storefront is a deployment error."""
    url = os.environ.get("STOREFRONT_URL", "").strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ConfigError("STOREFRONT_URL must be the storefront's http(s) address")
    return ResetSettings(url, _int("PASSWORD_RESET_MIN_MS", 800, 0, 5_000) / 1000)


class MediaSettings(NamedTuple):
    bucket: str
    base_url: str  # where images/ is served: the CloudFront domain on AWS, /media on the local server
    upload_endpoint: str | None  # the local server's own S3 form endpoint; None on AWS (S3 itself)


@functools.cache
def media_settings() -> MediaSettings:
    """Only the functions that touch product images read these, each only what it uses: the
    bucket (storage.media.media() requires it) or the base URL (for image URLs; required then)."""
    return MediaSettings(
        bucket=os.environ.get("MEDIA_BUCKET", "").strip(),
        base_url=os.environ.get("MEDIA_BASE_URL", "").strip().rstrip("/"),
        upload_endpoint=os.environ.get("MEDIA_UPLOAD_ENDPOINT", "").strip().rstrip("/") or None,
    )


class PaymentSettings(NamedTuple):
    provider: str  # "fake" or "stripe"
    currency: str
    window_seconds: int  # an unpaid order expires after this long
    return_window_days: int  # a delivered order may be returned for this long
    return_url: str | None  # stripe's return_url after 3-D Secure; `{orderId}` is the order's id
    stripe_api_base: str | None  # only to point the stripe library at a stand-in in tests


@functools.cache
def payment_settings() -> PaymentSettings:
    provider = os.environ.get("PAYMENT_PROVIDER", "fake").strip() or "fake"
    if provider not in ("fake", "stripe"):
        raise ConfigError(f"PAYMENT_PROVIDER must be fake or stripe, got {provider!r}")
    currency = os.environ.get("CURRENCY", "").strip().lower() or DEFAULT_CURRENCY
    if len(currency) != 3 or not currency.isalpha():
        raise ConfigError(f"CURRENCY must be a three-letter ISO code, got {currency!r}")
    from .money import MINOR_UNITS

    if currency not in MINOR_UNITS:  # its minor unit unknown: never charged with guessed decimals
        raise ConfigError(f"CURRENCY {currency!r} is not one this shop knows the minor unit of")
    return PaymentSettings(
        provider=provider,
        currency=currency,
        window_seconds=_int("PAYMENT_WINDOW_SECONDS", 1800, 1, 7 * 24 * 3600),
        return_window_days=_int("RETURN_WINDOW_DAYS", 30, 0, 365),
        return_url=_return_url(os.environ.get("PAYMENT_RETURN_URL", "").strip()),
        stripe_api_base=os.environ.get("STRIPE_API_BASE") or None,
    )


def reconcile_lookback_hours() -> int:
    """How far back the scheduled reconciliation looks (its schedule's period, plus overlap)."""
    return _int("RECONCILE_LOOKBACK_HOURS", 26, 1, 24 * 35)


def _return_url(url: str) -> str | None:
    if url and not url.startswith("https://"):  # Stripe takes only https outside test mode
        raise ConfigError(f"PAYMENT_RETURN_URL must be an https URL, got {url!r}")
    return url or None


# A secret found is kept for the container's life; "not configured" only this long, so that
# creating the parameter heals warm containers within seconds, with no recycle.
MISSING_SECRET_SECONDS = 10.0
_monotonic = time.monotonic
_secrets: dict[str, tuple[str | None, float]] = {}  # name -> (value, until); until inf when found


def stripe_secret(name: str) -> str | None:
    """STRIPE_SECRET_KEY or STRIPE_WEBHOOK_SECRET: from the variable locally, on AWS from the
    SSM SecureString named by <name>_PARAMETER (read once per cold start, like the JWT secret).
    None when neither is set: the routes that need it answer 503, nothing falls back; that
    answer is remembered for MISSING_SECRET_SECONDS only."""
    cached = _secrets.get(name)
    if cached is not None and _monotonic() < cached[1]:
        return cached[0]
    value = os.environ.get(name, "")
    parameter = os.environ.get(name + "_PARAMETER", "")
    if not value and parameter:
        value = _read_secure_parameter(parameter, missing_ok=True) or ""
    _secrets[name] = (value or None, math.inf if value else _monotonic() + MISSING_SECRET_SECONDS)
    return value or None


def _check_secret(name: str, value: str) -> str:
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"{name} must be at least {MIN_SECRET_BYTES} bytes")
    return value


@functools.cache
def signing_secrets() -> tuple[str, str | None]:
    """(current, previous) JWT secrets; previous only verifies, during a rotation.

    Locally the secret comes from JWT_SECRET. On AWS it comes from the SSM SecureString
    named by JWT_SECRET_PARAMETER, read once per cold start, so it never sits in the
    CloudFormation template or the function's configuration.
    """
    current = os.environ.get("JWT_SECRET", "")
    previous = os.environ.get("JWT_SECRET_PREVIOUS", "") or None
    parameter = os.environ.get("JWT_SECRET_PARAMETER", "")
    if not current and parameter:
        found = _read_secure_parameters(parameter, parameter + "-previous")  # one round trip
        if parameter not in found:
            raise ConfigError(f"SSM parameter {parameter} does not exist")
        current, previous = found[parameter], previous or found.get(parameter + "-previous")
    if not current:
        raise ConfigError("JWT_SECRET (or JWT_SECRET_PARAMETER) is not set")
    _check_secret("JWT_SECRET", current)
    if previous:
        _check_secret("JWT_SECRET_PREVIOUS", previous)
    return current, previous


@functools.cache
def _ssm() -> Any:
    return aws.client("ssm", settings().region)


def _denied(error: BaseException, names: tuple[str, ...]) -> ConfigError | None:
    code = access_denials.reported(error, names)
    return ConfigError(f"SSM access denied to {', '.join(names)} ({code})") if code else None


def _read_secure_parameter(name: str, missing_ok: bool = False) -> str | None:
    """The SecureString's value (the Stripe secrets). A missing parameter is a deployment error;
    SSM failing or throttling (a burst of cold starts) is a 503 with Retry-After
    (aws.translated), retried at the next request, since nothing is cached until the read
    succeeds; a role denied the read is a 500 with a loud log line and a metric (_denied)."""
    client = _ssm()
    with aws.translated(refusals=True):
        try:
            return str(client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
        except client.exceptions.ParameterNotFound:
            if missing_ok:
                return None
            raise ConfigError(f"SSM parameter {name} does not exist") from None
        except Exception as error:
            denied = _denied(error, (name,))
            if denied is None:
                raise
            raise denied from None


def _read_secure_parameters(*names: str) -> dict[str, str]:
    """The SecureStrings' values by name, in one GetParameters call; a name that does not exist
    is left out. SSM failing or throttling is a 503 with Retry-After (aws.translated), retried at
    the next request, since nothing is cached until the read succeeds; a denied read is a 500
    (_denied)."""
    with aws.translated(refusals=True):
        try:
            found = _ssm().get_parameters(Names=list(names), WithDecryption=True)["Parameters"]
        except Exception as error:
            denied = _denied(error, names)
            if denied is None:
                raise
            raise denied from None
    return {parameter["Name"]: parameter["Value"] for parameter in found}


def reset() -> None:
    """Forget cached settings (tests and the local server change the environment)."""
    settings.cache_clear()
    signing_secrets.cache_clear()
    throttle_settings.cache_clear()
    media_settings.cache_clear()
    _ssm.cache_clear()
    payment_settings.cache_clear()
    _secrets.clear()
