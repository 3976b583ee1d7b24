"""Messages and prompts of everyday use: `store` checks the key id before asking for
the secret and warns when a secret was typed in its place, Ctrl-C ends the prompt's line, grouped MFA
codes, a mistyped source_profile, "did you mean" for profiles and commands, an unclosed section header,
the role-chaining cap said on stderr, no retry of a refused metadata or container request, import's
missing file, and doctor's credential_process and source wording."""

from __future__ import annotations

import contextlib
import json
from http.server import BaseHTTPRequestHandler

import pytest

import e2e_helpers as h
from e2e_helpers import Pty, assert_clean_failure, credential_document, env_with, store_from_env, tool
from fake_sts import running

ROLE = "arn:aws:iam::123456789012:role/everyday"
SERIAL = "arn:aws:iam::123456789012:mfa/everyday"


@pytest.fixture
def sts():
    with running(roles_need_mfa=False) as server:
        yield server


# ---------------------------------------------------------------------------------------------------
# store


def test_a_secret_typed_as_the_key_id_is_refused_before_the_secret_prompt(env):
    profile = h.fresh_profile("store-swap")
    secret = h.new_secret()
    pty = Pty(["store", "--profile", profile], env)
    try:
        pty.expect_exact("Access Key ID: ")
        pty.sendline(secret)
        status = pty.finish()
    finally:
        pty.close()
    assert status == 1
    assert "Secret Access Key:" not in pty.transcript, "no secret prompt after a refused key id"
    assert "shown on" in pty.transcript and "rotate" in pty.transcript, pty.transcript
    # The warning does not repeat the secret (the terminal's own echo of the typed line is the only copy).
    assert pty.transcript.count(secret) == 1, pty.transcript
    assert h.key_items(env, profile) == []


def test_a_malformed_key_id_is_refused_before_the_secret_prompt(env):
    profile = h.fresh_profile("store-badid")
    pty = Pty(["store", "--profile", profile], env)
    try:
        pty.expect_exact("Access Key ID: ")
        pty.sendline("akia-not-a-key")
        status = pty.finish()
    finally:
        pty.close()
    assert status == 1 and "Secret Access Key:" not in pty.transcript
    assert "Access Key ID" in pty.transcript and "AKIAIOSFODNN7EXAMPLE" in pty.transcript
    assert h.key_items(env, profile) == []


def test_a_good_key_id_then_the_secret_stores_the_keys(env):
    profile = h.fresh_profile("store-good")
    key_id, secret = h.new_keys()
    pty = Pty(["store", "--profile", profile, "--no-configure"], env)
    try:
        pty.expect_exact("Access Key ID: ")
        pty.sendline(f"  {key_id} ")
        pty.expect_exact("Secret Access Key: ")
        pty.sendline(secret)
        assert pty.finish() == 0
    finally:
        pty.close()
    assert secret not in pty.transcript
    h.assert_keys(env, profile, key_id, secret)


@pytest.mark.parametrize("prompt", ["Access Key ID: ", "Secret Access Key: "])
def test_ctrl_c_at_a_prompt_ends_the_line(env, prompt):
    profile = h.fresh_profile("store-intr")
    pty = Pty(["store", "--profile", profile], env)
    try:
        pty.expect_exact("Access Key ID: ")
        if prompt == "Secret Access Key: ":
            pty.sendline(h.new_access_key_id())
            pty.expect_exact(prompt)
        pty.child.sendintr()
        status = pty.finish()
    finally:
        pty.close()
    assert status == 130, pty.transcript
    after = pty.transcript.rsplit(prompt, 1)[1]
    assert after.endswith("\n"), f"the prompt's line must be ended: {pty.transcript!r}"
    assert h.key_items(env, profile) == []


# ---------------------------------------------------------------------------------------------------
# MFA codes as authenticator apps show them


def mfa_setup(env, write_configs, sts, extra=""):
    base, role = h.fresh_profile("mfa-base"), h.fresh_profile("mfa-role")
    e = env_with(write_configs(config=(
        f"[profile {base}]\nregion = eu-west-1\n"
        f"[profile {role}]\nrole_arn = {ROLE}\nsource_profile = {base}\nmfa_serial = {SERIAL}\n{extra}"),
        name=role), AWS_ENDPOINT_URL_STS=sts.url)
    keys = h.new_keys()
    assert store_from_env(e, base, *keys).rc == 0
    sts.add_user(*keys, mfa_serial=SERIAL)
    return e, role


