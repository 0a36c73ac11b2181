"""`deskmetrics serve`, `deskmetrics links` and `deskmetrics staff`: the stakeholder app and
who may open it.

Client links print once, when created; the token is never stored, only its id, client,
expiry and who made or revoked it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

DEFAULT_BASE_URL = "http://127.0.0.1:8866"


def add_serving_parsers(sub, common: Callable[[argparse.ArgumentParser], None]) -> None:
    serve = sub.add_parser("serve", help="serve the dashboards (staff login, client links)")
    common(serve)
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen on every address")
    serve.add_argument(
        "--pool-size", type=int, default=1, help="preheated kernels per tab (default 1)"
    )
    serve.add_argument(
        "--cull-minutes", type=int, default=30, help="close a page idle this long (default 30)"
    )
    serve.add_argument(
        "--timeout", type=int, default=120, help="seconds one notebook cell may run (default 120)"
    )
    serve.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a reverse proxy on this machine forwards to the app: take each client's address "
        "from its X-Real-Ip / X-Forwarded-For (keep --host 127.0.0.1)",
    )

    links = sub.add_parser("links", help="per-client signed links: create, list, revoke")
    lsub = links.add_subparsers(dest="links_command", required=True)
    create = lsub.add_parser("create", help="print a new link that shows one client only")
    create.add_argument("--client", required=True, metavar="ID", help="client id")
    create.add_argument("--days", type=float, default=30, help="valid for (default 30 days)")
    create.add_argument("--note", help="who it is for, shown in `links list`")
    create.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help=f"the app's address ({DEFAULT_BASE_URL})"
    )
    common(create)
    listing = lsub.add_parser("list", help="every link with its client, expiry and state")
    listing.add_argument("--client", metavar="ID")
    revoke = lsub.add_parser("revoke", help="refuse a link from now on")
    revoke.add_argument("link_id", metavar="LINK_ID")

    staff = sub.add_parser("staff", help="staff logins: add (or reset), remove, list")
    ssub = staff.add_subparsers(dest="staff_command", required=True)
    add = ssub.add_parser("add", help="add a login or set its password (asked for, not echoed)")
    add.add_argument("username")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    remove = ssub.add_parser("remove", help="delete a login")
    remove.add_argument("username")
    ssub.add_parser("list", help="the staff logins")


def run_serve(args) -> int:
    from deskmetrics.serving import serve

    return serve(
        port=args.port,
        host=args.host,
        warehouse=args.warehouse,
        config=args.config,
        pool_size=args.pool_size,
        cull_minutes=args.cull_minutes,
        timeout_seconds=args.timeout,
        behind_proxy=args.behind_proxy,
    )


def run_links(args) -> int:
    from deskmetrics.access.store import AccessStore
    from deskmetrics.health.audit import default_actor

    store = AccessStore()
    if args.links_command == "create":
        _check_client(args)
        link, token = store.create_link(
            args.client, days=args.days, actor=default_actor(), note=args.note
        )
        url = f"{args.base_url.rstrip('/')}/link/{token}"
        print(
            f"link {link.link_id} for client {link.client_id}, valid until "
            f"{link.expires_at:%Y-%m-%d %H:%M} UTC:\n{url}"
        )
        return 0
    if args.links_command == "revoke":
        link = store.revoke_link(args.link_id, actor=default_actor())
        print(
            f"link {link.link_id} (client {link.client_id}) revoked at "
            f"{link.revoked_at:%Y-%m-%d %H:%M} UTC by {link.revoked_by}"
        )
        return 0
    for link in store.links(args.client):
        state = f"revoked {link.revoked_at:%Y-%m-%d}" if link.revoked_at else "active"
        print(
            f"{link.link_id}  client {link.client_id:<12} expires {link.expires_at:%Y-%m-%d %H:%M}"
            f"  {state:<18} by {link.created_by}" + (f"  ({link.note})" if link.note else "")
        )
    return 0


def run_staff(args) -> int:
    from deskmetrics.access.store import AccessStore
    from deskmetrics.health.audit import default_actor

    store = AccessStore()
    if args.staff_command == "add":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.username}: ")
            if getpass.getpass("again: ") != password:
                print("error: the passwords differ", file=sys.stderr)
                return 2
        store.add_staff(args.username, password, actor=default_actor())
        print(f"staff login {args.username} saved")
        return 0
    if args.staff_command == "remove":
        store.remove_staff(args.username)
        print(f"staff login {args.username} removed")
        return 0
    for name in store.staff():
        print(name)
    return 0


def _check_client(args) -> None:
    """A link for a client the warehouse does not know would show an empty app: refuse it."""
    from sqlalchemy import select

    from deskmetrics.errors import InputError
    from deskmetrics.schema.tables import clients
    from deskmetrics.warehouse.engine import Warehouse

    with Warehouse(args.warehouse).reading() as conn:
        known = conn.execute(select(clients.c.client_id).where(clients.c.client_id == args.client))
        if known.first() is None:
            raise InputError(f"no client with id {args.client!r} in the warehouse")
