# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real-server test harness for pbguard.pocketbase.

Fixtures
--------
``pb_version``          parametrized over ``$PBGUARD_PB_VERSIONS`` (default "0.22.27 0.30.4 0.40.6").
``pb_server_factory``   ``pb_server_factory(version, **opts)`` starts an extra server (see ``start_server``).
``pb_server``           a started :class:`PBServer` of ``pb_version``; calling it,
                        ``pb_server(version, **opts)``, starts another one through the factory.
``run_module``          ``run_module(module, check=False, diff=False, **args)`` runs
                        ``pbguard.pocketbase.<module>`` through ansible-playbook and returns the
                        parsed task result (no server needed, e.g. for unreachable URLs).
``run_tasks``           ``run_tasks([srv.task(module, **args), task(module, **args), ...])`` runs several
                        module calls in ONE playbook (in order) and returns their results: an
                        ansible-playbook start costs seconds, so batch calls that need no check between.
``pb_module_server_factory`` / ``pb_module_servers``  module-scoped servers shared by a test module.

Every server gets a free 127.0.0.1 port, a fresh data dir and a first superuser created through
the CLI before the first ``serve``; it is stopped when the test ends.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_VERSIONS = "0.22.27 0.30.4 0.40.6"
PB_VERSIONS = os.environ.get("PBGUARD_PB_VERSIONS", DEFAULT_VERSIONS).split()
PB_BIN_DIR = os.environ.get(
    "PBGUARD_PB_BIN_DIR",
    os.path.join(os.path.expanduser("~"), ".cache", "pbguard", "pocketbase"),
)
VENV_BIN = os.path.dirname(sys.executable)
START_TIMEOUT = float(os.environ.get("PBGUARD_PB_START_TIMEOUT", "30"))


def version_tuple(version):
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def is_v022(version):
    return version_tuple(version) < (0, 23, 0)


def pick_version(min_version="0.0.0"):
    """Newest tested version >= ``min_version``; skips the test when none qualifies."""
    ok = [v for v in PB_VERSIONS if version_tuple(v) >= version_tuple(min_version)]
    if not ok:
        pytest.skip("needs PocketBase >= %s; PBGUARD_PB_VERSIONS=%s" % (min_version, " ".join(PB_VERSIONS)))
    return max(ok, key=version_tuple)


def pb_binary(version):
    path = os.path.join(PB_BIN_DIR, version, "pocketbase")
    if not os.access(path, os.X_OK):
        pytest.fail(
            "PocketBase %s binary not found at %s: run scripts/bootstrap.sh or set PBGUARD_PB_BIN_DIR"
            % (version, path)
        )
    return path


