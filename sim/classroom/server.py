"""``escalation-sim-app``: start the classroom web app with settings safe for a school network.

Solara's defaults suit a developer's laptop with internet, not a class: it checks PyPI for a new
version, sends usage telemetry, runs an asset proxy that fetches from a CDN (and whose cache a
single GET can delete), keeps a disconnected session for 24 hours and listens on whatever
``$HOST`` says. :func:`safe_environment` turns each of those off, and :func:`main` starts
Solara's server *in this process* (no child), so SIGTERM to ``escalation-sim-app`` stops it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import site
import sys
from collections.abc import Sequence
from pathlib import Path

MAX_SESSIONS = 40
"""Default cap on live sessions (browser tabs): a class of 30, the instructor, and spares."""

CULL_AFTER = "2m"
"""A closed or disconnected tab's session (and its model) is freed after this long."""

SESSIONS_VARIABLE = "ESCALATION_APP_MAX_SESSIONS"
"""Environment variable through which the cap reaches the app (read by :mod:`sim.classroom.app`)."""


def assets_folder() -> Path:
    """The front-end files Solara would fetch from a CDN, as installed by ``solara-assets``
    (the folder Solara's proxy uses as its cache, computed as Solara computes it)."""
    # found without importing solara, which reads its settings from the environment on import
    spec = importlib.util.find_spec("solara")
    origin = spec.origin if spec is not None and spec.origin else ""
    user_base = site.getuserbase()
    prefix = user_base if user_base and origin.startswith(user_base) else sys.prefix
    return Path(prefix) / "share" / "solara" / "cdn"


def safe_environment(max_sessions: int = MAX_SESSIONS) -> dict[str, str]:
    """Solara settings for a classroom: no request leaves the machine, every front-end file is
    served read-only from the installed package, idle sessions are freed within minutes.

    The asset proxy is off (it fetched missing files from cdn.jsdelivr.net, and a GET on a
    folder of its cache deleted the folder); Solara then takes assets from ``SOLARA_ASSETS_CDN``,
    which points at the package's copy served as static files.
    """
    folder = assets_folder()
    if not (folder / "requirejs@2.3.6").is_dir():
        raise SystemExit(f"Solara's front-end files are not in {folder}: pip install solara-assets")
    return {
        "SOLARA_ASSETS_PROXY": "false",
        "SOLARA_ASSETS_CDN": "/static/assets",
        "SOLARA_ASSETS_EXTRA_LOCATIONS": str(folder),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_KERNEL_CULL_TIMEOUT": CULL_AFTER,
        "SOLARA_THEME_SHOW_BANNER": "false",
        "SOLARA_THEME_TITLE": "Escalation: a classroom simulation",
        SESSIONS_VARIABLE: str(max_sessions),
    }


def solara_arguments(host: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    """``solara run`` arguments: production mode (no calls home to check the installation),
    no PyPI version check, no browser opened on the server."""
    app = Path(__file__).with_name("app.py")
    return [
        "run",
        str(app),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        *extra,
    ]


def parse_arguments(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    """Our options; anything else is passed on to ``solara run``."""
    parser = argparse.ArgumentParser(
        prog="escalation-sim-app",
        description="The classroom web app. Listens on 127.0.0.1 only, unless --host is given.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="e.g. 0.0.0.0 to serve a class")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=MAX_SESSIONS,
        help="most browser tabs served at once (others are told the class is full)",
    )
    return parser.parse_known_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run Solara's server on the app module in this process, with :func:`safe_environment`."""
    options, extra = parse_arguments(argv)
    os.environ.update(safe_environment(options.max_sessions))
    # Solara reads its settings from the environment when first imported: import it only now.
    from solara.__main__ import cli

    cli.main(args=solara_arguments(options.host, options.port, extra), prog_name="solara")


if __name__ == "__main__":
    main()
