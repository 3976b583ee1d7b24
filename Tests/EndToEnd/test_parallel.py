"""Many callers at once: the per-source lock makes exactly one process ask for the MFA code and call
STS while the others wait and read the cache; a lock dies with its holder.

Real AWS CLI processes (each runs the helper through credential_process) against fake_sts.FakeSTS,
which checks every signature and counts the calls.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pexpect
import pytest

import e2e_helpers as h
from fake_sts import PROMPT, SERIAL, World, fake_sts, role_arn  # noqa: F401 (fixture)

WAITING = re.compile(r"Waiting for another awskeyring-helper(?: \(pid (\d+)\))? that is getting credentials for '([^']+)'\.\.\.")


@pytest.fixture
def world(env, fake_sts, tmp_path):
    return World(env, fake_sts, tmp_path / "world")


def _config(world, helper_bin, mfa_process=None):
    """Two roles behind the same keys and MFA device, and a CLI profile for each."""
    r1, r2 = h.fresh_profile("r1"), h.fresh_profile("r2")
    c1, c2 = h.fresh_profile("cli1"), h.fresh_profile("cli2")
    bin_ = shlex.quote(helper_bin)
    proc = f"mfa_process = {mfa_process}\n" if mfa_process else ""
    world.write_config(
        f"[profile {r1}]\nrole_arn = {role_arn('alpha')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n{proc}\n"
        f"[profile {r2}]\nrole_arn = {role_arn('beta')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n{proc}\n"
        f"[profile {c1}]\ncredential_process = {bin_} --profile {r1}\n\n"
        f"[profile {c2}]\ncredential_process = {bin_} --profile {r2}\n"
    )
    return {c1: "alpha", c2: "beta"}, (r1, r2)


def _start_wave(world, clis, n):
    """Starts n AWS CLI processes at once (alternating profiles), each without a terminal."""
    procs = []
    names = list(clis)
    for i in range(n):
        cli = names[i % len(names)]
        p = subprocess.Popen(
            [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", cli, "--output", "json"],
            env=world.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, text=True,
        )
        procs.append((cli, p))
    return procs


def _check_wave(procs, clis, timeout=120):
    deadline = time.monotonic() + timeout
    failures = []
    for cli, p in procs:
        try:
            out, err = p.communicate(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for _, q in procs:
                if q.poll() is None:
                    os.killpg(q.pid, signal.SIGKILL)
            raise AssertionError(f"an AWS CLI process did not finish within {timeout}s") from None
        h.assert_no_known_secret(err, "an AWS CLI's stderr")
        if p.returncode != 0:
            failures.append(f"{cli}: exit {p.returncode}\n{err}")
            continue
        arn = json.loads(out)["Arn"]
        if not arn.startswith(f"arn:aws:sts::123456789012:assumed-role/{clis[cli]}/"):
            failures.append(f"{cli}: wrong identity {arn}")
    assert not failures, "\n".join(failures)


def test_twenty_aws_cli_processes_one_code_one_session_one_assume_role_per_role(world, helper_bin):
    fake = world.fake
    script = world.mfa_script(sleep=1)
    clis, (r1, r2) = _config(world, helper_bin, mfa_process=script)

    _check_wave(_start_wave(world, clis, 20), clis)
    assert world.code_requests() == 1, f"the MFA code was asked for {world.code_requests()} times"
    gst = fake.actions("GetSessionToken")
    assert len(gst) == 1, fake.describe()
    for role in ("alpha", "beta"):
        calls = fake.actions("AssumeRole", RoleArn=role_arn(role))
        assert len(calls) == 1, fake.describe()
        assert calls[0].access_key_id == gst[0].issued.access_key_id
    # Every CLI process called GetCallerIdentity with role credentials the fake issued.
    gci = fake.actions("GetCallerIdentity")
    assert len(gci) == 20
    issued = {c.issued.access_key_id for c in fake.actions("AssumeRole")}
    assert {c.access_key_id for c in gci} == issued

    # A second wave: everything from the cache, no STS call by the helper, no code.
    before = len(fake.helper_calls())
    _check_wave(_start_wave(world, clis, 20), clis)
    assert len(fake.helper_calls()) == before, fake.describe()
    assert world.code_requests() == 1
    assert len(fake.actions("GetCallerIdentity")) == 40


def test_waiting_helpers_say_what_they_wait_for(world, helper_bin):
    """The helper alone, 8 at once without a terminal: one gets the code, the others say on stderr that
    they wait for it (naming the source profile and its pid), then print the cached answer."""
    fake = world.fake
    script = world.mfa_script(sleep=2)
    _, (r1, r2) = _config(world, helper_bin, mfa_process=script)
    procs = [
        subprocess.Popen([helper_bin, "--profile", (r1, r2)[i % 2]], env=world.env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, text=True)
        for i in range(8)
    ]
    results = [(p, *p.communicate(timeout=60)) for p in procs]
    docs = {}
    waiters = 0
    for i, (p, out, err) in enumerate(results):
        assert p.returncode == 0, err
        doc = json.loads(out)
        docs.setdefault((r1, r2)[i % 2], set()).add(doc["AccessKeyId"])
        if err:
            m = WAITING.fullmatch(err.strip())
            assert m, f"unexpected stderr: {err!r}"
            assert m.group(2) == world.base
            assert m.group(1) is None or int(m.group(1)) in {q.pid for q in procs}, err
            waiters += 1
    assert waiters >= 1, "with a 2 s mfa_process, some helpers must have waited"
    assert waiters <= 7
    assert all(len(ids) == 1 for ids in docs.values()), docs
    assert world.code_requests() == 1
    assert len(fake.actions("GetSessionToken")) == 1 and len(fake.actions("AssumeRole")) == 2, fake.describe()


def test_ten_aws_cli_processes_in_one_terminal_get_one_prompt(world, helper_bin, tmp_path):
    fake = world.fake
    clis, _ = _config(world, helper_bin)
    out = tmp_path / "out"
    out.mkdir()
    names = list(clis)
    lines = []
    for i in range(10):
        cli = names[i % 2]
        lines.append(
            f"( {shlex.quote(sys.executable)} -m awscli sts get-caller-identity --profile {cli} --output json"
            f" > {out}/{i}.json 2> {out}/{i}.err; echo $? > {out}/{i}.rc ) &"
        )
    script = "\n".join(lines) + "\nwait\necho ALL-DONE\n"
    log = io.StringIO()
    child = pexpect.spawn("/bin/sh", ["-c", script], env=world.env, encoding="utf-8", timeout=90,
                          codec_errors="replace", dimensions=(50, 250))
    child.logfile_read = log
    try:
        child.expect_exact(PROMPT)
        # Don't answer until the 9 others are all waiting on the lock: then "one prompt" is a fact.
        deadline = time.monotonic() + 60
        while len(WAITING.findall(log.getvalue())) < 9:
            assert time.monotonic() < deadline, f"not all helpers waited:\n{log.getvalue()}"
            try:
                child.expect(r"\.\.\.", timeout=1)
            except pexpect.TIMEOUT:
                pass
        assert log.getvalue().count("Enter MFA code") == 1
        assert fake.helper_calls() == []
        child.send("123456\r")
        child.expect_exact("ALL-DONE", timeout=90)
        child.expect(pexpect.EOF, timeout=10)
    except (pexpect.EOF, pexpect.TIMEOUT) as e:
        raise AssertionError(f"{type(e).__name__}; the terminal showed:\n{log.getvalue()}") from None
    finally:
        child.close(force=True)
    transcript = log.getvalue()
    assert transcript.count("Enter MFA code") == 1, transcript
    assert all(w[1] == world.base for w in WAITING.findall(transcript))
    for i in range(10):
        rc = (out / f"{i}.rc").read_text().strip()
        assert rc == "0", (out / f"{i}.err").read_text()
        arn = json.loads((out / f"{i}.json").read_text())["Arn"]
        assert arn.startswith(f"arn:aws:sts::123456789012:assumed-role/{clis[names[i % 2]]}/"), arn
    gst = fake.actions("GetSessionToken")
    assert len(gst) == 1 and gst[0].params["TokenCode"] == "123456", fake.describe()
    assert len(fake.actions("AssumeRole", RoleArn=role_arn("alpha"))) == 1
    assert len(fake.actions("AssumeRole", RoleArn=role_arn("beta"))) == 1


def test_a_lock_holder_killed_while_it_waits_for_the_code_does_not_block_the_next_caller(world, helper_bin):
    fake = world.fake
    _, (r1, r2) = _config(world, helper_bin)
    holder = h.Pty(["--profile", r1], world.env)
    waiter = None
    try:
        holder.expect_exact(PROMPT)
        # A second caller (another role, same keys and device) waits for the holder, and says so.
        waiter = h.Pty(["--profile", r2], world.env, timeout=20)
        waiter.expect_exact("Waiting for another awskeyring-helper")
        waiter.expect_exact("...")
        m = WAITING.search(waiter.transcript)
        assert m and m.group(2) == world.base, waiter.transcript
        if m.group(1) is not None:
            assert int(m.group(1)) == holder.child.pid
        assert "Enter MFA code" not in waiter.transcript

        os.kill(holder.child.pid, signal.SIGKILL)
        started = time.monotonic()
        waiter.expect_exact(PROMPT)  # it gets the lock as soon as the holder is gone
        assert time.monotonic() - started < h.well_under(h.LOCK_WAIT_LIMIT), "the waiter should get the lock at once"
        waiter.sendline("123456")
        assert waiter.finish() == 0, waiter.transcript
        doc = json.loads(waiter.transcript[waiter.transcript.index("{"):])
        world.assert_issued(doc, "role", role_arn("beta"))
    finally:
        holder.close()
        if waiter is not None:
            waiter.close()

    # The same with nobody waiting: after the killed holder, the next caller prompts at once.
    assert world.helper("clear").rc == 0
    holder2 = h.Pty(["--profile", r1], world.env)
    try:
        holder2.expect_exact(PROMPT)
        os.kill(holder2.child.pid, signal.SIGKILL)
    finally:
        holder2.close()
    started = time.monotonic()
    nxt = h.Pty(["--profile", r1], world.env)
    try:
        nxt.expect_exact(PROMPT)
        assert time.monotonic() - started < h.well_under(h.LOCK_WAIT_LIMIT), "it waited for the killed holder"
        nxt.sendline("123456")
        assert nxt.finish() == 0, nxt.transcript
    finally:
        nxt.close()
    assert "Waiting for another" not in nxt.transcript, nxt.transcript
    doc = json.loads(nxt.transcript[nxt.transcript.index("{"):])
    world.assert_issued(doc, "role", role_arn("alpha"))
    assert len(fake.actions("GetSessionToken")) == 2, fake.describe()