def _die_with_parent():
    """preexec_fn: the server gets SIGTERM when the test process dies (even on SIGKILL)."""
    os.setsid()
    try:
        import ctypes  # pylint: disable=import-outside-toplevel
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Response:
    """Raw HTTP response of :meth:`PBServer.api`."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")
        try:
            self.json = json.loads(self.text) if self.text else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "Response(%s, %s)" % (self.status, self.text[:300])


def http(method, url, body=None, headers=None, timeout=10):
    data = None
    hdrs = {"Accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (loopback only)
            return Response(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, dict(err.headers or {}), err.read())


def ok(resp, what):
    """The JSON of a 200 answer; anything else fails the test, naming ``what``."""
    assert resp.status == 200, "%s: %s" % (what, resp)
    return resp.json


def record_state(srv, existing):
    """Record counts of every collection and the ``existing`` records themselves ({collection: [ids]}):
    what a read-only or self-cleaning audit must leave as it was."""
    names = [c["name"] for c in ok(srv.api("GET", "/api/collections", query={"perPage": 200}), "list")["items"]]
    counts = dict((n, ok(srv.api("GET", "/api/collections/%s/records" % n, query={"perPage": 1}), n)["totalItems"])
                  for n in names)
    records = dict((n, [ok(srv.api("GET", "/api/collections/%s/records/%s" % (n, i)), i) for i in ids])
                   for n, ids in existing.items())
    return counts, records


def audit_host_vars(srv, remote_report_dir, report_dir):
    """Host vars of an inventory host that ``playbooks/audit.yml`` audits ``srv`` from (api scope, local)."""
    return {
        "ansible_python_interpreter": sys.executable,
        "pbguard_become": False,
        "pocketbase_audit_url": srv.url,
        "pocketbase_audit_email": srv.email,
        "pocketbase_audit_password": srv.password,
        "pocketbase_audit_scope": ["api"],
        "pocketbase_audit_expected_superusers": [srv.email],
        "pocketbase_audit_remote_report_dir": str(remote_report_dir),
        "pocketbase_audit_report_dir": str(report_dir),
    }


# --------------------------------------------------------------------------- ansible runner

_COLLECTIONS_DIR = None


def collections_path():
    """A dir holding ansible_collections/pbguard/pocketbase -> this checkout (created once)."""
    global _COLLECTIONS_DIR  # pylint: disable=global-statement
    if _COLLECTIONS_DIR is None:
        env_dir = os.environ.get("PBGUARD_COLLECTIONS_DIR")  # set by scripts/env.sh
        link = os.path.join(env_dir or "", "ansible_collections", "pbguard", "pocketbase")
        if env_dir and os.path.realpath(link) == os.path.realpath(REPO_ROOT):
            _COLLECTIONS_DIR = env_dir
        else:
            base = tempfile.mkdtemp(prefix="pbguard-colls-")
            ns = os.path.join(base, "ansible_collections", "pbguard")
            os.makedirs(ns)
            os.symlink(REPO_ROOT, os.path.join(ns, "pocketbase"))
            atexit.register(shutil.rmtree, base, True)
            _COLLECTIONS_DIR = base
    paths = [_COLLECTIONS_DIR]
    extra = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS")
    if extra:
        paths.append(extra)
    return os.pathsep.join(paths)


def ansible_env(extra_env=None):
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": collections_path(),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
        }
    )
    # never let a developer's shell leak connection defaults into a test
    for name in ("POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD", "POCKETBASE_TOKEN"):
        env.pop(name, None)
    env.update(extra_env or {})
    return env


class ModuleResult(dict):
    """The task result of one module run, plus the raw process output for debugging."""

    stdout = ""
    stderr = ""
    rc = None

    @property
    def changed(self):
        return bool(self.get("changed"))

    @property
    def failed(self):
        return bool(self.get("failed"))

    @property
    def msg(self):
        return self.get("msg", "")

    @property
    def diff(self):
        return self.get("diff")

    @property
    def raw(self):
        """Everything ansible printed: search this for secrets."""
        return self.stdout + "\n" + self.stderr


def task(module, check=False, diff=False, env=None, task_vars=None, **args):
    """One module call for :func:`run_tasks` (``pbguard.pocketbase.<module>`` unless ``module`` has a dot);
    ``task_vars`` become the task's ``vars``."""
    return {"module": module, "check": bool(check), "diff": bool(diff), "env": dict(env or {}), "args": args,
            "vars": dict(task_vars or {})}


