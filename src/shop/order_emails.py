"""The customer's emails about an order event: subject, plain text and HTML, from the
event's order summary. Nothing secret is in an event, and nothing but the summary, the
customer's name and the order id goes into a message."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

# What each mailed event tells the customer: (subject, the sentence that opens the message).
WORDING = {
    "order.created": ("We received your order", "Thank you for your order. It is waiting for your payment."),
    "order.paid": ("Payment received for your order", "We received your payment. Your order is being prepared."),
    "order.cancelled": ("Your order was cancelled", "Your order was cancelled. Nothing will be charged or shipped."),
    "order.expired": (
        "Your order expired",
        "Your order expired because it was not paid in time. You can place it again at any time.",
    ),
    "order.shipped": ("Your order has shipped", "Good news: your order is on its way."),
    "order.delivered": ("Your order was delivered", "Your order was delivered. We hope you enjoy it."),
    # The subject and opening name the amount (render): "Refund of 12.50 USD issued".
    "order.refunded": ("Refund of {amount} issued", "A refund of {amount} is issued to your payment method."),
}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def _amount(value: str, currency: str) -> str:
    return f"{value} {currency.upper()}"


def _tracking(tracking: Any) -> list[str]:
    """The parcel's lines of a shipped order's email (none without tracking)."""
    if not isinstance(tracking, dict) or not tracking.get("number"):
        return []
    lines = [f"Tracking: {tracking.get('carrier') or 'parcel'} {tracking['number']}"]
    return lines + ([f"Track it at {tracking['url']}"] if tracking.get("url") else [])


def render(event: dict[str, Any], name: str) -> Email:
    """Raises KeyError for an event type that sends no email."""
    subject, opening = WORDING[event["type"]]
    order = event["order"]
    currency = order["currency"]
    if event["type"] == "order.cancelled" and order.get("refundedAmount"):  # a paid order: never "nothing charged"
        opening = (
            f"Your order was cancelled and will not be shipped. "
            f"A refund of {_amount(order['refundedAmount'], currency)} is issued to your payment method."
        )
    if event["type"] == "order.refunded":
        amount = _amount(event["refund"]["amount"], currency)
        subject, opening = subject.format(amount=amount), opening.format(amount=amount)
        if event["refund"].get("reason") == "return_received":
            opening += " We received the items you returned."
    reference = order["id"]
    total = _amount(order["totalAmount"], currency)
    lines = [(line["name"], line["quantity"], _amount(line["lineTotal"], currency)) for line in order.get("items", [])]
    parcel = _tracking(order.get("tracking"))
    text = "\n".join(
        [
            f"Hello {name},",
            "",
            opening,
            "",
            f"Order {reference}",
            *(f"  {quantity} x {title}: {amount}" for title, quantity, amount in lines),
            f"Total: {total}",
            *(["", *parcel] if parcel else []),
            "",
            "Thank you for shopping with us.",
        ]
    )
    rows = "".join(
        f"<tr><td>{escape(title)}</td><td>{quantity}</td><td>{escape(amount)}</td></tr>"
        for title, quantity, amount in lines
    )
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        f"<p>Hello {escape(name)},</p><p>{escape(opening)}</p>"
        f"<h2>Order {escape(reference)}</h2>"
        f"<table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th></tr></thead><tbody>{rows}</tbody>"
        f'<tfoot><tr><th colspan="2">Total</th><th>{escape(total)}</th></tr></tfoot></table>'
        + "".join(f"<p>{escape(line)}</p>" for line in parcel)
        + "<p>Thank you for shopping with us.</p></body></html>"
    )
    return Email(subject=f"{subject} ({reference[:8]})", text=text, html=html)
