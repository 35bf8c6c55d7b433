# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBase HTTP API client (private to pbguard.pocketbase).

Only ``ansible.module_utils.urls`` is used for HTTP, so nothing has to be installed on the target.
Secrets (password, tokens) never appear in exception messages: every message goes through
``PocketBaseClient._scrub``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import threading
import time

from urllib.parse import quote, urlencode

from ansible.module_utils.basic import env_fallback

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _compat, _http
from ansible_collections.pbguard.pocketbase.plugins.module_utils._background import Background
from ansible_collections.pbguard.pocketbase.plugins.module_utils._api_errors import (
    MASK, PocketBaseError, _envelope, _error_message, _flatten_validation, _without,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._pb_version import (
    describe_generation, generation_of,
)
# re-exported: modules, the audit and tests import these names from _api
from ansible_collections.pbguard.pocketbase.plugins.module_utils._api_errors import ERROR_KINDS  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pbguard.pocketbase.plugins.module_utils._pb_version import (  # noqa: F401 pylint: disable=unused-import
    CLI_VERSION_RE, host_version, parse_cli_version,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._version import version_tuple  # noqa: F401 pylint: disable=unused-import

DEFAULT_URL = "http://127.0.0.1:8090"
GENERATIONS = ("v022", "v023")
VERSION_RE = re.compile(r"PocketBase v(\d+\.\d+\.\d+)")
ASSET_RE = re.compile(r"""(?:\./|/_/)?assets/(index-[A-Za-z0-9_.-]+\.js)""")
PER_PAGE = 500


def connection_argument_spec():
    """Shared connection options; matches the ``pbguard.pocketbase.connection`` doc fragment."""
    return dict(
        url=dict(type="str", default=DEFAULT_URL, fallback=(env_fallback, ["POCKETBASE_URL"])),
        email=dict(type="str", fallback=(env_fallback, ["POCKETBASE_EMAIL"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["POCKETBASE_PASSWORD"])),
        token=dict(type="str", no_log=True, fallback=(env_fallback, ["POCKETBASE_TOKEN"])),
        timeout=dict(type="int", default=10),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path", fallback=(env_fallback, ["POCKETBASE_CA_PATH"])),
        api_generation=dict(type="str", default="auto", choices=["auto", "v022", "v023"]),
        max_response_mb=dict(type="int", default=_http.DEFAULT_MAX_BYTES // (1024 * 1024)),
    )


class PocketBaseClient(object):
    """Client for one PocketBase server. See docs/development.md for the contract."""

    def __init__(self, url=DEFAULT_URL, email=None, password=None, token=None, timeout=10,
                 validate_certs=True, retries=2, generation=None, retry_delay=0.5, ca_path=None,
                 max_bytes=_http.DEFAULT_MAX_BYTES):
        self.url = (url or DEFAULT_URL).rstrip("/")
        self.email = email
        self._password = password
        self._given_token = token
        self._token = token
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path or None  # PEM CA bundle trusted for this server (e.g. the proxy's internal CA)
        self.retries = max(0, int(retries))
        self.retry_delay = retry_delay
        self.max_bytes = int(max_bytes)
        if generation in (None, "", "auto"):
            generation = None
        elif generation not in GENERATIONS:
            raise ValueError("generation must be one of auto, v022, v023")
        self._forced_generation = generation
        self._generation = generation
        self._version = None
        self._version_checked = False
        self.login_retries = 3       # extra tries of a password login answered with HTTP 429
        self.login_retry_delay = 1.5
        self._public_cache = {}
        self.calls = []  # [(method, path, status)] : never bodies, never query values with secrets
        self._local = threading.local()  # a background call records its requests apart (version_in_background)

    # ------------------------------------------------------------------ helpers
    def _scrub(self, text):
        if text is None:
            return text
        text = str(text)
        for secret in (self._password, self._given_token, self._token):
            if secret and len(secret) >= 3:
                text = text.replace(secret, MASK)
        return text

    def _error(self, kind, message, status=None, hint=None, data=None):
        return PocketBaseError(kind, self._scrub(message), status=status, hint=self._scrub(hint),
                               data=json.loads(self._scrub(json.dumps(data))) if data else data)

    def _raw(self, method, path, body=None, query=None, headers=None, accept_json=True):
        """One HTTP exchange with bounded retries on connection errors.

        Returns ``(status, parsed_or_text, headers)``; HTTP errors are returned, not raised.
        """
        url = self.url + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        hdrs = {"Accept": "application/json" if accept_json else "*/*"}
        data = None
        if isinstance(body, bytes):
            data = body  # pre-encoded (a multipart upload): the caller's headers name the Content-Type
        elif body is not None:
            data = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        attempts = self.retries + 1
        for attempt in range(attempts):
            try:
                resp = _http.exchange(url, method=method, data=data, headers=hdrs, timeout=self.timeout,
                                      validate_certs=self.validate_certs, max_bytes=self.max_bytes,
                                      ca_path=self.ca_path)
                status, raw, resp_headers = resp.status, resp.body, resp.headers
                break
            except _http.TransportError as err:
                # retry connection errors; a timed-out non-GET might have been applied: do not resend
                retry = err.kind == "unreachable" or (err.kind == "timeout" and method == "GET")
                if attempt + 1 < attempts and retry:
                    time.sleep(self.retry_delay * (attempt + 1))
                    continue
                self._record(method, path, None)
                raise self._transport_error(err, method, path, attempt + 1)
        self._record(method, path, status)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
        parsed = text
        if accept_json and text:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
        elif accept_json:
            parsed = None
        return status, parsed, resp_headers

    def _transport_error(self, err, method, path, attempts):
        if err.kind == "redirect":
            return self._error("protocol", "%s %s: %s" % (method, path, err.message),
                               hint="Set `url` to the address PocketBase answers on directly (the final "
                                    "scheme, host and port), not one that redirects elsewhere.")
        if err.kind == "too_large":
            return self._error("protocol", "%s %s: %s" % (method, path, err.message),
                               hint="Raise max_response_mb if this server really returns that much, "
                                    "or check that `url` points at PocketBase.")
        hint = ("Check `url` (%s), that `pocketbase serve` is running and listening on that "
                "address, and that no firewall or proxy is in the way." % self.url)
        hint = _http.tls_hint(err.message) or hint
        if err.kind == "timeout":
            hint = ("The server accepted the connection but did not answer in full within timeout=%ss; "
                    "check the server's load, or raise `timeout`." % self.timeout)
        return self._error("unreachable", "Cannot reach PocketBase at %s (%s %s): %s after %d attempt(s)."
                           % (self.url, method, path, err.message.rstrip("."), attempts), hint=hint)

    def _auth_header(self):
        token = self.token
        return {"Authorization": token} if token else {}

    # ------------------------------------------------------------------ generation / version
    @property
    def generation(self):
        """``'v022'`` or ``'v023'``: forced by the caller, else detected from the API shape."""
        if self._generation is None:
            self._generation = self.detect_generation()
        return self._generation

    def detect_generation(self):
        """Detect the API generation with one unauthenticated request (no version needed).

        ``GET /api/collections/_superusers/auth-methods`` is 200 on 0.23+; on 0.22 the collection
        does not exist and the error uses the 0.22 ``code`` envelope.
        """
        status, body, _h = self._raw("GET", "/api/collections/_superusers/auth-methods")
        if status == 200 and isinstance(body, dict):
            self._public_cache["_superusers/auth-methods"] = body
            return "v023"
        env = _envelope(body)
        if env:
            return env
        # Not a PocketBase answer (e.g. a proxy blocking the superuser API): try the dashboard
        # fingerprint, then the shape of the unauthenticated health answer (0.22 adds canBackup).
        gen = generation_of(self.version)
        if gen:
            return gen
        h_status, h_body, _h = self._raw("GET", "/api/health")
        if h_status == 200 and isinstance(h_body, dict) and isinstance(h_body.get("data"), dict):
            return "v022" if "canBackup" in h_body["data"] else "v023"
        raise self._error(
            "protocol",
            "%s does not answer like a PocketBase API (GET /api/collections/_superusers/auth-methods "
            "returned HTTP %s, GET /api/health HTTP %s, without PocketBase JSON)." % (self.url, status, h_status),
            status=status,
            hint="Point `url` at the PocketBase server itself (scheme, host and port, no path), not at "
                 "another web server; if a proxy blocks these paths, connect to PocketBase directly "
                 "(e.g. http://127.0.0.1:8090 on the host) or set api_generation.")

    @property
    def version(self):
        """``'X.Y.Z'`` from the /_/ dashboard asset fingerprint, or None (cached)."""
        if not self._version_checked:
            self._version_checked = True
            try:
                self._version = self.detect_version()
            except PocketBaseError:
                self._version = None
        return self._version

    def version_in_background(self):
        """Start reading :attr:`version` in a thread (its two GETs overlap, e.g., the password login's hashing
        on the server); the returned handle's ``result()`` is the version. ``calls`` keeps the order of a
        sequential run: the version's requests are inserted where they were started (one slice assignment,
        atomic under the GIL, while this thread only appends after that point)."""
        at = len(self.calls)

        def read():
            self._local.calls = []
            try:
                return self.version
            finally:
                self.calls[at:at] = self._local.calls
                self._local.calls = None

        return Background(read)

    def _record(self, method, path, status):
        calls = getattr(self._local, "calls", None)
        (self.calls if calls is None else calls).append((method, path, status))

    def detect_version(self):
        """Read ``PocketBase vX.Y.Z`` from ``/_/assets/index-*.js`` (two unauthenticated GETs)."""
        status, html, _h = self._raw("GET", "/_/", accept_json=False)
        if status != 200 or not isinstance(html, str):
            return None
        match = VERSION_RE.search(html)
        if match:
            return match.group(1)
        for asset in ASSET_RE.findall(html):
            status, js, _h = self._raw("GET", "/_/assets/" + asset, accept_json=False)
            if status == 200 and isinstance(js, str):
                match = VERSION_RE.search(js)
                if match:
                    return match.group(1)
        return None

    def require_generation(self, generation, what="this operation"):
        """Raise ``version_mismatch`` unless the server is of ``generation``."""
        if self.generation != generation:
            ver = self.version
            raise self._error(
                "version_mismatch",
                "%s needs %s, but %s is %s%s." % (
                    what, describe_generation(generation), self.url, describe_generation(self.generation),
                    " (v%s)" % ver if ver else ""),
                hint="Upgrade the server (see the pocketbase role) or use a read-only module such as "
                     "pbguard.pocketbase.pocketbase_info.")

    # ------------------------------------------------------------------ auth
    @property
    def auth_path(self):
        if self.generation == "v022":
            return "/api/admins/auth-with-password"
        return "/api/collections/_superusers/auth-with-password"

    @property
    def token(self):
        if self._token is None and self.email and self._password:
            self._token = self.login()
        return self._token

    def login(self):
        """Password login as 0.22 admin or 0.23+ superuser; returns the token."""
        if not (self.email and self._password):
            raise self._error("auth_failed", "No superuser credentials given for %s." % self.url,
                              hint="Set email and password (or POCKETBASE_EMAIL/POCKETBASE_PASSWORD), "
                                   "or a token (POCKETBASE_TOKEN).")
        path = self.auth_path
        status, body = self._post_login(path, self.email, self._password)
        if status == 200 and isinstance(body, dict) and body.get("token"):
            return body["token"]
        if status == 401 and isinstance(body, dict) and body.get("mfaId"):
            raise self._error(
                "mfa_required",
                "Superuser %s at %s has multi-factor authentication enabled: the password alone "
                "returned an mfaId but no token." % (self.email, self.url),
                status=status,
                hint="Complete the MFA login (request-otp + auth-with-otp with the mfaId) or create a "
                     "token on the host (`pocketbase superuser otp EMAIL`, or an impersonation token) "
                     "and pass it as `token` / POCKETBASE_TOKEN.")
        self._raise_for(status, body, "POST", path, login=True)
        raise self._error("protocol", "Login at %s%s returned HTTP %s without a token."
                          % (self.url, path, status), status=status)

    def connect(self):
        """Detect the generation and log in (when credentials exist); raises PocketBaseError."""
        gen = self.generation
        if self._forced_generation:
            # verify the forced generation once, so a mismatch is reported clearly
            detected = self.detect_generation()
            if detected != gen:
                raise self._error(
                    "version_mismatch",
                    "api_generation=%s was requested, but %s answers like %s." % (
                        gen, self.url, describe_generation(detected)),
                    hint="Set api_generation to %s or to auto (detect from the API shape)." % detected)
        if self._given_token is None and self.email and self._password:
            self.token  # pylint: disable=pointless-statement
        return self

    def _post_login(self, path, identity, password, headers=None):
        """POST a password login; HTTP 429 (rate limit on `*:auth`) is retried, then returned."""
        for attempt in range(self.login_retries + 1):
            status, body, _h = self._raw("POST", path, {"identity": identity, "password": password},
                                         headers=headers)
            if status != 429 or attempt >= self.login_retries:
                return status, body
            time.sleep(self.login_retry_delay)
        return status, body  # pragma: no cover

    def try_password(self, collection, identity, password, as_superuser=False):
        """Check a password without keeping the token: ``"ok"``, ``"mfa"`` (401 with mfaId) or ``"wrong"``.

        ``collection`` is an auth collection name; ``"_superusers"`` means the 0.22 admins API on 0.22.
        With ``as_superuser`` the probe carries this client's superuser session (logging in first
        when needed), so PocketBase's rate limits, which exempt superuser requests, do not apply;
        otherwise it is a guest request and HTTP 429 is retried like a login. Other failures raise
        PocketBaseError.
        """
        if collection == "_superusers" and self.generation == "v022":
            path = "/api/admins/auth-with-password"
        else:
            path = "/api/collections/%s/auth-with-password" % quote(collection, safe="")
        headers = self._auth_header() if as_superuser else None
        try:
            status, body = self._post_login(path, identity, password, headers=headers)
        except PocketBaseError as err:
            raise _without(err, password)
        if status == 200 and isinstance(body, dict) and body.get("token"):
            return "ok"
        if status == 401 and isinstance(body, dict) and body.get("mfaId"):
            return "mfa"
        if status == 400:
            return "wrong"
        try:
            self._raise_for(status, body, "POST", path)
        except PocketBaseError as err:
            raise _without(err, password)
        raise self._error("protocol", "Login at %s%s returned HTTP %s without a token." % (self.url, path, status),
                          status=status)

    # ------------------------------------------------------------------ errors
    def _mismatch(self, status, body, path):
        """version_mismatch when a generation-specific path 404s with the other generation's envelope."""
        if status != 404:
            return None
        env = _envelope(body)
        want = None
        if path.startswith("/api/admins") or "schema" in path:
            want = "v022"
        elif path.startswith("/api/collections/_superusers"):
            want = "v023"
        if want and env and env != want:
            forced = " (api_generation=%s)" % self._forced_generation if self._forced_generation else ""
            return self._error(
                "version_mismatch",
                "%s answered like %s, but the request %s was made for %s%s." % (
                    self.url, describe_generation(env), path, describe_generation(want), forced),
                status=status,
                hint="Set api_generation to %s or to auto (detect from the API shape)." % env)
        return None

    # long: one flat table from HTTP status to error kind, message and hint; split up, the cases
    # (and their order: login before 403, 403 allowlist before plain 403) would be harder to review
    def _raise_for(self, status, body, method, path, login=False):
        if 200 <= status < 300:
            return
        mismatch = self._mismatch(status, body, path)
        if mismatch:
            raise mismatch
        msg, data = _error_message(body)
        server_msg = msg or (body[:200] if isinstance(body, str) and body else "no message")
        what = "%s %s" % (method, path)
        if login and status == 400:
            raise self._error(
                "auth_failed",
                "Superuser login as %s at %s failed: wrong email or password (PocketBase said: %s)."
                % (self.email, self.url, server_msg),
                status=status, data=data,
                hint="Check email/password (POCKETBASE_EMAIL/POCKETBASE_PASSWORD); on 0.22 the account "
                     "must be an admin, on 0.23+ a _superusers record. `pocketbase superuser upsert` "
                     "(0.23+) or `pocketbase admin update` (0.22) on the host resets it.")
        if status == 403 and msg and "not allowed to perform this request" in msg:
            raise self._error(
                "ip_forbidden",
                "%s refused %s from this address: the client IP is not in the superuserIPs allowlist "
                "(PocketBase said: %s)." % (self.url, what, msg),
                status=status, data=data,
                hint="Run the task from an allowed address (e.g. delegate to the PocketBase host and use "
                     "http://127.0.0.1:8090), add this address to superuserIPs, or clear the list on the "
                     "host with `pocketbase superuser ips`.")
        if status == 401:
            raise self._error(
                "auth_failed",
                "%s rejected %s: the superuser token is missing, invalid or expired (PocketBase said: %s)."
                % (self.url, what, server_msg),
                status=status, data=data,
                hint="Pass a fresh superuser token, or email and password of a superuser "
                     "(token secrets rotated on the server invalidate old tokens).")
        if status == 403:
            raise self._error(
                "forbidden", "%s refused %s (PocketBase said: %s)." % (self.url, what, server_msg),
                status=status, data=data,
                hint="The credentials are not a superuser/admin: use a superuser account or token.")
        if status == 404:
            raise self._error(
                "not_found", "%s: %s not found (PocketBase said: %s)." % (self.url, what, server_msg),
                status=status, data=data,
                hint="Check the collection/record name and that `url` points at the PocketBase root.")
        if status == 400 and data:
            details = _flatten_validation(data)
            raise self._error(
                "validation",
                "PocketBase rejected %s: %s%s" % (what, server_msg,
                                                  (" " + "; ".join(details)) if details else ""),
                status=status, data=data,
                hint="Fix the values named above; the messages are PocketBase's own.")
        if status == 429:
            raise self._error(
                "http", "%s rate-limited %s (HTTP 429: %s)." % (self.url, what, server_msg),
                status=status, data=data,
                hint="Wait and retry, or add the controller's address to rateLimits.excludedIPs.")
        if not isinstance(body, dict):
            raise self._error(
                "protocol", "%s %s returned HTTP %s with a non-JSON body: %s"
                % (self.url, what, status, server_msg), status=status,
                hint="Point `url` at the PocketBase server itself, not at another web server.")
        raise self._error("http", "%s %s failed with HTTP %s (PocketBase said: %s)."
                          % (self.url, what, status, server_msg), status=status, data=data)

    # ------------------------------------------------------------------ requests
    def request(self, method, path, body=None, query=None, auth=True, expect=None):
        """Authenticated (unless auth=False) JSON request; parsed JSON or None for 204.

        ``expect`` (``dict`` or ``list``): the answer must be of that JSON type, else ``protocol``.
        """
        headers = self._auth_header() if auth else {}
        if auth and not headers:
            raise self._error("auth_failed", "No superuser credentials given for %s %s at %s."
                              % (method, path, self.url),
                              hint="Set email and password (or POCKETBASE_EMAIL/POCKETBASE_PASSWORD), "
                                   "or a token (POCKETBASE_TOKEN).")
        status, parsed, _h = self._raw(method, path, body=body, query=query, headers=headers)
        if (status == 401 and auth and self._given_token is None and self._token
                and self.email and self._password):
            # expired session token: log in once more
            self._token = None
            headers = self._auth_header()
            status, parsed, _h = self._raw(method, path, body=body, query=query, headers=headers)
        self._raise_for(status, parsed, method, path)
        if status == 204 or parsed in ("", None):
            return None
        if not isinstance(parsed, (dict, list)):
            raise self._error("protocol", "%s %s %s returned a non-JSON body." % (self.url, method, path),
                              status=status,
                              hint="Point `url` at the PocketBase server itself, not at another web server.")
        if expect is not None and not isinstance(parsed, expect):
            raise self._error("protocol", "%s %s %s returned a JSON %s where PocketBase answers with %s."
                              % (self.url, method, path, type(parsed).__name__,
                                 "an object" if expect is dict else "a list"),
                              status=status,
                              hint="Point `url` at the PocketBase server itself, not at another web server.")
        return parsed

    def _paged(self, path, query=None):
        items = []
        for batch in self.pages(path, query):
            items.extend(batch)
        return items

    def pages(self, path, query=None):
        """Each page's ``items`` (a list of dicts) in turn, so that a caller can reduce a page before
        the next one is fetched (10,000 collections are tens of MB of raw JSON)."""
        page = 1
        while True:
            q = dict(query or {})
            q.update({"page": page, "perPage": PER_PAGE})
            res = self.request("GET", path, query=q, expect=dict)
            batch = res.get("items") or []
            if not isinstance(batch, list) or not all(isinstance(item, dict) for item in batch):
                raise self._error("protocol", "%s GET %s returned `items` that are not a list of objects."
                                  % (self.url, path),
                                  hint="Point `url` at the PocketBase server itself, not at another web server.")
            total_pages = res.get("totalPages")
            res = None
            if batch:
                yield batch
            if not batch or (isinstance(total_pages, int) and total_pages >= 0 and page >= total_pages):
                break
            if total_pages in (None, -1) and len(batch) < PER_PAGE:
                break
            batch = None
            page += 1

    def collection_pages(self):
        """Raw collections, one page (list) at a time."""
        return self.pages("/api/collections")

    def list_collections(self):
        """Raw collections, all pages."""
        return self._paged("/api/collections")

    def get_collection(self, name_or_id):
        return self.request("GET", "/api/collections/%s" % quote(name_or_id, safe=""), expect=dict)

    def get_settings(self):
        """Raw settings (unmasked as the server returns them: mask before output)."""
        return self.request("GET", "/api/settings", expect=dict)

    def list_superusers(self):
        """Raw 0.22 admins or 0.23+ _superusers records."""
        if self.generation == "v022":
            return self._paged("/api/admins")
        return self._paged("/api/collections/_superusers/records")

    def health(self, auth=None):
        """``/api/health`` (authenticated when credentials exist, for canBackup on 0.23+)."""
        use_auth = bool(self._token or (self.email and self._password)) if auth is None else auth
        headers = self._auth_header() if use_auth else {}
        status, body, _h = self._raw("GET", "/api/health", headers=headers)
        if status == 401 and headers:
            status, body, _h = self._raw("GET", "/api/health")
        self._raise_for(status, body, "GET", "/api/health")
        if not isinstance(body, dict):
            raise self._error("protocol", "%s GET /api/health returned a non-JSON body." % self.url,
                              status=status,
                              hint="Point `url` at the PocketBase server itself, not at another web server.")
        return body

    def auth_methods(self, collection):
        """Public ``auth-methods`` of an auth collection, as a guest sees it."""
        cached = self._public_cache.get("%s/auth-methods" % collection)
        if cached is not None:
            return cached
        return self.request("GET", "/api/collections/%s/auth-methods" % quote(collection, safe=""),
                            auth=False, expect=dict)

    def snapshot(self, sections=None):
        """Normalized snapshot (docs/development.md); ``sections`` limits what is fetched."""
        return _compat.snapshot(self, sections=sections)


def client_from_module(module, connect=True, **overrides):
    """Build a client from the connection options.

    With ``connect`` (default) the API generation is detected and, when credentials are given,
    the login happens here, so a wrong password, an unreachable URL, MFA, an IP allowlist or a
    0.22/0.23+ mismatch fails the module at once with the error's message and hint.
    """
    p = module.params
    kwargs = dict(url=p.get("url"), email=p.get("email"), password=p.get("password"),
                  token=p.get("token"), timeout=10 if p.get("timeout") is None else p["timeout"],
                  validate_certs=p.get("validate_certs", True), ca_path=p.get("ca_path"),
                  generation=p.get("api_generation") or "auto")
    if p.get("max_response_mb") is not None:
        if p["max_response_mb"] < 1:
            module.fail_json(msg="max_response_mb must be at least 1.")
        kwargs["max_bytes"] = p["max_response_mb"] * 1024 * 1024
    if kwargs["timeout"] < 1:
        module.fail_json(msg="timeout must be at least 1 (seconds).")
    kwargs.update(overrides)
    if kwargs["token"] is None and (kwargs["email"] is None) != (kwargs["password"] is None):
        module.fail_json(msg="Give both email and password (or a token) to log in to PocketBase.")
    client = PocketBaseClient(**kwargs)
    if connect:
        try:
            client.connect()
        except PocketBaseError as err:
            fail_module(module, err)
    return client


def fail_module(module, err, **extra):
    """``module.fail_json`` with a PocketBaseError's message + hint, kind and status."""
    module.fail_json(msg=str(err), error_kind=err.kind, error_status=err.status, hint=err.hint,
                     error_data=err.data, **extra)
