# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fact gathering for the audit, each done once before the checks run: unauthenticated probe requests
(``gather_probe``) and host facts (``gather_host``: systemd unit, sockets, service user, paths and modes,
hooks, proxy and logrotate configuration). A missing fact is recorded, never fatal: the checks report it.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import json
import os
import pwd
import re
import shlex
import stat
import time
from urllib.parse import urlsplit

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint, _http, _pb_paths, _publicdir, _tlscert
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine


COMMON_PASSWORDS = ("1234567890", "password123", "admin123456", "changeme123", "pocketbase", "12345678",
                    "password", "qwertyuiop")


def exec_flags(host):
    """Flags of the unit's ExecStart (``parse_exec_start``) from gathered host facts."""
    return host.get("exec_flags") or {}


# The fixed id of the _superusers collection (0.23+): PocketBase resolves collections by id as well.
SUPERUSERS_COLLECTION_ID = "pbc_3142635823"


PROBE_IDENTITY = {"identity": "pbguard-probe@invalid.invalid", "password": "pbguard-not-a-password"}


PROBE_429_RETRIES = 3      # paced retries of a probe request answered with HTTP 429
PROBE_429_PAUSE = 2.0      # seconds before the first retry, doubling: 2 + 4 + 8 s outlast PocketBase's rate windows


