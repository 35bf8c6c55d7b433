# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options shared by every pbguard.pocketbase module."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the PocketBase server (scheme, host and port, no path).
      - If not set, the environment variable E(POCKETBASE_URL) is used.
    type: str
    default: http://127.0.0.1:8090
  email:
    description:
      - Email of a superuser (PocketBase 0.23+) or admin (PocketBase 0.22) to log in with.
      - If not set, the environment variable E(POCKETBASE_EMAIL) is used.
      - Needs O(password). Not needed when O(token) is given.
    type: str
  password:
    description:
      - Password of the superuser/admin given in O(email).
      - If not set, the environment variable E(POCKETBASE_PASSWORD) is used.
      - Never logged and never returned.
    type: str
  token:
    description:
      - A superuser/admin auth token used instead of O(email) and O(password), for example an
        impersonation token, or the token obtained after completing a multi-factor login.
      - If not set, the environment variable E(POCKETBASE_TOKEN) is used.
      - Never logged and never returned.
    type: str
  timeout:
    description:
      - Timeout in seconds of each whole HTTP request (connect, headers and body together); a server
        that answers slowly, even one byte at a time, is cut off at this deadline.
      - Connection errors and timed-out GET requests are retried twice (0.5 s, then 1 s apart), so one
        API call takes at most 3 x O(timeout) + 1.5 seconds. A timed-out write is not resent.
    type: int
    default: 10
  validate_certs:
    description:
      - Verify the server's TLS certificate when O(url) uses C(https).
      - Prefer O(ca_path) over V(false) for a server whose certificate comes from your own CA.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificate(s) that signed the server's certificate, trusted instead of the
        system store, for example the internal CA of the C(pocketbase_proxy) role
        (C(/etc/pbguard/proxy-tls/ca.crt), or Caddy's local CA root).
      - If not set, the environment variable E(POCKETBASE_CA_PATH) is used.
    type: path
  api_generation:
    description:
      - Which PocketBase API generation to speak.
      - V(auto) detects it from the API shape with one unauthenticated request.
      - V(v022) is PocketBase 0.22 and older (admins, C(schema), C(@request.data)); V(v023) is
        PocketBase 0.23 and newer (C(_superusers) collection, C(fields), C(@request.body)).
      - Forcing a generation the server does not speak fails with a message naming both.
    type: str
    choices: [auto, v022, v023]
    default: auto
  max_response_mb:
    description:
      - Largest response body accepted from the server, in MiB; reading stops there with an error.
      - The default is far above a full collections page of any real PocketBase.
    type: int
    default: 64
notes:
  - Redirects are followed only within the same scheme, host and port as O(url). A redirect to any
    other origin fails naming both URLs, so credentials never leave the server they belong to.
  - HTTP goes through C(ansible.module_utils.urls); nothing extra is needed on the target.
  - Error messages name what failed and how to fix it (wrong credentials, unreachable server,
    MFA required, IP not in C(superuserIPs), 0.22 vs 0.23+ mismatch); secrets never appear in them.
"""
