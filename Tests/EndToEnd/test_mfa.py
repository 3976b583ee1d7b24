"""MFA end to end: the prompt on the terminal through the real AWS CLI, mfa_process, no terminal, one
MFA session shared by many roles, mfa_with_assume_role, and the session cache rules (--refresh, clear,
the 15-minute window, corrupt entries).

Against fake_sts.FakeSTS, which checks the SigV4 signature of every request with botocore and knows
every credential it issued, so "signed with the session's key" and "no SerialNumber on AssumeRole" are
checked on what actually arrived.
"""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
import time

import pexpect
import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure
from fake_sts import PROMPT, REJECTED, SERIAL, World, fake_sts, role_arn  # noqa: F401 (fixture)


@pytest.fixture
def world(env, fake_sts, tmp_path):
    return World(env, fake_sts, tmp_path / "world")


def _only(calls, what):
    assert len(calls) == 1, f"expected exactly one {what}, got {len(calls)}"
    return calls[0]


def _spawn_aws(world, *args, timeout=60):
    log = io.StringIO()
    child = pexpect.spawn(
        sys.executable, ["-m", "awscli", *args, "--output", "json"], env=world.env, encoding="utf-8",
        timeout=timeout, codec_errors="replace", dimensions=(24, 250),
    )
    child.logfile_read = log
    return child, log


def _expect(child, log, text, timeout=None):
    try:
        child.expect_exact(text, timeout=timeout if timeout is not None else -1)
    except (pexpect.EOF, pexpect.TIMEOUT) as e:
        raise AssertionError(f"the terminal never showed {text!r} ({type(e).__name__}):\n{log.getvalue()!r}") from None


def _finish(child, log, timeout=60) -> int:
    try:
        child.expect(pexpect.EOF, timeout=timeout)
    except pexpect.TIMEOUT:
        child.close(force=True)
        raise AssertionError(f"the process did not exit:\n{log.getvalue()!r}") from None
    child.close()
    assert child.signalstatus is None, f"killed by signal {child.signalstatus}:\n{log.getvalue()!r}"
    return child.exitstatus


def _last_json(text: str) -> dict:
    start = text.rfind("\n{")
    assert start >= 0, f"no JSON document in:\n{text!r}"
    return json.loads(text[start:])


# ---------------------------------------------------------------------------------------------------
# 1. The prompt, through the real AWS CLI in a pseudo-terminal


def test_aws_cli_prompt_on_the_terminal_wrong_code_then_right_code(world, helper_bin):
    fake = world.fake
    role = h.fresh_profile("role")
    cli = h.fresh_profile("cli")
    arn = role_arn("mfa-role-" + role)
    world.write_config(
        f"[profile {role}]\nrole_arn = {arn}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n\n"
        f"[profile {cli}]\ncredential_process = {shlex.quote(helper_bin)} --profile {role}\n"
    )
    child, log = _spawn_aws(world, "sts", "get-caller-identity", "--profile", cli)
    try:
        # The CLI captures the helper's stdout and stderr; the prompt still reaches the terminal.
        _expect(child, log, PROMPT)
        child.send("12ab\r")  # not six digits: asked again, STS is not called
        _expect(child, log, "An MFA code is six digits")
        _expect(child, log, PROMPT)
        assert fake.helper_calls() == [], fake.describe()
        child.send("000000\r")  # six digits, but the fake rejects it
        _expect(child, log, REJECTED)
        _expect(child, log, PROMPT)
        child.send("123456\r")
        rc = _finish(child, log)
    finally:
        if child.isalive():
            child.close(force=True)
    transcript = log.getvalue()
    assert rc == 0, transcript
    assert transcript.count("Enter MFA code") == 3, transcript

    # The CLI's own call was signed with the role credentials the helper got: it is the role.
    doc = _last_json(transcript)
    assert doc["Arn"].startswith(f"arn:aws:sts::123456789012:assumed-role/mfa-role-{role}/"), doc
    assert doc["Account"] == "123456789012"

    # What STS received: the typed codes, as typed, in order.
    gst = fake.actions("GetSessionToken")
    assert [c.params.get("TokenCode") for c in gst] == ["000000", "123456"], fake.describe()
    assert [c.params.get("SerialNumber") for c in gst] == [SERIAL, SERIAL]
    assert [c.status for c in gst] == [403, 200]
    assert all(c.access_key_id == world.access_key_id for c in gst)
    session = gst[1].issued
    assume = _only(fake.actions("AssumeRole"), "AssumeRole")
    assert assume.access_key_id == session.access_key_id, "AssumeRole must be signed with the MFA session"
    assert "SerialNumber" not in assume.params and "TokenCode" not in assume.params, assume.params
    assert assume.params["RoleArn"] == arn
    gci = _only(fake.actions("GetCallerIdentity"), "GetCallerIdentity")
    assert gci.access_key_id == assume.issued.access_key_id