def token_codes(sts):
    return [r.param("TokenCode") for r in sts.requests if r.param("TokenCode")]


def test_a_grouped_mfa_code_typed_on_the_terminal(env, write_configs, sts):
    e, role = mfa_setup(env, write_configs, sts)
    pty = Pty(["--profile", role], e)
    try:
        pty.expect_exact(f"Enter MFA code for {SERIAL}: ")
        pty.sendline("123 456")
        assert pty.finish() == 0, pty.transcript
    finally:
        pty.close()
    assert "six digits" not in pty.transcript
    assert token_codes(sts) == ["123456"]


def test_a_grouped_mfa_code_from_mfa_process(env, write_configs, sts):
    sts.valid_code = "654321"
    e, role = mfa_setup(env, write_configs, sts, extra="mfa_process = echo '654 321'\n")
    credential_document(tool(["--profile", role], e))
    assert token_codes(sts) == ["654321"]


# ---------------------------------------------------------------------------------------------------
# Names: a mistyped source_profile, profiles and commands


def test_a_source_profile_naming_no_profile(env, write_configs, sts):
    e = env_with(write_configs(config=(
        f"[profile me]\nregion = eu-west-1\n[profile nosrc]\nrole_arn = {ROLE}\nsource_profile = mee\n")),
        AWS_ENDPOINT_URL_STS=sts.url)
    r = tool(["--profile", "nosrc"], e)
    assert_clean_failure(r, mentions=["source_profile 'mee' of profile 'nosrc' does not exist",
                                      "did you mean 'me'?"])
    assert "store --profile mee" not in r.stderr, "no advice to store keys under the typo"
    assert sts.requests == []
    r = tool(["doctor"], e)
    assert "problem profile nosrc: source_profile 'mee' of profile 'nosrc' does not exist" in r.stderr, r.describe()
    assert "store --profile mee" not in r.stderr


def test_a_source_profile_with_no_near_name_may_be_meant_for_the_keyring(env, write_configs, sts):
    """No profile is near the name: it may be meant for keys kept only in the keyring, so both fixes
    are offered; once keys are stored under it, it works."""
    source = h.fresh_profile("keys-only-source")
    e = env_with(write_configs(config=f"[profile uses]\nrole_arn = {ROLE}\nsource_profile = {source}\n"),
                 AWS_ENDPOINT_URL_STS=sts.url)
    r = tool(["--profile", "uses"], e)
    assert_clean_failure(r, mentions=[f"source_profile '{source}' of profile 'uses' does not exist",
                                      "correct source_profile", f"awskeyring-helper store --profile {source}"])
    assert "did you mean" not in r.stderr
    keys = h.new_keys()
    assert store_from_env(e, source, *keys).rc == 0
    sts.add_user(*keys)
    credential_document(tool(["--profile", "uses"], e))


def test_did_you_mean_for_an_unknown_profile(env, write_configs):
    stored = h.fresh_profile("only-in-keyring")
    assert store_from_env(env, stored, *h.new_keys()).rc == 0
    e = write_configs(config="[profile production]\nregion = eu-west-1\n")
    r = tool(["--profile", "prodution"], e)
    assert_clean_failure(r, mentions=["did you mean 'production'?"])
    r = tool(["--profile", stored[:-1]], e)
    assert_clean_failure(r, mentions=[f"did you mean '{stored}'?"])
    r = tool(["explain", "--profile", "prodution"], e)
    assert_clean_failure(r, mentions=["did you mean 'production'?"])
    # Nothing near: the plain advice, without a suggestion.
    r = tool(["--profile", "zzzzzzzzzzzz"], e)
    assert_clean_failure(r, mentions=["awskeyring-helper store --profile zzzzzzzzzzzz"])
    assert "did you mean" not in r.stderr


