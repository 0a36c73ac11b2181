"""Who may see what: MSP staff (password or token) and per-client signed links.

Pure checks live here so the web server and the kernels apply the same rules; nothing here
knows about Tornado or Voilà.
"""

from deskmetrics.access.keys import SECRET_ENV, STAFF_TOKEN_ENV, secret_key, staff_token
from deskmetrics.access.links import LinkClaims, read_link, sign_link
from deskmetrics.access.store import AccessStore, ClientLink
from deskmetrics.access.viewer import Viewer, viewer_from_query

__all__ = [
    "SECRET_ENV",
    "STAFF_TOKEN_ENV",
    "AccessStore",
    "ClientLink",
    "LinkClaims",
    "Viewer",
    "read_link",
    "secret_key",
    "sign_link",
    "staff_token",
    "viewer_from_query",
]