def test_three_rejected_codes_end_with_a_clear_failure(world):
    fake = world.fake
    role = h.fresh_profile("role")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('r3')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n"
    )
    pty = h.Pty(["--profile", role], world.env)
    try:
        for code in ("000000", "111111", "222222"):
            pty.expect_exact(PROMPT)
            pty.sendline(code)
        rc = pty.finish()
    finally:
        pty.close()
    assert rc != 0, pty.transcript
    assert pty.transcript.count(REJECTED) == 2, pty.transcript
    assert "MultiFactorAuthentication" in pty.transcript, pty.transcript
    assert "AccessKeyId" not in pty.transcript
    assert [c.params["TokenCode"] for c in fake.actions("GetSessionToken")] == ["000000", "111111", "222222"]
    assert fake.actions("AssumeRole") == []


# ---------------------------------------------------------------------------------------------------
# 2. mfa_process


def test_mfa_process_code_is_used_without_a_prompt(world):
    fake = world.fake
    fake.valid_code = "654321"
    role = h.fresh_profile("role")
    script = world.mfa_script(body="printf '  654321 \\n\\n'")  # trimmed
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('proc')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_process = {script}\n"
    )
    # With a terminal there, mfa_process still wins: no prompt.
    pty = h.Pty(["--profile", role], world.env)
    try:
        rc = pty.finish()
    finally:
        pty.close()
    assert rc == 0, pty.transcript
    assert "Enter MFA code" not in pty.transcript, pty.transcript
    assert world.code_requests() == 1
    gst = _only(fake.actions("GetSessionToken"), "GetSessionToken")
    assert gst.params["TokenCode"] == "654321" and gst.params["SerialNumber"] == SERIAL
    doc = json.loads(pty.transcript[pty.transcript.index("{"):])
    world.assert_issued(doc, "role", role_arn("proc"))


@pytest.mark.parametrize(
    "body, why, mentions",
    [
        ("echo not-a-code", "junk", []),
        ("echo 12345", "five digits", []),
        ("echo 1234567", "seven digits", []),
        ("echo 12 3456", "digits with a space", []),
        ("true", "nothing", []),
        ("echo 'vault: not signed in' >&2; echo 123456; exit 3", "a non-zero exit", ["vault: not signed in", "3"]),
        ("exit 1", "a non-zero exit, no output", ["1"]),
    ],
)
def test_mfa_process_failure_is_a_clear_error(world, body, why, mentions):
    fake = world.fake
    role = h.fresh_profile("role")
    script = world.mfa_script(body=body)
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('proc')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_process = {script}\n"
    )
    r = world.helper("--profile", role)
    assert_clean_failure(r, mentions=mentions)
    # Says that it is the profile's mfa_process that failed (not counting the script's own path, which
    # may contain anything).
    message = r.stderr.replace(shlex.split(script)[0], "<script>")
    assert "mfa_process" in message, f"{why}: the error should name mfa_process\n{r.describe()}"
    assert role in message, f"{why}: the error should name the profile\n{r.describe()}"
    assert "123456" not in r.stderr, r.describe()  # a code is never echoed
    assert world.code_requests() == 1, why
    assert fake.helper_calls() == [], f"{why}: STS must not be called\n{fake.describe()}"


