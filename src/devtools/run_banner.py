"""What `make run` prints once it answers (devtools.runner): one write, so no log line splits it;
the demo admin last, in a box, where a newcomer sees it."""

from __future__ import annotations

import os

from . import local_server, serverless_config


def banner_box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "─" * (width + 2)
    return "\n".join([f"┌{rule}┐", *(f"│ {line:<{width}} │" for line in lines), f"└{rule}┘"])


def lines(
    *,
    backend: str,
    aws_url: str | None,
    job_names: list[str],
    notes: list[str],
    dist: str | None,
    log: str | None,
    admin_line: str | None,
) -> list[str]:
    """dist: the folder served as it is, or None when the storefront builds in the background."""
    url = os.environ["LOCAL_API_URL"]
    workers = os.environ.get("WORKERS") or os.cpu_count() or 2
    out = [f"Shop API on {url}  ({workers} workers; table {os.environ['TABLE_NAME']} on {backend})"]
    out.append(f"  {url}/ links the API docs ({url}/docs), the spec (/openapi.json) and /health")
    site = os.environ["LOCAL_WEB_URL"]
    out.append(
        f"Storefront on {site} ({dist})"
        if dist
        else f"Storefront on {site} (web/dist, built in the background: it says when)"
    )
    out.append(f"Local AWS endpoint (S3, SNS, SQS, SES): {aws_url}")
    if job_names:
        out.append("Background jobs: " + ", ".join(job_names))
    out += notes
    out.append("Routes (make routes prints them again):")
    out += local_server.route_lines(serverless_config.routes())
    out.append(f"Request logs: {log} (LOG_TO_CONSOLE=1 shows them here)" if log else "Request logs: here")
    out.append("Editing a file under src/ reloads the workers. Ctrl-C stops; the data stays (make reset clears it).")
    if admin_line:
        out.append(banner_box([admin_line, "Sign in with it on the storefront or POST /auth/login."]))
    return out