def test_did_you_mean_for_an_unknown_command(env, write_configs):
    for typed, meant in (("lst", "list"), ("explian", "explain"), ("doctr", "doctor")):
        r = tool([typed], env)
        assert_clean_failure(r, mentions=[f"'{typed}' is not a command", f"did you mean '{meant}'?"])
        assert r.rc == 64
    r = tool(["frobnicate"], env)
    assert_clean_failure(r, mentions=["'frobnicate' is not a command", "--help"])
    # The default command and its plain forms are untouched.
    profile = h.fresh_profile("plain")
    keys = h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    for args in (["--profile", profile], [f"--profile={profile}"], ["credentials", "--profile", profile],
                 ["--profile", profile, "--refresh"]):
        doc = credential_document(tool(args, env))
        assert doc["AccessKeyId"] == keys[0], args
    assert tool(["help", "list"], env).rc == 0


@pytest.mark.parametrize("config,line", [
    ("[profile me\nregion = eu-west-1\n", 1),
    ("[default]\nregion = us-east-1\n\n[profile me\nregion = eu-west-1\n", 4),
])
def test_an_unclosed_section_header_says_the_bracket_is_missing(write_configs, config, line):
    e = write_configs(config=config)
    view = h.botocore_view(e["AWS_CONFIG_FILE"], e["AWS_SHARED_CREDENTIALS_FILE"])
    assert view.error is not None, "botocore rejects it too"
    for args in (["--profile", "me"], ["explain", "--profile", "me"]):
        r = tool(args, e)
        assert_clean_failure(r, mentions=["']' is missing" if line != 1 else "no closing ']'", e["AWS_CONFIG_FILE"]])
        assert h.mentions_number(r.stderr.replace(e["AWS_CONFIG_FILE"], ""), line), r.describe()


# ---------------------------------------------------------------------------------------------------
# The role-chaining cap, said on stderr


def test_a_capped_duration_is_said_on_stderr(env, write_configs, sts):
    base, first, second = (h.fresh_profile(p) for p in ("cap-base", "cap-first", "cap-second"))
    e = env_with(write_configs(config=(
        f"[profile {base}]\nregion = eu-west-1\n"
        f"[profile {first}]\nrole_arn = {ROLE}-1\nsource_profile = {base}\nduration_seconds = 7200\n"
        f"[profile {second}]\nrole_arn = {ROLE}-2\nsource_profile = {first}\nduration_seconds = 7200\n")),
        AWS_ENDPOINT_URL_STS=sts.url)
    keys = h.new_keys()
    assert store_from_env(e, base, *keys).rc == 0
    sts.add_user(*keys)
    r = tool(["--profile", second], e)
    credential_document(r)
    assert [q.param("DurationSeconds") for q in sts.requests] == ["7200", "3600"]
    assert f"profile '{second}' asks for duration_seconds = 7200" in r.stderr and "3600 s" in r.stderr, r.describe()
    assert f"profile '{first}'" not in r.stderr, "the first role is not chained: nothing to say"
    # From the cache: no call, no note.
    r = tool(["--profile", second], e)
    credential_document(r)
    assert r.stderr == ""


# ---------------------------------------------------------------------------------------------------
# A refused metadata or container request is not retried


class Endpoint(h.LoopbackServer):
    """A loopback HTTP server that counts requests and answers each with `status` (IMDS token PUTs
    with a token)."""

    def __init__(self, status):
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                outer.requests.append((self.command, self.path))
                if self.command == "PUT":
                    body, code = b"imds-token", 200
                else:
                    body, code = b'{"message": "refused"}', status
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = _answer

        self.serve(Handler)