def run_tasks(tasks, run_timeout=600, extra_env=None):
    """Run several module calls in ONE generated playbook and return one :class:`ModuleResult` each.

    Starting ansible-playbook costs seconds; a test that only needs results batches its calls here.
    The tasks run in order (a later task sees what an earlier one changed); every task has
    ``ignore_errors`` so a failure is a result, not the end of the run. Each result's ``.raw`` is the
    whole run's output (search it for secrets). Arguments go into a 0600 temp playbook, never the
    command line; ``env`` is the task's process environment, ``extra_env`` ansible-playbook's.
    """
    if not tasks:
        return []
    work = tempfile.mkdtemp(prefix="pbguard-run-")
    try:
        result_file = os.path.join(work, "result.json")
        play_tasks = []
        for index, item in enumerate(tasks):
            module = item["module"]
            fqcn = module if "." in module else "pbguard.pocketbase." + module
            play_tasks.append({
                "name": "run %d %s" % (index, fqcn),
                fqcn: item.get("args") or {},
                "check_mode": bool(item.get("check")),
                "diff": bool(item.get("diff")),
                "ignore_errors": True,
                "register": "pbguard_result_%d" % index,
                "environment": dict(item.get("env") or {}),
                "vars": dict(item.get("vars") or {}),
            })
        play_tasks.append({
            "name": "save the results",
            "ansible.builtin.copy": {
                "content": "{{ [%s] | to_json }}" % ", ".join("pbguard_result_%d" % i for i in range(len(tasks))),
                "dest": result_file,
                "mode": "0600",
            },
            "check_mode": False,
            "diff": False,
        })
        playbook = [{"name": "pbguard test run", "hosts": "localhost", "gather_facts": False, "tasks": play_tasks}]
        play_path = os.path.join(work, "play.yml")
        with open(os.open(play_path, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as fh:
            json.dump(playbook, fh)
        cmd = [
            os.path.join(VENV_BIN, "ansible-playbook"),
            "-v",
            "-i", "localhost,",
            "-e", "ansible_connection=local",
            "-e", "ansible_python_interpreter=" + sys.executable,
            play_path,
        ]
        proc = subprocess.run(
            cmd, env=ansible_env(extra_env), cwd=work, capture_output=True, text=True, timeout=run_timeout, check=False
        )
        try:
            with open(result_file, encoding="utf-8") as fh:
                results = json.load(fh)
        except (OSError, ValueError) as exc:
            raise AssertionError(
                "ansible run of %s produced no result (rc=%s): %s\nstdout:\n%s\nstderr:\n%s"
                % (", ".join(t["module"] for t in tasks), proc.returncode, exc, proc.stdout[-4000:],
                   proc.stderr[-4000:])
            ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = []
    for res in results:
        result = ModuleResult(res)
        result.stdout, result.stderr, result.rc = proc.stdout, proc.stderr, proc.returncode
        out.append(result)
    return out


def run_ansible_module(module, check=False, diff=False, env=None, run_timeout=300, **args):
    """Run ``pbguard.pocketbase.<module>`` in a one-task playbook; return the parsed result."""
    return run_tasks([task(module, check=check, diff=diff, env=env, **args)], run_timeout=run_timeout)[0]


# --------------------------------------------------------------------------- servers


class PBServer:
    """One running PocketBase. Attributes: url, email, password, version, data_dir, bin, port."""

    def __init__(self, version, workdir, email, password, port, global_args, serve_args, env, factory):
        self.version = version
        self.generation = "v022" if is_v022(version) else "v023"
        self.bin = pb_binary(version)
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "pb_data")
        self.email = email
        self.password = password
        self.port = port
        self.host = "127.0.0.1"
        self.global_args = list(global_args)
        self.serve_args = list(serve_args)
        self.env = dict(env or {})
        self.hooks_dir = None
        self.proc = None
        self.log_path = os.path.join(workdir, "serve.log")
        self._token = None
        self._factory = factory

    # -- life cycle
    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def cli(self, *args, check_output=None, timeout=60):
        """Run the binary with --dir and the global flags; return (rc, combined output)."""
        cmd = [self.bin] + list(args) + ["--dir", self.data_dir] + self.global_args
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False,
            env=dict(os.environ, **self.env),
        )
        out = proc.stdout + proc.stderr
        if check_output is not None and not re.search(check_output, out):
            masked = out.replace(self.password, "********")
            raise RuntimeError("`pocketbase %s` failed (rc=%s): %s" % (args[0], proc.returncode, masked))
        return proc.returncode, out

    def create_superuser(self, email=None, password=None):
        """Create (or update) a superuser through the CLI; CLI exit codes lie before 0.40."""
        email = email or self.email
        password = password or self.password
        if self.generation == "v022":
            self.cli("migrate", "up", check_output=r"Applied|No new migrations")
            self.cli("admin", "create", email, password,
                     check_output=r"Successfully created new admin")
        else:
            self.cli("superuser", "upsert", email, password,
                     check_output=r"Successfully saved superuser")

    def start(self):
        cmd = [self.bin, "serve", "--http", "%s:%d" % (self.host, self.port), "--dir", self.data_dir]
        cmd += self.global_args + self.serve_args
        self._log = open(self.log_path, "ab")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            cmd, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir,
            env=dict(os.environ, **self.env), preexec_fn=_die_with_parent,  # pylint: disable=subprocess-popen-preexec-fn
        )
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("PocketBase %s exited with %s: %s" % (self.version, self.proc.returncode,
                                                                         self.log()[-2000:]))
            try:
                if http("GET", self.url + "/api/health", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("PocketBase %s did not become healthy in %ss: %s"
                           % (self.version, START_TIMEOUT, self.log()[-2000:]))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        self._token = None

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def __call__(self, version=None, **opts):
        """``pb_server(version, **opts)``: start another server (stopped after the test)."""
        return self._factory(version or self.version, **opts)

    # -- HTTP
    @property
    def auth_path(self):
        if self.generation == "v022":
            return "/api/admins/auth-with-password"
        return "/api/collections/_superusers/auth-with-password"

    def superuser_token(self, refresh=False):
        if self._token is None or refresh:
            resp = http("POST", self.url + self.auth_path,
                        {"identity": self.email, "password": self.password})
            if resp.status != 200:
                raise RuntimeError("superuser login failed: %s" % resp)
            self._token = resp.json["token"]
        return self._token

    def user_token(self, email, password, collection="users"):
        resp = http("POST", self.url + "/api/collections/%s/auth-with-password" % collection,
                    {"identity": email, "password": password})
        if resp.status != 200:
            raise RuntimeError("user login failed: %s" % resp)
        return resp.json["token"]

    def api(self, method, path, body=None, query=None, auth="superuser", headers=None, timeout=10):
        """Raw HTTP. ``auth``: "superuser", "guest"/None, ("user", email, password[, collection])
        or a token string. Returns a :class:`Response` (status, json, text, headers)."""
        hdrs = dict(headers or {})
        if auth == "superuser":
            hdrs["Authorization"] = self.superuser_token()
        elif isinstance(auth, (tuple, list)) and auth and auth[0] == "user":
            hdrs["Authorization"] = self.user_token(*auth[1:])
        elif auth not in (None, "guest"):
            hdrs["Authorization"] = auth
        url = self.url + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        return http(method, url, body, hdrs, timeout=timeout)

    def create_user(self, email, password, collection="users", **fields):
        body = dict(fields, email=email, password=password, passwordConfirm=password)
        resp = self.api("POST", "/api/collections/%s/records" % collection, body)
        if resp.status != 200:
            raise RuntimeError("user create failed: %s" % resp)
        return resp.json

    # -- ansible
    def connection_args(self):
        return {"url": self.url, "email": self.email, "password": self.password}

    def task(self, module, check=False, diff=False, connection=True, env=None, task_vars=None, **args):
        """A :func:`run_tasks` item against this server (url/email/password unless ``connection=False``)."""
        full = dict(self.connection_args()) if connection else {}
        full.update(args)
        return task(module, check=check, diff=diff, env=env, task_vars=task_vars, **full)

    def run_module(self, module, check=False, diff=False, connection=True, env=None, **args):
        """Run a module through Ansible, with this server's url/email/password unless overridden
        (``connection=False`` sends only ``args``)."""
        return run_tasks([self.task(module, check=check, diff=diff, connection=connection, env=env, **args)])[0]

    def __repr__(self):
        return "PBServer(%s at %s)" % (self.version, self.url)


def start_server(version, factory, tmp_root, superuser=True, email="admin@example.com", password=None,
                 global_args=(), serve_args=(), env=None, hooks_dir=None, automigrate=None,
                 before_serve=None, start=True):
    """Create a data dir, the first superuser through the CLI and start ``serve``.

    ``global_args`` (e.g. ["--encryptionEnv", "PB_KEY"]) go to every CLI call, ``serve_args`` only to
    serve; ``hooks_dir`` and ``automigrate`` are shortcuts for the global flags; ``before_serve`` is
    called with the server after the superuser exists and before the first serve.
    """
    global_args = list(global_args)
    if hooks_dir:
        global_args += ["--hooksDir", str(hooks_dir)]
    if automigrate is not None:
        global_args += ["--automigrate=%s" % ("true" if automigrate else "false")]
    password = password or "pbg-" + secrets.token_urlsafe(18)
    last_error = None
    for _attempt in range(3):
        workdir = tempfile.mkdtemp(prefix="pb-%s-" % version, dir=tmp_root)
        srv = PBServer(version, workdir, email, password, free_port(), global_args, serve_args, env, factory)
        srv.hooks_dir = str(hooks_dir) if hooks_dir else None
        if superuser:
            srv.create_superuser()
        if before_serve:
            before_serve(srv)
        if not start:
            return srv
        try:
            return srv.start()
        except RuntimeError as exc:  # port taken between free_port() and bind: retry
            last_error = exc
            srv.stop()
            if "address already in use" not in str(exc):
                raise
    raise last_error


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=PB_VERSIONS, ids=lambda v: "pb" + v)
def pb_version(request):
    return request.param


