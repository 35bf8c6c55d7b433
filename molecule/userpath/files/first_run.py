"""Run the README's "First run" commands verbatim, in a work directory, and report each run.

The commands are the lines of the shell block between `<!-- first-run:begin` and
`<!-- first-run:end -->` in README.md. Assignment lines (`export X=...`, `X=...`) are evaluated on
every call, in order; `--setup` runs the other non-playbook lines (build, install); `--run N` runs
the N-th `ansible-playbook` line (1-based, repeatable). Prints JSON: one entry per executed line with
rc, the PLAY RECAP per host and the output's tail.

    first_run.py README.md WORKDIR [--setup] [--run 1 --run 2 ...] [--env NAME=VALUE ...] [--extra CMD ...]
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys

BEGIN = "<!-- first-run:begin"
END = "<!-- first-run:end -->"
ASSIGN_RE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                      r"\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


def readme_commands(text):
    """The command lines of the README's first-run block (comments and blank lines dropped)."""
    start = text.find(BEGIN)
    end = text.find(END, start)
    if start < 0 or end < 0:
        raise ValueError("README.md has no first-run block (%s ... %s)" % (BEGIN, END))
    block = text[start:end].split("```sh", 1)[1].split("```", 1)[0]
    lines = []
    for raw in block.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def is_playbook(line):
    return line.startswith("ansible-playbook ")


def recap(output):
    return {m.group(1): dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"),
                                 map(int, m.groups()[1:])))
            for m in RECAP_RE.finditer(output)}


def expand(value, env):
    """The value of a shell assignment: one word after quote removal and $VAR expansion."""
    words = shlex.split(value)
    return " ".join(re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env.get(m.group(1) or m.group(2), ""), w)
                    for w in words)


def execute(line, workdir, env, playbook_no=None):
    proc = subprocess.run(["bash", "-c", line], cwd=workdir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return {"line": line, "playbook": playbook_no, "rc": proc.returncode, "recap": recap(proc.stdout),
            "output": proc.stdout[-12000:]}


def run(lines, workdir, env, setup, runs, extra=()):
    results = []
    playbook_no = 0
    for line in lines:
        assign = ASSIGN_RE.match(line)
        if assign and not is_playbook(line):
            env[assign.group(1)] = expand(assign.group(2), env)
            continue
        if is_playbook(line):
            playbook_no += 1
            if playbook_no not in runs:
                continue
        elif not setup:
            continue
        results.append(execute(line, workdir, env, playbook_no if is_playbook(line) else None))
        if results[-1]["rc"] != 0 and not is_playbook(line):
            return results
    # commands of the test itself (not README lines), in the README's environment ($EXAMPLE, ...)
    results.extend(execute(line, workdir, env, "extra") for line in extra)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("readme")
    ap.add_argument("workdir")
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--run", type=int, action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--extra", action="append", default=[], help="a test command run after the selected lines")
    args = ap.parse_args()
    with open(args.readme) as fh:
        lines = readme_commands(fh.read())
    # a user's shell: none of the calling Molecule/Ansible settings leak into the commands
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_"))}
    env.update(PWD=os.path.abspath(args.workdir), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env.update(item.split("=", 1) for item in args.env)
    json.dump(run(lines, args.workdir, env, args.setup, set(args.run), args.extra), sys.stdout)


if __name__ == "__main__":
    main()