@contextlib.contextmanager
def endpoint(status):
    server = Endpoint(status)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_container_request_is_not_retried(env, write_configs, status):
    e = write_configs(config=f"[profile ecs]\nrole_arn = {ROLE}\ncredential_source = EcsContainer\n")
    with endpoint(status) as server:
        e = env_with(e, AWS_CONTAINER_CREDENTIALS_FULL_URI=server.url + "/creds",
                     AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-token")
        r = tool(["--profile", "ecs"], e)
        assert_clean_failure(r, mentions=[f"refused the request (HTTP {status})", "AWS_CONTAINER_AUTHORIZATION_TOKEN"])
        assert len(server.requests) == 1, server.requests
        # A 500 still is retried (three tries).
    with endpoint(500) as server:
        r = tool(["--profile", "ecs"], env_with(e, AWS_CONTAINER_CREDENTIALS_FULL_URI=server.url + "/creds"))
        assert_clean_failure(r)
        assert len(server.requests) == 3, server.requests


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_metadata_request_is_not_retried(env, write_configs, status):
    e = write_configs(config=(f"[profile ec2]\nrole_arn = {ROLE}\ncredential_source = Ec2InstanceMetadata\n"
                              "metadata_service_num_attempts = 3\n"))
    with endpoint(status) as server:
        e = env_with(e, AWS_EC2_METADATA_DISABLED=None, AWS_EC2_METADATA_SERVICE_ENDPOINT=server.url)
        r = tool(["--profile", "ec2"], e)
        assert_clean_failure(r, mentions=[f"refused the request (HTTP {status})"])
        gets = [path for method, path in server.requests if method == "GET"]
        assert len(gets) == 1, server.requests


# ---------------------------------------------------------------------------------------------------
# import and doctor


def test_import_names_the_missing_file(env, tmp_path):
    missing = tmp_path / "no-such-dir" / "credentials"
    r = tool(["import", "--credentials-file", missing], env)
    assert_clean_failure(r, mentions=[str(missing)])
    r = tool(["import"], env_with(env, AWS_SHARED_CREDENTIALS_FILE=missing))
    assert_clean_failure(r, mentions=[str(missing)])


def test_doctor_checks_credential_process_commands_and_speaks_in_words(env, write_configs, tmp_path):
    tool_dir = tmp_path / "bin"
    tool_dir.mkdir()
    present = tool_dir / "present-credential-tool"
    present.write_text("#!/bin/sh\nexit 0\n")
    present.chmod(0o755)
    e = write_configs(config=(
        "[profile missing]\ncredential_process = no-such-credential-tool --profile x\n"
        "[profile present]\ncredential_process = present-credential-tool\n"
        "[profile by-path]\ncredential_process = /nonexistent/dir/tool\n"
        f"[profile ec2]\nrole_arn = {ROLE}\ncredential_source = Ec2InstanceMetadata\n"
        f"[profile ecs]\nrole_arn = {ROLE}\ncredential_source = EcsContainer\n"
        "[profile web]\nrole_arn = " + ROLE + "\nweb_identity_token_file = /tmp/token\n"))
    e = env_with(e, PATH=f"{tool_dir}:{e['PATH']}")
    r = tool(["doctor"], e)
    assert r.rc == 1
    lines = r.stderr.splitlines()
    missing = next(line for line in lines if line.startswith("problem profile missing:"))
    assert "'no-such-credential-tool'" in missing and "PATH" in missing, missing
    assert any(line.startswith("problem profile by-path:") and "/nonexistent/dir/tool" in line for line in lines)
    assert any(line.startswith("ok      profile present:") for line in lines), r.stderr
    ec2 = next(line for line in lines if line.startswith("ok      profile ec2:"))
    assert "instance metadata service" in ec2, ec2
    assert any(line.startswith("ok      profile ecs:") and "container credentials endpoint" in line for line in lines)
    assert any(line.startswith("ok      profile web:") and "web identity token /tmp/token" in line for line in lines)
    for debug_text in ("instanceMetadata(", "containerEndpoint(", "webIdentity(", "WebIdentitySource("):
        assert debug_text not in r.stderr, r.stderr


def test_the_docs_name_every_variable_the_sources_read():
    """Every AWS_* / AWSKEYRING_* name the sources read appears in the environment table of
    docs/configuration.md (the names `exec`/`env` and `exec --server` only set or remove for their command
    are output, not read: the files that list them are left out)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    names = set()
    for path in (root / "Sources").rglob("*.swift"):
        if path.name in ("CredentialEnvironment.swift", "ServerChildEnvironment.swift"):
            continue
        names.update(re.findall(r'"((?:AWS|AWSKEYRING)_[A-Z0-9_]*[A-Z0-9])"', path.read_text()))
    section = (root / "docs" / "configuration.md").read_text().split("## Environment variables", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert len(names) >= 25
    missing = sorted(n for n in names if f"`{n}`" not in section)
    assert missing == [], f"docs/configuration.md's environment table lacks {missing}"
    for extra in ("AWS_ENDPOINT_URL_IAM", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
        assert f"`{extra}`" in section
