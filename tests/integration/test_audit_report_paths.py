# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 17 item 4: pocketbase_audit writes its reports only into a directory it created or verified.

A report_dir that is a symlink, group/world-writable or owned by another user, or whose parent another
user could rename it through, is refused with a clear one-line error and nothing is written there or through it. Inside a private directory a symlink, a hard
link or a leftover file at a report name (or at the old predictable ``<name>.tmp``) is replaced by a new
file: the planted link's target keeps its content. Real module runs against a real PocketBase.
"""

import os
import stat

import pytest
from conftest import pick_version, run_tasks  # pylint: disable=import-error

NAME = "pbguard-audit-paths"
VICTIM_TEXT = "victim: must stay untouched\n"
FORMATS = ["json", "markdown"]


@pytest.fixture(scope="module")
def srv(pb_module_server_factory):
    return pb_module_server_factory(pick_version("0.23.0"))


def audit(srv, report_dir):
    return srv.task("pocketbase_audit", scope=["api"], fail_on="never", fail_on_error=False,
                    report_dir=str(report_dir), report_formats=FORMATS, report_name=NAME)


def victim_file(path):
    path.write_text(VICTIM_TEXT)
    return path


def make_dir(path, mode, uid=None):
    path.mkdir()
    os.chmod(str(path), mode)
    if uid is not None:
        os.chown(str(path), uid, -1)
    return path


def test_report_dirs_another_user_could_control_are_refused(srv, tmp_path):
    victim_dir = make_dir(tmp_path / "victim-dir", 0o700)
    victim_file(victim_dir / "keep.txt")
    linked = tmp_path / "linked-reports"
    os.symlink(str(victim_dir), str(linked))
    world = make_dir(tmp_path / "world", 0o777)
    group = make_dir(tmp_path / "group", 0o770)
    sticky = make_dir(tmp_path / "sticky", 0o1777)
    cases = [(linked, "is a symbolic link"), (world, "writable by group or others"),
             (group, "writable by group or others"), (sticky, "writable by group or others")]
    # a private directory is only as safe as its parents: whoever can rename a parent can swap it
    shared_parent = make_dir(tmp_path / "group-writable-parent", 0o775)
    cases.append((make_dir(shared_parent / "reports", 0o700), "a parent of"))
    if os.geteuid() == 0:  # only root can give a directory to another uid
        cases.append((make_dir(tmp_path / "other-uid", 0o755, uid=65534), "owned by uid 65534"))
        foreign_parent = make_dir(tmp_path / "other-uid-parent", 0o755, uid=65534)
        cases.append((make_dir(foreign_parent / "reports", 0o700), "(a parent of %s) is owned by uid 65534"
                      % (foreign_parent / "reports")))
    results = run_tasks([audit(srv, path) for path, _why in cases])
    for (path, why), res in zip(cases, results):
        assert res.failed, (path, res)
        assert res.msg.startswith("Cannot write reports to %s: " % path) and why in res.msg, res.msg
        assert "Traceback" not in res.raw and srv.password not in res.raw
    assert sorted(os.listdir(str(victim_dir))) == ["keep.txt"]
    assert (victim_dir / "keep.txt").read_text() == VICTIM_TEXT
    for path, _why in cases[1:]:
        assert os.listdir(str(path)) == [], path
    assert os.path.islink(str(linked))


def test_links_and_leftovers_at_report_names_are_replaced_not_followed(srv, tmp_path):
    reports = make_dir(tmp_path / "reports", 0o700)
    symlinked, hardlinked, stale_tmp = (victim_file(tmp_path / n) for n in ("sym.txt", "hard.txt", "tmp.txt"))
    json_path, md_path = reports / (NAME + ".json"), reports / (NAME + ".md")
    os.symlink(str(symlinked), str(json_path))
    os.link(str(hardlinked), str(md_path))
    os.symlink(str(stale_tmp), str(reports / (NAME + ".json.tmp")))

    res, = run_tasks([audit(srv, reports)])

    assert not res.failed, res
    for victim in (symlinked, hardlinked, stale_tmp):
        assert victim.read_text() == VICTIM_TEXT, victim
    for path in (json_path, md_path):
        info = os.lstat(str(path))
        assert stat.S_ISREG(info.st_mode) and info.st_nlink == 1, path
        assert stat.S_IMODE(info.st_mode) == 0o640
    assert sorted(res["report_files"].values()) == sorted([str(json_path), str(md_path)]), res["report_files"]
    assert '"summary"' in json_path.read_text()
    assert os.path.islink(str(reports / (NAME + ".json.tmp")))  # not ours: left alone, not written through
    assert sorted(os.listdir(str(reports))) == sorted([NAME + ".json", NAME + ".md", NAME + ".json.tmp"])