def _factory_fixture(tmp_path_factory):
    servers = []
    tmp_root = str(tmp_path_factory.mktemp("pbservers"))

    def factory(version, **opts):
        srv = start_server(version, factory, tmp_root, **opts)
        servers.append(srv)
        return srv

    yield factory
    for srv in servers:
        srv.stop()


@pytest.fixture
def pb_server_factory(tmp_path_factory):
    yield from _factory_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def pb_module_server_factory(tmp_path_factory):
    """Like ``pb_server_factory``, but the servers live until the test module ends (shared by its tests)."""
    yield from _factory_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def pb_module_servers(pb_module_server_factory):
    """``{version: server}``: one shared server per tested version for a test module; tests that share
    it must not conflict (create uniquely named collections/users instead of assuming a fresh server)."""
    return dict((v, pb_module_server_factory(v)) for v in PB_VERSIONS)


@pytest.fixture
def pb_server(pb_version, pb_server_factory):
    return pb_server_factory(pb_version)


@pytest.fixture
def run_module():
    return run_ansible_module


@pytest.fixture(name="run_tasks")
def run_tasks_fixture():
    """``run_tasks([srv.task(...), task(...)])``: several module calls in one ansible-playbook run."""
    return run_tasks


@pytest.fixture
def closed_port_url():
    """A loopback URL on which nothing listens."""
    return "http://127.0.0.1:%d" % free_port()