class _Prober(object):
    """Unauthenticated requests to one PocketBase URL; each is recorded in ``requests`` as (method, path,
    status), status None when no HTTP answer came. Calling it returns (status, body text).

    A request answered with HTTP 429 is paced and retried (PROBE_429_RETRIES), so a rate limiter does not
    decide a verdict; the last status (429 when it never cleared) is what the checks see."""

    def __init__(self, url, open_url, timeout, validate_certs, ca_path=None, pause=time.sleep):
        self.url = url
        self.open_url = open_url
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.pause = pause
        self.requests = []
        self.last_error = None

    def __call__(self, path, method="GET", body=None, paced=True):
        delay = PROBE_429_PAUSE
        for _retry in range(PROBE_429_RETRIES if paced else 0):
            status, text = self.once(path, method, body)
            if status != 429:
                return status, text
            self.pause(delay)
            delay *= 2
        return self.once(path, method, body)

    @property
    def answered(self):
        """False when not one request got an HTTP answer."""
        return any(status is not None for _m, _p, status in self.requests)

    def once(self, path, method="GET", body=None):
        headers = {"Accept": "*/*"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            resp = self.open_url(self.url + path, data=data, method=method, headers=headers, timeout=self.timeout,
                                 validate_certs=self.validate_certs, ca_path=self.ca_path, follow_redirects="none",
                                 http_agent="pbguard-audit")
            status, text = resp.getcode(), resp.read()
        except Exception as exc:  # pylint: disable=broad-except
            status = getattr(exc, "code", None)
            try:
                text = exc.read() if hasattr(exc, "read") else b""
            except Exception:  # pylint: disable=broad-except
                text = b""
            if status is None:
                self.requests.append((method, path, None))
                self.last_error = " ".join(str(getattr(exc, "reason", None) or exc).split())[:300]
                return None, ""
        self.requests.append((method, path, status))
        return status, text.decode("utf-8", "replace") if isinstance(text, bytes) else (text or "")


def probe_plain_http(url, open_url, timeout=10):
    """Does plain HTTP on the audited host's port 80 redirect to HTTPS? ``(verdict, error)``: verdict True,
    False (it answers with anything else, so content or credentials can travel in cleartext), or None: the
    audited URL is not HTTPS on the default port (the plain-HTTP port is unknown), or port 80 refused the
    connection (nothing is served in cleartext). ``error`` names a timeout: something may listen there, so
    the answer is unknown. One unauthenticated GET, redirects not followed."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None, None
    if (parts.scheme or "").lower() != "https" or port not in (None, 443) or not parts.hostname:
        return None, None
    host = "[%s]" % parts.hostname if ":" in parts.hostname else parts.hostname
    plain = "http://%s/" % host
    try:
        resp = open_url(plain, method="GET", headers={"Accept": "*/*"}, timeout=timeout,
                        follow_redirects="none", http_agent="pbguard-audit")
        status, headers = resp.getcode(), getattr(resp, "headers", None)
    except Exception as exc:  # pylint: disable=broad-except
        status, headers = getattr(exc, "code", None), getattr(exc, "headers", None)
        if status is None:
            if getattr(exc, "kind", None) == "timeout" or "timed out" in str(getattr(exc, "reason", exc)):
                return None, "%s did not answer within %ss" % (plain, timeout)
            return None, None
    location = _http.header_value(headers, "Location") or ""
    return 300 <= status < 400 and location.lower().startswith("https://"), None


def _probe_dashboard(get):
    """(HTTP status of /_/, version disclosed by the page or its first index-*.js assets, else None)."""
    status, html = get("/_/")
    m = re.search(r"PocketBase v(\d+\.\d+\.\d+)", html or "")
    if m:
        return status, m.group(1)
    if status == 200:
        for asset in re.findall(r"assets/(index-[A-Za-z0-9_.-]+\.js)", html or "")[:2]:
            s2, js = get("/_/assets/" + asset)
            m = re.search(r"PocketBase v(\d+\.\d+\.\d+)", js or "") if s2 == 200 else None
            if m:
                return status, m.group(1)
    return status, None


def _probe_generation(get, facts):
    """'v023' when _superusers answers auth-methods (its MFA/OTP flags go into ``facts``), 'v022' when
    PocketBase answers 400/404 in its JSON envelope, else None."""
    s, body = get("/api/collections/_superusers/auth-methods")
    if s == 200:
        try:
            am = json.loads(body)
            facts["superuser_mfa"] = bool((am.get("mfa") or {}).get("enabled"))
            facts["superuser_otp"] = bool((am.get("otp") or {}).get("enabled"))
        except (ValueError, AttributeError):
            pass
        return "v023"
    if s in (400, 404):
        return "v022" if '"code"' in (body or "") else None
    return None


def _probe_login_variants(get, generation):
    """{path: status} of the other spellings of the 0.23+ superuser login: PocketBase resolves _superusers
    by id and by a case-folded name (U+017F is s, any character percent-encoded), so each must be blocked too."""
    variants = {}
    if generation != "v022":
        for path in _pb_paths.probe_login_paths():
            variants[path] = get(path, "POST", dict(PROBE_IDENTITY))[0]
    return variants


def _probe_credentials(get, login_path, login_status, emails, max_attempts, passwords, sleep):
    """Opt-in common-password logins, at most ``max_attempts``, stopping at the first HTTP 429.

    ``rejected`` counts the attempts the server refused (HTTP 400/401 without an MFA continuation):
    only those say a password was wrong. No answer, a 5xx or a 403 decides nothing (``undecided``)."""
    emails = list(dict.fromkeys([e for e in (emails or []) if e] + ["admin@example.com"]))[:5]
    cred = {"enabled": True, "attempts": 0, "rejected": 0, "undecided": 0, "weak": [], "rate_limited": False,
            "emails": emails}
    if login_status in (403, 404, None):
        cred["reason"] = "superuser login not reachable (HTTP %s)" % login_status
        return cred
    for email in emails:
        if cred["rate_limited"] or cred["attempts"] >= max_attempts:
            break
        for pw in passwords:
            if cred["attempts"] >= max_attempts:
                break
            cred["attempts"] += 1
            st, b = get(login_path, "POST", {"identity": email, "password": pw}, paced=False)
            if st == 429:
                cred["rate_limited"] = True
                break
            if st == 200 or (st == 401 and "mfaId" in (b or "")):
                cred["weak"].append(email)
                break
            cred["rejected" if st in (400, 401) else "undecided"] += 1
            if sleep:
                sleep(0.05)
    return cred


def gather_probe(url, open_url, timeout=10, validate_certs=True, emails=None, probe_credentials=False,
                 max_attempts=20, passwords=COMMON_PASSWORDS, sleep=None, pause=time.sleep,
                 ca_path=None):
    """Unauthenticated requests only. ``open_url`` is ansible.module_utils.urls.open_url (or the bounded
    ``_http.bounded_open_url``). ``answered`` is False when no request got an HTTP answer."""
    url = url.rstrip("/")
    get = _Prober(url, open_url, timeout, validate_certs, ca_path, pause)
    facts = {"url": url, "requests": get.requests}
    if url.lower().startswith("https://"):
        facts["tls_certificate"] = _tlscert.expiry_facts(url, timeout, validate_certs, ca_path)
    facts["admin_ui_status"], version = _probe_dashboard(get)
    facts["disclosed_version"] = version
    facts["version"] = version
    facts["health_status"] = get("/api/health")[0]
    generation = _probe_generation(get, facts)
    facts["generation"] = generation
    login_path = "/api/admins/auth-with-password" if generation == "v022" else \
        "/api/collections/_superusers/auth-with-password"
    facts["superuser_login_path"] = login_path
    login_status = get(login_path, "POST", dict(PROBE_IDENTITY))[0]
    facts["superuser_login_status"] = login_status
    facts["superuser_login_variants"] = _probe_login_variants(get, generation)
    if probe_credentials:
        facts["credential_probe"] = _probe_credentials(get, login_path, login_status, emails, max_attempts,
                                                       passwords, sleep)
    else:
        facts["credential_probe"] = {"enabled": False, "attempts": 0, "weak": [], "rate_limited": False,
                                     "emails": []}
    facts["http_redirects_to_https"], facts["http_probe_error"] = probe_plain_http(url, open_url, timeout)
    facts["answered"] = get.answered
    if not get.answered:
        facts["transport_error"] = get.last_error
    return facts


UNIT_PROPERTIES = ("LoadState", "ActiveState", "User", "ExecStart", "FragmentPath", "MainPID", "WorkingDirectory")


def parse_listeners(ss_output, main_pid=None, port=8090):
    """Listening addresses of PocketBase from ``ss -ltnpH``: the unit's main PID when ss shows it, else
    pocketbase processes listening on ``port`` (other pocketbase processes on the host are ignored), else
    (ss without process info, e.g. no CAP_SYS_PTRACE) any listener on ``port``."""
    by_pid, by_name, by_port = [], [], []
    pid_re = re.compile(r"pid=%s," % re.escape(str(main_pid))) if main_pid not in (None, "", "0") else None
    for line in (ss_output or "").splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        addr = parts[3]
        on_port = addr.rsplit(":", 1)[-1] == str(port)
        if pid_re is not None and pid_re.search(line):
            by_pid.append(addr)
        elif '"pocketbase"' in line and on_port:
            by_name.append(addr)
        elif "users:" not in line and on_port:
            by_port.append(addr)
    return sorted(set(by_pid or by_name or by_port))


DEFAULT_LOGROTATE_PATHS = ("/etc/logrotate.conf", "/etc/logrotate.d")


DEFAULT_PROXY_PATHS = ("/etc/caddy/Caddyfile", "/etc/caddy/conf.d", "/etc/caddy/sites", "/etc/nginx/nginx.conf",
                       "/etc/nginx/conf.d", "/etc/nginx/sites-enabled")


def parse_exec_start(text):
    """``systemctl show -p ExecStart`` value or a raw command line -> (argv, flags)."""
    m = re.search(r"argv\[\]=([^;]*);", text or "")
    line = m.group(1) if m else (text or "")
    try:
        argv = shlex.split(line)
    except ValueError:
        argv = line.split()
    flags = {}
    domains = []
    after_serve = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            if "=" in a:
                k, v = a.split("=", 1)
                flags[k] = v
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-") and a not in ("--dev",):
                flags[a] = argv[i + 1]
                i += 1
            else:
                flags[a] = ""
        elif a == "serve":
            after_serve = True
        elif after_serve:
            domains.append(a)
        i += 1
    if domains:
        flags["domains"] = domains
    return argv, flags


def _writable_by(st, uid, gids):
    mode = st.st_mode
    if uid == 0:
        return True
    if st.st_uid == uid and mode & stat.S_IWUSR:
        return True
    if st.st_gid in gids and mode & stat.S_IWGRP:
        return True
    return bool(mode & stat.S_IWOTH)


def _path_info(path, user):
    info = {"path": path}
    try:
        st = os.stat(path)
    except OSError:
        info["missing"] = True
        return info
    info["mode"] = stat.S_IMODE(st.st_mode)
    info["uid"] = st.st_uid
    if user and user.get("uid") is not None:
        info["writable_by_service_user"] = _writable_by(st, user["uid"], user.get("gids") or [])
    return info


def load_manifest(path):
    """hooks manifest -> {file name: sha256}. Accepts {"files": {name: sha}}, {"files": [{name|path, sha256}]},
    {name: sha}, {name: {"sha256": sha}} and [{name|path, sha256}]."""
    with open(path, "r") as fh:
        doc = json.load(fh)
    entries = doc.get("files", doc.get("hooks", doc)) if isinstance(doc, dict) else doc
    out = {}
    if isinstance(entries, dict):
        for name, val in entries.items():
            if name in ("version", "generated", "generated_at", "hooks_dir", "dir"):
                continue
            digest = val.get("sha256") if isinstance(val, dict) else val
            out[os.path.basename(name)] = str(digest or "").lower()
    elif isinstance(entries, list):
        for item in entries:
            name = item.get("name") or item.get("path") or item.get("file")
            out[os.path.basename(name)] = str(item.get("sha256") or item.get("checksum") or "").lower().replace(
                "sha256:", "")
    else:
        raise ValueError("unrecognized manifest shape")
    return out


def _unit_facts(run_command, unit, facts):
    """systemd properties of ``unit`` into ``facts`` (loaded?, User, ExecStart and its flags); returns the
    raw properties and ExecStart's argv."""
    rc, out, errout = _run(run_command, ["systemctl", "show", unit, "--no-pager"] +
                           ["-p%s" % p for p in UNIT_PROPERTIES])
    props = {}
    if rc == 0:
        for line in out.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                props[k] = v
    loaded = props.get("LoadState") == "loaded"
    facts["unit_props_error"] = None if rc == 0 else (errout or "systemctl unavailable").strip()[:200]
    facts["unit_loaded"] = loaded if props else None
    facts["unit_user"] = props.get("User") if loaded else None
    exec_start = props.get("ExecStart") if loaded else None
    facts["exec_start"] = exec_start or None
    argv, flags = parse_exec_start(exec_start or "")
    facts["exec_flags"] = flags
    return props, argv


def _exposure(run_command, unit, facts):
    """``systemd-analyze security`` overall exposure of a loaded unit (or the reason it is missing)."""
    facts["exposure"] = None
    if facts["unit_loaded"]:
        _rc, out, errout = _run(run_command, ["systemd-analyze", "security", "--no-pager", unit])
        m = re.search(r"Overall exposure level for \S+:\s*([0-9.]+)", out or "")
        if m:
            facts["exposure"] = float(m.group(1))
        else:
            facts["exposure_error"] = (errout or out or "").strip()[-200:]


def _service_user(name):
    """{name, uid, gids, shell} of the service user; uid None when the account does not exist."""
    user = {"name": name, "uid": None}
    try:
        pw = pwd.getpwnam(name)
        gids = [pw.pw_gid] + [g.gr_gid for g in grp.getgrall() if name in g.gr_mem]
        user.update(uid=pw.pw_uid, gids=gids, shell=pw.pw_shell)
    except KeyError:
        pass
    return user


def _hooks_dir(params, flags, data_dir):
    return params.get("hooks_dir") or flags.get("--hooksDir") or \
        os.path.join(os.path.dirname(data_dir.rstrip("/")), "pb_hooks")


def locate_hooks_dir(params, run_command):
    """The hooks dir ``gather_host`` reads (the action plugin fetches its files for the controller analysis)."""
    if params.get("hooks_dir"):
        return params["hooks_dir"]
    unit = params.get("service_name") or "pocketbase"
    facts = {}
    _unit_facts(run_command, unit if unit.endswith(".service") else unit + ".service", facts)
    flags = facts["exec_flags"]
    return _hooks_dir(params, flags, params.get("data_dir") or flags.get("--dir") or "/var/lib/pocketbase/pb_data")


def _host_paths(params, argv, flags, user):
    """(binary, data dir, hooks dir, {key: path info}) from the module params, else the unit's ExecStart,
    else the pocketbase role's defaults."""
    binary = params.get("binary_path") or (argv[0] if argv else None) or "/usr/local/bin/pocketbase"
    data_dir = params.get("data_dir") or flags.get("--dir") or "/var/lib/pocketbase/pb_data"
    hooks_dir = _hooks_dir(params, flags, data_dir)
    paths = {}
    paths["binary"] = _path_info(binary, user)
    paths["binary_dir"] = _path_info(os.path.dirname(os.path.realpath(binary)), user)
    paths["data_dir"] = _path_info(data_dir, user)
    paths["data_db"] = _path_info(os.path.join(data_dir, "data.db"), user)
    paths["hooks_dir"] = _path_info(hooks_dir, user)
    if params.get("hooks_manifest"):
        paths["hooks_manifest"] = _path_info(params["hooks_manifest"], user)
    if params.get("env_file"):
        paths["env_file"] = _path_info(params["env_file"], user)
    return binary, data_dir, hooks_dir, paths


def _binary_version(run_command, binary):
    """``X.Y.Z`` from ``<binary> --version``, None when not executable or not printed."""
    if os.access(binary, os.X_OK):
        _rc, out, _e = _run(run_command, [binary, "--version"])
        m = re.search(r"(\d+\.\d+\.\d+)", out or "")
        if m:
            return m.group(1)
    return None


def _hook_facts(params, hooks_dir, generation):
    """Hook files of ``hooks_dir`` with findings (the controller's analysis handed over by the action plugin
    in ``_hooks_analysis`` where it covers a file's current bytes, else the stdlib lint), the analyser, sha256
    digests and the deployed manifest (or why it is missing). Raises OSError when the hooks dir cannot be read."""
    analysis = _hooks_lint.analyse_dir(hooks_dir, generation, params.get("_hooks_analysis"))
    hooks = dict(analysis, dir=hooks_dir, generation=generation, manifest=None)
    if params.get("hooks_manifest"):
        try:
            hooks["manifest"] = load_manifest(params["hooks_manifest"])
        except (OSError, IOError, ValueError, AttributeError, TypeError) as exc:
            hooks["manifest_error"] = "%s: %s" % (params["hooks_manifest"], exc.__class__.__name__)
    else:
        hooks["manifest_error"] = "hooks_manifest not set"
    return hooks


def _read_config_files(paths):
    """{file: text} of each regular file among ``paths`` and inside the directories among them (sorted);
    unreadable files are skipped."""
    configs = {}
    for p in paths:
        files = [os.path.join(p, n) for n in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
        for f in files:
            if not os.path.isfile(f):
                continue
            try:
                with open(f, "r") as fh:
                    configs[f] = fh.read()
            except (OSError, IOError, UnicodeDecodeError):
                continue
    return configs


def gather_host(params, run_command, generation=None):
    """Host facts for host-scope controls; each missing part is recorded, never fatal."""
    unit = params.get("service_name") or "pocketbase"
    if not unit.endswith(".service"):
        unit += ".service"
    facts = {"unit": unit, "paths": {}}
    props, argv = _unit_facts(run_command, unit, facts)
    flags = facts["exec_flags"]
    _exposure(run_command, unit, facts)
    facts["listeners"] = parse_listeners(_run(run_command, ["ss", "-ltnpH"])[1], props.get("MainPID"),
                                         params.get("port") or 8090)
    user = _service_user(params.get("service_user") or facts["unit_user"] or "pocketbase")
    facts["service_user"] = user
    binary, data_dir, hooks_dir, paths = _host_paths(params, argv, flags, user)
    facts["paths"].update(paths)
    _public_dir_facts(params, flags, binary, data_dir, props, facts)
    facts["version"] = _binary_version(run_command, binary)
    facts["hooks"] = None
    try:
        gen = generation or (("v022" if engine.version_tuple(facts["version"]) < (0, 23, 0) else "v023")
                             if facts["version"] else None)
        facts["hooks"] = _hook_facts(params, hooks_dir, gen)
    except OSError as exc:
        facts["hooks_error"] = "%s: %s" % (hooks_dir, exc.strerror or exc.__class__.__name__)
    proxy_paths = params.get("proxy_config_paths") or list(DEFAULT_PROXY_PATHS)
    facts["proxy_config_paths"] = proxy_paths
    facts["proxy_configs"] = _read_config_files(proxy_paths)
    # logrotate rules (which proxy access logs are rotated)
    facts["logrotate_configs"] = _read_config_files(params.get("logrotate_paths") or list(DEFAULT_LOGROTATE_PATHS))
    return facts


def _public_dir_facts(params, flags, binary, data_dir, props, facts):
    """The directories PocketBase serves as static files and the risky files in them (PBG-FIL-004)."""
    public_dirs = [params["public_dir"]] if params.get("public_dir") else _publicdir.candidate_dirs(
        flags.get("--publicDir"), binary, data_dir, props.get("WorkingDirectory"))
    facts["public_dirs"] = [_publicdir.scan(d) for d in public_dirs]
    facts["public_dir_known"] = bool(params.get("public_dir")) or bool(facts.get("unit_loaded"))
    facts["serves_browser_app"] = any(d["exists"] and _nonempty_dir(d["dir"]) for d in facts["public_dirs"])


def _nonempty_dir(path):
    try:
        return bool(os.listdir(path))
    except OSError:
        return False


def _run(run_command, argv):
    try:
        rc, out, errout = run_command(argv)
        return rc, out or "", errout or ""
    except Exception as exc:  # pylint: disable=broad-except
        return 127, "", str(exc)