def test_mfa_process_code_rejected_by_sts_fails_without_retrying(world):
    """A program would print the same wrong code again: one try, then a clear failure."""
    fake = world.fake
    role = h.fresh_profile("role")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('proc')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_process = {world.mfa_script(code='999999')}\n"
    )
    r = world.helper("--profile", role)
    assert_clean_failure(r, mentions=["MultiFactorAuthentication"])
    assert [c.params["TokenCode"] for c in fake.actions("GetSessionToken")] == ["999999"]
    assert fake.actions("AssumeRole") == [] and world.code_requests() == 1


# ---------------------------------------------------------------------------------------------------
# 3. No terminal and no mfa_process


def test_no_terminal_and_no_mfa_process_explains_the_fix(world, helper_bin):
    fake = world.fake
    role = h.fresh_profile("role")
    cli = h.fresh_profile("cli")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('nt')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n\n"
        f"[profile {cli}]\ncredential_process = {shlex.quote(helper_bin)} --profile {role}\n"
    )
    # h.run starts a new session with stdin from /dev/null: there is no controlling terminal.
    r = world.helper("--profile", role)
    assert_clean_failure(r, mentions=["mfa_process", f"awskeyring-helper --profile {role}", "terminal"])
    assert fake.helper_calls() == [], fake.describe()

    # The same through the AWS CLI: the CLI fails and shows the helper's explanation.
    r = h.run([sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", cli], world.env, timeout=60)
    assert r.rc != 0 and r.stdout == "", r.describe()
    assert "mfa_process" in r.stderr, r.describe()
    assert fake.helper_calls() == [] and fake.actions("GetCallerIdentity") == [], fake.describe()


# ---------------------------------------------------------------------------------------------------
# 4. One MFA session for many roles; mfa_with_assume_role; mfa_serial without a role


@pytest.mark.parametrize("serial_on", ["role", "source"])
def test_one_mfa_session_for_many_roles(world, serial_on):
    fake = world.fake
    r1, r2 = h.fresh_profile("r1"), h.fresh_profile("r2")
    arn1, arn2 = role_arn("first"), role_arn("second")
    script = world.mfa_script()
    role_serial = f"mfa_serial = {SERIAL}\n" if serial_on == "role" else ""
    source_serial = f"mfa_serial = {SERIAL}\n" if serial_on == "source" else ""
    world.write_config(
        f"[profile {world.base}]\nmfa_process = {script}\n{source_serial}\n"
        f"[profile {r1}]\nrole_arn = {arn1}\nsource_profile = {world.base}\n{role_serial}\n"
        f"[profile {r2}]\nrole_arn = {arn2}\nsource_profile = {world.base}\n{role_serial}\n"
    )
    doc1 = world.document(r1)
    doc2 = world.document(r2)

    assert world.code_requests() == 1, "one code for both roles"
    gst = _only(fake.actions("GetSessionToken"), "GetSessionToken")
    assert gst.access_key_id == world.access_key_id
    assert gst.params == {"SerialNumber": SERIAL, "TokenCode": "123456", "DurationSeconds": "28800"}, gst.params
    session = gst.issued
    for arn, doc in ((arn1, doc1), (arn2, doc2)):
        call = _only(fake.actions("AssumeRole", RoleArn=arn), f"AssumeRole of {arn}")
        assert call.access_key_id == session.access_key_id, "roles are assumed with the MFA session"
        assert "SerialNumber" not in call.params and "TokenCode" not in call.params, call.params
        assert call.status == 200
        assert doc["AccessKeyId"] == call.issued.access_key_id
        world.assert_issued(doc, "role", arn)
    assert doc1["AccessKeyId"] != doc2["AccessKeyId"]

    # Second calls: from the cache, no STS call, no code.
    before = len(fake.helper_calls())
    assert world.document(r1) == doc1
    assert world.document(r2) == doc2
    assert len(fake.helper_calls()) == before, fake.describe()
    assert world.code_requests() == 1


def test_roles_in_different_regions_share_one_mfa_session(world):
    """A session from a regional STS endpoint is valid in every region, so roles whose profiles name
    different regions need one code and one GetSessionToken; each AssumeRole is still signed for its
    own profile's region."""
    fake = world.fake
    fake.region = None  # each request is checked for the region it names
    world.env = h.env_with(world.env, AWS_DEFAULT_REGION=None)
    east, west = h.fresh_profile("east"), h.fresh_profile("west")
    arn_east, arn_west = role_arn("east"), role_arn("west")
    world.write_config(
        f"[profile {world.base}]\nmfa_process = {world.mfa_script()}\nmfa_serial = {SERIAL}\n\n"
        f"[profile {east}]\nrole_arn = {arn_east}\nsource_profile = {world.base}\nregion = us-east-1\n\n"
        f"[profile {west}]\nrole_arn = {arn_west}\nsource_profile = {world.base}\nregion = eu-west-1\n"
    )
    world.assert_issued(world.document(east), "role", arn_east)
    world.assert_issued(world.document(west), "role", arn_west)

    assert world.code_requests() == 1, "one code for roles in two regions"
    session = _only(fake.actions("GetSessionToken"), "GetSessionToken").issued
    for arn, region in ((arn_east, "us-east-1"), (arn_west, "eu-west-1")):
        assert _only(fake.actions("AssumeRole", RoleArn=arn), f"AssumeRole of {arn}").access_key_id == (
            session.access_key_id
        )
        signed = [r.header("Authorization") or "" for r in fake.requests if r.form.get("RoleArn") == [arn]]
        assert len(signed) == 1 and f"/{region}/sts/aws4_request" in signed[0], signed


def test_mfa_with_assume_role_passes_the_code_to_assume_role(world):
    fake = world.fake
    role = h.fresh_profile("direct")
    arn = role_arn("direct")
    script = world.mfa_script()
    world.write_config(
        f"[profile {role}]\nrole_arn = {arn}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n"
        f"mfa_with_assume_role = true\nmfa_process = {script}\n"
    )
    doc = world.document(role)
    assert fake.actions("GetSessionToken") == [], fake.describe()
    call = _only(fake.actions("AssumeRole"), "AssumeRole")
    assert call.access_key_id == world.access_key_id, "signed with the long-lived key"
    assert call.params["SerialNumber"] == SERIAL and call.params["TokenCode"] == "123456", call.params
    assert call.params["RoleArn"] == arn
    world.assert_issued(doc, "role", arn)
    # Cached like any role.
    assert world.document(role) == doc
    assert len(fake.helper_calls()) == 1 and world.code_requests() == 1


def test_mfa_with_assume_role_asks_again_after_a_rejected_code(world):
    fake = world.fake
    role = h.fresh_profile("direct")
    arn = role_arn("direct-tty")
    world.write_config(
        f"[profile {role}]\nrole_arn = {arn}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n"
        "mfa_with_assume_role = true\n"
    )
    pty = h.Pty(["--profile", role], world.env)
    try:
        pty.expect_exact(PROMPT)
        pty.sendline("000000")
        pty.expect_exact(REJECTED)
        pty.expect_exact(PROMPT)
        pty.sendline("123456")
        assert pty.finish() == 0, pty.transcript
    finally:
        pty.close()
    calls = fake.actions("AssumeRole")
    assert [c.params.get("TokenCode") for c in calls] == ["000000", "123456"], fake.describe()
    assert all(c.access_key_id == world.access_key_id and c.params["SerialNumber"] == SERIAL for c in calls)
    assert fake.actions("GetSessionToken") == []
    doc = json.loads(pty.transcript[pty.transcript.index("{"):])
    world.assert_issued(doc, "role", arn)


def test_mfa_serial_without_role_prints_the_mfa_session(world):
    fake = world.fake
    role = h.fresh_profile("role")
    script = world.mfa_script()
    world.write_config(
        f"[profile {world.base}]\nmfa_serial = {SERIAL}\nmfa_process = {script}\n\n"
        f"[profile {role}]\nrole_arn = {role_arn('behind')}\nsource_profile = {world.base}\n"
    )
    doc = world.document(world.base)
    gst = _only(fake.actions("GetSessionToken"), "GetSessionToken")
    assert gst.params.get("DurationSeconds") == "28800", "the default MFA session lasts 8 hours"
    assert doc["AccessKeyId"] == gst.issued.access_key_id
    world.assert_issued(doc, "session")
    assert fake.actions("AssumeRole") == []

    # A role behind the same keys and device uses that very session: no second code.
    world.document(role)
    assert world.code_requests() == 1
    assume = _only(fake.actions("AssumeRole"), "AssumeRole")
    assert assume.access_key_id == doc["AccessKeyId"]
    assert len(fake.actions("GetSessionToken")) == 1

    # mfa_session_duration sets the session's lifetime.
    other = World(world.env, fake, world.dir.parent / "world-2")
    other.write_config(
        f"[profile {other.base}]\nmfa_serial = {SERIAL}\nmfa_session_duration = 3600\n"
        f"mfa_process = {other.mfa_script()}\n"
    )
    doc = other.document(other.base)
    call = fake.actions("GetSessionToken")[-1]
    assert call.access_key_id == other.access_key_id and call.params["DurationSeconds"] == "3600"
    assert 3600 - 5 < other.assert_issued(doc, "session").expiration - call.at < 3600 + 5


# ---------------------------------------------------------------------------------------------------
# 5. Cache rules


def _two_roles(world, extra_role=""):
    r1, r2 = h.fresh_profile("r1"), h.fresh_profile("r2")
    script = world.mfa_script()
    world.write_config(
        f"[profile {world.base}]\nmfa_process = {script}\n\n"
        f"[profile {r1}]\nrole_arn = {role_arn('one')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n"
        f"{extra_role}\n"
        f"[profile {r2}]\nrole_arn = {role_arn('two')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n"
    )
    return r1, r2


def test_refresh_assumes_again_but_keeps_the_mfa_session(world):
    fake = world.fake
    r1, _ = _two_roles(world)
    doc1 = world.document(r1)
    doc2 = world.document(r1, "--refresh")
    assert doc2["AccessKeyId"] != doc1["AccessKeyId"], "--refresh must not answer from the cache"
    world.assert_issued(doc2, "role", role_arn("one"))
    assert len(fake.actions("AssumeRole")) == 2
    assert len(fake.actions("GetSessionToken")) == 1, "a valid MFA session is reused"
    assert world.code_requests() == 1
    gst = fake.actions("GetSessionToken")[0]
    assert all(c.access_key_id == gst.issued.access_key_id for c in fake.actions("AssumeRole"))
    # The refreshed credentials replace the cached ones.
    assert world.document(r1) == doc2
    assert len(fake.helper_calls()) == 3


def test_clear_drops_cached_sessions_but_not_the_keys(world):
    fake = world.fake
    r1, r2 = _two_roles(world)
    world.document(r1)
    world.document(r2)
    r = world.helper("clear")
    assert r.rc == 0, r.describe()
    doc = world.document(r1)
    world.assert_issued(doc, "role", role_arn("one"))
    assert len(fake.actions("GetSessionToken")) == 2, "after clear, a new MFA session"
    assert world.code_requests() == 2
    assert len(fake.actions("AssumeRole", RoleArn=role_arn("one"))) == 2

    # clear --profile BASE drops what was got with BASE's keys.
    r = world.helper("clear", "--profile", world.base)
    assert r.rc == 0, r.describe()
    world.document(r2)
    assert len(fake.actions("GetSessionToken")) == 3
    assert len(fake.actions("AssumeRole", RoleArn=role_arn("two"))) == 2
    # The long-lived keys are untouched.
    h.assert_keys(world.env, world.base, world.access_key_id, world.secret)


def test_credentials_with_15_minutes_or_less_left_are_not_handed_out(world):
    fake = world.fake
    r1, r2 = _two_roles(world, extra_role="duration_seconds = 900\n")
    docs = [world.document(r1) for _ in range(3)]
    assert len({d["AccessKeyId"] for d in docs}) == 3, "900 s credentials must not come from the cache"
    assert len(fake.actions("AssumeRole", RoleArn=role_arn("one"))) == 3
    assert all(c.params["DurationSeconds"] == "900" for c in fake.actions("AssumeRole"))
    assert len(fake.actions("GetSessionToken")) == 1 and world.code_requests() == 1

    # Just over 15 minutes is handed out from the cache.
    world.write_config(world.config_path.read_text().replace("duration_seconds = 900", "duration_seconds = 960"))
    doc = world.document(r1)
    assert world.document(r1) == doc
    assert len(fake.actions("AssumeRole", DurationSeconds="960")) == 1


def test_mfa_session_with_15_minutes_or_less_left_is_not_handed_out(world):
    fake = world.fake
    world.write_config(
        f"[profile {world.base}]\nmfa_serial = {SERIAL}\nmfa_session_duration = 900\n"
        f"mfa_process = {world.mfa_script()}\n"
    )
    first = world.document(world.base)
    second = world.document(world.base)
    assert len(fake.actions("GetSessionToken")) == 2, (
        "an MFA session with 15 minutes or less left must not be printed again\n" + fake.describe()
    )
    assert first["AccessKeyId"] != second["AccessKeyId"]


def _secret_service_tier_only(world):
    """Tests that edit the Secret Service entries behind the tool's back make sure the opt-in kernel
    tier (AWSKEYRING_HELPER_KERNEL_CACHE), which would answer without looking at the edited entry, is
    off, as it is by default."""
    world.env["AWSKEYRING_HELPER_KERNEL_CACHE"] = "off"


def _session_items(env) -> list[dict]:
    """Every cached-session item, as `secret-tool search --all` shows it: label, secret, schema, ...
    and its attributes. secret-tool prints the attributes on stderr and the rest on stdout, so both go
    to one pipe, unbuffered, to keep each item's lines together."""
    r = subprocess.run(
        ["stdbuf", "-o0", "-e0", "secret-tool", "search", "--all", "--unlock",
         "application", "awskeyring-helper", "kind", "session"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20,
    )
    items, item = [], None
    for line in r.stdout.splitlines():
        if line.startswith("["):
            item = {"attributes": {}}
            items.append(item)
        elif item is not None and " = " in line:
            key, _, value = line.partition(" = ")
            if key.startswith("attribute."):
                item["attributes"][key[len("attribute."):]] = value
            else:
                item[key] = value
    return items


def _corrupt(env, item, junk):
    attrs = item["attributes"]
    argv = ["secret-tool", "store", "--label=x"]
    for key in ("application", "kind", "cache-key", "profile", "source-profile", "expires"):
        argv += [key, attrs[key]]
    if item.get("schema"):
        argv += ["xdg:schema", item["schema"]]
    subprocess.run(argv, input=junk, env=env, capture_output=True, text=True, timeout=20, check=True)
    # Exactly one entry holds that cache key, and it is the junk now.
    same = [i for i in _session_items(env) if i["attributes"].get("cache-key") == attrs["cache-key"]]
    assert [i.get("secret") for i in same] == [junk], same


JUNK = "JUNK-NOT-A-SESSION {\"AccessKeyId\": \"AKIAJUNKJUNKJUNKJUNK\""


def test_corrupt_cache_entries_are_discarded_and_rebuilt(world):
    _secret_service_tier_only(world)
    fake = world.fake
    r1, r2 = _two_roles(world)
    world.document(r1)
    items = [i for i in _session_items(world.env) if i["attributes"].get("source-profile") == world.base]
    assert {i["attributes"]["profile"] for i in items} == {r1, world.base}, items

    # A corrupt role entry: discarded, the role is assumed again with the (valid) MFA session.
    role_item = next(i for i in items if i["attributes"]["profile"] == r1)
    _corrupt(world.env, role_item, JUNK)
    r = world.helper("--profile", r1)
    doc = h.credential_document(r)
    assert "JUNK" not in r.stdout + r.stderr, r.describe()
    world.assert_issued(doc, "role", role_arn("one"))
    assert len(fake.actions("AssumeRole")) == 2 and len(fake.actions("GetSessionToken")) == 1, fake.describe()

    # A corrupt MFA session entry: discarded, a new code and a new session.
    session_item = next(i for i in _session_items(world.env) if i["attributes"]["profile"] == world.base
                        and i["attributes"].get("source-profile") == world.base)
    _corrupt(world.env, session_item, JUNK)
    r = world.helper("--profile", r2)
    doc = h.credential_document(r)
    assert "JUNK" not in r.stdout + r.stderr, r.describe()
    world.assert_issued(doc, "role", role_arn("two"))
    assert len(fake.actions("GetSessionToken")) == 2 and world.code_requests() == 2, fake.describe()

    # Rebuilt: the entries hold sessions again, and answer from the cache.
    for item in _session_items(world.env):
        if item["attributes"].get("source-profile") == world.base:
            assert "JUNK" not in item.get("secret", ""), item["attributes"]
            assert item["secret"].split(" ")[1].startswith("ASIA"), "not a cached session"
    before = len(fake.helper_calls())
    world.document(r1)
    world.document(r2)
    assert len(fake.helper_calls()) == before


# ---------------------------------------------------------------------------------------------------
# The fake itself: what the tests above rely on it to refuse


def test_the_fake_sts_checks_signatures_codes_and_mfa(fake_sts):
    import boto3
    from botocore.exceptions import ClientError

    akid, secret = h.new_keys()
    fake_sts.add_user(akid, secret, user_name="checker", mfa_serial=SERIAL)

    def client(key_id, key_secret, token=None):
        return boto3.client("sts", endpoint_url=fake_sts.url, region_name="us-east-1", aws_access_key_id=key_id,
                            aws_secret_access_key=key_secret, aws_session_token=token)

    def error_code(call):
        with pytest.raises(ClientError) as e:
            call()
        return e.value.response["Error"]

    assert client(akid, secret).get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/checker"
    assert error_code(lambda: client(akid, h.new_secret()).get_caller_identity())["Code"] == "SignatureDoesNotMatch"
    err = error_code(lambda: client(akid, secret).get_session_token(SerialNumber=SERIAL, TokenCode="999999"))
    assert err["Code"] == "AccessDenied" and "MultiFactorAuthentication" in err["Message"]
    # Roles need MFA: not with the bare long-lived key.
    err = error_code(lambda: client(akid, secret).assume_role(RoleArn=role_arn("x"), RoleSessionName="ss"))
    assert err["Code"] == "AccessDenied"
    session = client(akid, secret).get_session_token(SerialNumber=SERIAL, TokenCode="123456")["Credentials"]
    sid, ssecret, stoken = session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    assert error_code(lambda: client(sid, ssecret).get_caller_identity())["Code"] == "SignatureDoesNotMatch"
    assert error_code(lambda: client(sid, ssecret, stoken + "x").get_caller_identity())["Code"] == "SignatureDoesNotMatch"
    role = client(sid, ssecret, stoken).assume_role(RoleArn=role_arn("x"), RoleSessionName="ss")
    assert role["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/x/ss"
    c = role["Credentials"]
    ident = client(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::123456789012:assumed-role/x/ss"
    assert len(fake_sts.rejected) == 3
    fake_sts.rejected.clear()  # expected here; the fixture fails a test that leaves any


def _plant(env, item, payload: str):
    """Overwrites a cache entry (same attributes, so the keyring replaces it) with `payload`."""
    attrs = item["attributes"]
    argv = ["secret-tool", "store", "--label=planted"]
    for key in ("application", "kind", "cache-key", "profile", "source-profile", "expires"):
        argv += [key, attrs[key]]
    argv += ["xdg:schema", item["schema"]]
    subprocess.run(argv, input=payload, env=env, capture_output=True, text=True, timeout=20, check=True)


def _plant_all(env, cache_key: str, payload: str):
    """Overwrites every entry holding `cache_key` with `payload`."""
    for item in _session_items(env):
        if item["attributes"].get("cache-key") == cache_key:
            _plant(env, item, payload)
    same = [i.get("secret") for i in _session_items(env) if i["attributes"].get("cache-key") == cache_key]
    assert same and all(secret == payload for secret in same), same


def test_the_15_minute_window_applies_to_what_the_cache_holds(world):
    """A cached role entry whose Expiration is 10 minutes away is not handed out; 20 minutes away is."""
    _secret_service_tier_only(world)
    from fake_sts import rfc3339

    fake = world.fake
    r1, _ = _two_roles(world)
    world.document(r1)
    item = next(i for i in _session_items(world.env) if i["attributes"]["profile"] == r1)

    # Planted entries carry the digest of the stored keys that the real entry carries, so only their
    # time left decides.
    source_key = item["secret"].split(" ")[5]

    def planted(seconds_left):
        akid = "ASIA" + h.new_access_key_id()[4:]
        expires = int(time.time()) + seconds_left
        document = {"Version": 1, "AccessKeyId": akid, "SecretAccessKey": h.new_secret(),
                    "SessionToken": "planted-token", "Expiration": rfc3339(expires)}
        return document, f"v2 {akid} {document['SecretAccessKey']} planted-token {expires} {source_key}"

    soon, text = planted(600)
    _plant_all(world.env, item["attributes"]["cache-key"], text)
    doc = world.document(r1)
    assert doc["AccessKeyId"] != soon["AccessKeyId"], "10 minutes left: must not be handed out"
    world.assert_issued(doc, "role", role_arn("one"))
    assert len(fake.actions("AssumeRole")) == 2 and len(fake.actions("GetSessionToken")) == 1

    later, text = planted(1200)
    _plant_all(world.env, item["attributes"]["cache-key"], text)
    doc = world.document(r1)
    assert doc == later, "20 minutes left: handed out from the cache"
    assert len(fake.actions("AssumeRole")) == 2


def test_expired_cache_entries_are_removed(world):
    _secret_service_tier_only(world)
    r1, r2 = _two_roles(world)
    world.document(r1)
    item = next(i for i in _session_items(world.env) if i["attributes"]["profile"] == r1)
    attributes = dict(item["attributes"], **{"cache-key": "0" * 40, "expires": str(int(time.time()) - 60)})
    _plant(world.env, {"attributes": attributes, "schema": item["schema"]},
           json.dumps({"Version": 1, "AccessKeyId": "ASIAEXPIREDEXPIRED00", "SecretAccessKey": "x" * 40,
                       "SessionToken": "t", "Expiration": "2000-01-01T00:00:00Z"}))
    assert any(i["attributes"]["cache-key"] == "0" * 40 for i in _session_items(world.env))
    world.document(r2)  # gets new credentials (AssumeRole), after which expired entries go
    keys = [i["attributes"]["cache-key"] for i in _session_items(world.env)]
    assert "0" * 40 not in keys, "an expired cache entry must be removed"


def test_new_credentials_replace_the_cache_entry_they_renew(world):
    """Renewed credentials (--refresh, or after the 15-minute window) take the place of the old entry:
    one entry per cache key, and the next call hands out the renewed credentials."""
    fake = world.fake
    r1, _ = _two_roles(world)
    doc1 = world.document(r1)
    time.sleep(1.1)  # the new credentials' Expiration differs from the old one's
    doc2 = world.document(r1, "--refresh")
    assert doc2["Expiration"] != doc1["Expiration"]
    entries = [i for i in _session_items(world.env) if i["attributes"]["profile"] == r1]
    assert len(entries) == 1, (
        "the renewed role credentials must replace the cached entry, not sit beside it:\n"
        + "\n".join(f"{i['attributes']} {json.loads(i['secret'])['AccessKeyId']}" for i in entries)
    )
    for _ in range(3):
        assert world.document(r1) == doc2
    assert len(fake.actions("AssumeRole")) == 2
