"""The ways people arrive with an existing ~/.aws: import and store make every profile they store keys for
reachable by the real AWS CLI (a credential_process added to the config file, every other line kept),
doctor reports stored keys nothing reaches, and the advice names the right profile and setting."""

import json
import os
import shlex
import sys

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, env_with, tool
from test_hardening_net import pki, proxy  # noqa: F401 (fixtures)
from test_login import federation, login_env, moto_login  # noqa: F401 (fixtures)
from fake_sts import fake_sts  # noqa: F401 (fixture)


def _aws(env, moto, *args):
    return h.run(
        [sys.executable, "-m", "awscli", *args, "--endpoint-url", moto.endpoint_url, "--output", "json"],
        env,
        timeout=60,
    )


def _cli_env(e):
    return env_with(e, AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                    AWS_SESSION_TOKEN=None, AWS_PROFILE=None)


def test_import_remove_from_file_keeps_the_aws_cli_working(write_configs, moto, helper_bin):
    bob = h.fresh_profile("bob")
    other = h.fresh_profile("other")
    other_id, other_secret = h.new_keys()
    config = (
        "# my settings\n"
        "[default]\n"
        "region = us-east-1\n"
        "\n"
        f"[profile {bob}]\n"
        "region = us-east-1\n"
        "; a comment that stays\n"
        "output = json\n"
        "\n"
        "[profile unrelated]\n"
        "region = eu-west-1\n"
    )
    credentials = (
        f"[{bob}]\n"
        f"aws_access_key_id = {moto.access_key_id}\n"
        f"aws_secret_access_key = {moto.secret_access_key}\n"
        f"[{other}]\n"
        f"aws_access_key_id = {other_id}\n"
        f"aws_secret_access_key = {other_secret}\n"
    )
    e = _cli_env(write_configs(config=config, credentials=credentials))

    r = tool(["import", "--remove-from-file", "--no-backup"], e)
    assert_success(r)
    # Not on PATH under this name: the absolute path of the program is written.
    line_bob = f"credential_process = {shlex.quote(os.path.realpath(helper_bin))} --profile {bob}"
    line_other = f"credential_process = {shlex.quote(os.path.realpath(helper_bin))} --profile {other}"
    assert f"Added '{line_bob}' to [profile {bob}]" in r.stderr, r.describe()
    written = open(e["AWS_CONFIG_FILE"]).read()
    assert written == (
        "# my settings\n"
        "[default]\n"
        "region = us-east-1\n"
        "\n"
        f"[profile {bob}]\n"
        "region = us-east-1\n"
        "; a comment that stays\n"
        "output = json\n"
        f"{line_bob}\n"
        "\n"
        "[profile unrelated]\n"
        "region = eu-west-1\n"
        "\n"
        f"[profile {other}]\n"
        f"{line_other}\n"
    ), written
    assert moto.secret_access_key not in open(e["AWS_SHARED_CREDENTIALS_FILE"]).read()

    # The real AWS CLI, with no hand edit: through the helper, signed with the imported keys.
    r = _aws(e, moto, "sts", "get-caller-identity", "--profile", bob)
    assert r.rc == 0, r.describe()
    assert json.loads(r.stdout)["Arn"] == moto.user_arn

    # doctor finds every stored key reached.
    r = tool(["doctor", "--offline"], e)
    assert f"no credential_process reaches" not in r.stderr + r.stdout, r.describe()


def test_import_on_path_writes_the_bare_name_and_no_configure_leaves_the_config(write_configs, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    h.copy_programs(bin_dir)
    a, b = h.fresh_profile("imp"), h.fresh_profile("imp")
    (id_a, secret_a), (id_b, secret_b) = h.new_keys(), h.new_keys()
    e = write_configs(
        config=None,
        credentials=f"[{a}]\naws_access_key_id = {id_a}\naws_secret_access_key = {secret_a}\n",
    )
    e = env_with(e, PATH=f"{bin_dir}:{e['PATH']}")
    r = h.run([str(bin_dir / "awskeyring-helper"), "import"], e)
    assert_success(r)
    # No config file yet: created, with the bare name (awskeyring-helper on PATH is this program).
    assert open(e["AWS_CONFIG_FILE"]).read() == (
        f"[profile {a}]\ncredential_process = awskeyring-helper --profile {a}\n"
    )
    assert os.stat(e["AWS_CONFIG_FILE"]).st_mode & 0o077 == 0

    open(e["AWS_SHARED_CREDENTIALS_FILE"], "w").write(
        f"[{b}]\naws_access_key_id = {id_b}\naws_secret_access_key = {secret_b}\n")
    r = h.run([str(bin_dir / "awskeyring-helper"), "import", "--no-configure"], e)
    assert_success(r)
    assert b not in open(e["AWS_CONFIG_FILE"]).read()


def test_a_profile_reached_otherwise_is_not_configured(write_configs, helper_bin):
    """A role profile, or keys a credential_process of another profile already reaches: no change."""
    keys, role, entry = h.fresh_profile("src"), h.fresh_profile("role"), h.fresh_profile("entry")
    key_id, secret = h.new_keys()
    config = (
        f"[profile {role}]\n"
        "role_arn = arn:aws:iam::123456789012:role/r\n"
        f"source_profile = {keys}\n"
        f"[profile {entry}]\n"
        f"credential_process = {shlex.quote(helper_bin)} --profile {role}\n"
    )
    e = write_configs(config=config, credentials=f"[{keys}]\naws_access_key_id = {key_id}\n"
                      f"aws_secret_access_key = {secret}\n")
    r = tool(["import", "--remove-from-file", "--no-backup"], e)
    assert_success(r)
    assert "Added" not in r.stderr, r.describe()
    assert open(e["AWS_CONFIG_FILE"]).read() == config


def test_store_configures_with_the_flag_and_says_what_to_add_without_a_terminal(write_configs):
    p = h.fresh_profile("st")
    key_id, secret = h.new_keys()
    config = f"[profile {p}]\r\nregion = eu-west-1"  # CRLF, no line end at the end of the file
    e = write_configs(config=config)
    r = h.store_from_env(e, p, key_id, secret)
    assert_success(r)
    assert open(e["AWS_CONFIG_FILE"], newline="").read() == config  # no terminal, no flag: unchanged
    assert "credential_process = " in r.stderr and f"--profile {p}" in r.stderr and "--configure" in r.stderr

    r = tool(["store", "--profile", p, "--from-env", "--force", "--configure"],
             env_with(e, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret))
    assert_success(r)
    written = open(e["AWS_CONFIG_FILE"], newline="").read()
    assert written.startswith(config + "\r\ncredential_process = ") and written.endswith(f"--profile {p}\r\n")
    r = tool(["explain", "--profile", p], e)
    assert_success(r)


def test_store_asks_in_a_terminal(write_configs):
    p = h.fresh_profile("st")
    key_id, secret = h.new_keys()
    e = write_configs(config="[default]\nregion = eu-west-1\n")
    pty = h.Pty(["store", "--profile", p], e)
    try:
        pty.expect_exact("Access Key ID: ")
        pty.sendline(key_id)
        pty.expect_exact("Secret Access Key: ")
        pty.sendline(secret)
        pty.expect_exact("so the AWS CLI and SDKs use these keys? [y/N] ")
        pty.sendline("y")
        assert pty.finish() == 0
    finally:
        pty.close()
    assert open(e["AWS_CONFIG_FILE"]).read().startswith(
        f"[default]\nregion = eu-west-1\n\n[profile {p}]\ncredential_process = ")
    h.assert_keys(e, p, key_id, secret)


def test_a_profile_naming_the_helper_for_itself_resolves_its_stored_keys(write_configs, helper_bin):
    p = h.fresh_profile("self")
    key_id, secret = h.new_keys()
    e = write_configs(config=f"[profile {p}]\ncredential_process = {shlex.quote(helper_bin)} --profile {p}\n")
    assert_success(h.store_from_env(e, p, key_id, secret))
    doc = h.credential_document(tool(["--profile", p], e))
    assert doc["AccessKeyId"] == key_id
    r = tool(["doctor", "--offline"], e)
    assert f"ok      profile {p}" in r.stdout + r.stderr, r.describe()


def test_doctor_reports_stored_keys_nothing_reaches(write_configs):
    p = h.fresh_profile("unreached")
    key_id, secret = h.new_keys()
    e = write_configs(config=f"[profile {p}]\nregion = eu-west-1\n")
    assert_success(h.store_from_env(e, p, key_id, secret))
    r = tool(["doctor", "--offline"], e)
    out = r.stdout + r.stderr
    assert r.rc == 1, r.describe()
    line = next(l for l in out.splitlines() if l.startswith(f"problem profile {p}:"))
    assert "no credential_process" in line and "credential_process = " in line and f"--profile {p}" in line
    assert f"ok      profile {p}:" not in out


# ---------------------------------------------------------------------------------------------------
# exec --server never runs a command under another identity

BOTO3_WHOAMI = (
    "import boto3, pathlib, sys\n"
    "pathlib.Path(sys.argv[1]).write_text('started')\n"
    "print(boto3.session.Session().client('sts').get_caller_identity()['Arn'])\n"
)


@pytest.fixture(scope="module")
def moto_role_server(tmp_path_factory):
    from moto_role import moto_with_role

    yield from moto_with_role(tmp_path_factory.mktemp("moto-arrival"))


def test_exec_server_refuses_when_the_default_profile_would_win(write_configs, moto_role_server, helper_bin,
                                                                  tmp_path):
    srv = moto_role_server
    base, role = h.fresh_profile("srvbase"), h.fresh_profile("srvrole")
    e = write_configs(config=(
        f"[default]\ncredential_process = {shlex.quote(helper_bin)} --profile {base}\nregion = eu-central-1\n\n"
        f"[profile {base}]\nregion = eu-central-1\n\n"
        f"[profile {role}]\nrole_arn = {srv.role_arn}\nsource_profile = {base}\nregion = eu-central-1\n"
    ))
    e = env_with(e, AWS_ENDPOINT_URL_STS=srv.url, AWS_ENDPOINT_URL=srv.url, AWS_PROFILE=None,
                 AWS_DEFAULT_REGION=None, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    assert_success(h.store_from_env(e, base, srv.access_key_id, srv.secret_access_key))
    marker = tmp_path / "started"
    child = [sys.executable, "-c", BOTO3_WHOAMI, str(marker)]

    r = h.run([helper_bin, "exec", "--server", "--profile", role, "--", *child], e, timeout=90)
    assert_clean_failure(r, mentions=["profile 'default'", "credential_process", "--allow-default-credentials",
                                      "without --server"])
    assert not marker.exists(), "the command must not start"

    # Knowingly: it starts, and the child is indeed the default profile's identity, not the role.
    r = h.run([helper_bin, "exec", "--server", "--allow-default-credentials", "--profile", role, "--", *child],
              e, timeout=90)
    assert_success(r)
    assert marker.exists()
    assert r.stdout.strip() == srv.user_arn, r.describe()

    # Without --server the keys go into the environment, which SDKs take first: the role.
    r = h.run([helper_bin, "exec", "--profile", role, "--", *child], e, timeout=90)
    assert_success(r)
    assert ":assumed-role/" in r.stdout, r.describe()

    # The default profile itself: the same identity either way, no refusal.
    r = h.run([helper_bin, "exec", "--server", "--profile", "default", "--", *child], e, timeout=90)
    assert_success(r)


# ---------------------------------------------------------------------------------------------------
# Advice that sends people right


def test_doctor_finds_a_credential_process_loop_and_names_it_as_the_call_does(write_configs, helper_bin):
    a, b = h.fresh_profile("la"), h.fresh_profile("lb")
    e = write_configs(config=(
        f"[profile {a}]\ncredential_process = {shlex.quote(helper_bin)} --profile {b}\n"
        f"[profile {b}]\ncredential_process = {shlex.quote(helper_bin)} --profile {a}\n"
    ))
    call = tool(["--profile", a], e)
    assert_clean_failure(call, mentions=["credential_process loop", f"{a} -> {b} -> {a}"])
    r = tool(["doctor", "--offline"], e)
    assert r.rc == 1, r.describe()
    message = call.stderr.strip().removeprefix("awskeyring-helper: ").removeprefix("error: ")
    line = next(l for l in (r.stdout + r.stderr).splitlines() if l.startswith(f"problem profile {a}:"))
    assert f"{a} -> {b} -> {a}" in line and message in line, (message, line)


def test_source_profile_without_role_arn_is_named_by_call_explain_and_doctor(write_configs):
    dev, base = h.fresh_profile("dev"), h.fresh_profile("base")
    key_id, secret = h.new_keys()
    e = write_configs(config=f"[profile {dev}]\nsource_profile = {base}\n[profile {base}]\nregion = x\n")
    assert_success(h.store_from_env(e, base, key_id, secret))
    assert_clean_failure(tool(["--profile", dev], e), mentions=["source_profile", "role_arn"])
    r = tool(["explain", "--profile", dev], e)
    assert r.rc == 1 and "role_arn" in r.stderr, r.describe()
    r = tool(["doctor", "--offline"], e)
    assert any(l.startswith(f"problem profile {dev}:") and "no role_arn" in l
               for l in (r.stdout + r.stderr).splitlines()), r.describe()


def test_rotate_for_a_role_names_the_profile_holding_the_keys(write_configs):
    role, base = h.fresh_profile("role"), h.fresh_profile("base")
    key_id, secret = h.new_keys()
    e = write_configs(config=(f"[profile {role}]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                              f"source_profile = {base}\n"))
    assert_success(h.store_from_env(e, base, key_id, secret))
    r = tool(["rotate", "--profile", role], e)
    assert_clean_failure(r, mentions=[f"awskeyring-helper rotate --profile {base}", f"profile '{role}'"])


def test_store_warns_when_plain_text_keys_win_and_doctor_says_it_once(write_configs):
    p = h.fresh_profile("plain")
    file_id, file_secret = h.new_keys()
    key_id, secret = h.new_keys()
    e = write_configs(config="", credentials=f"[{p}]\naws_access_key_id = {file_id}\naws_secret_access_key = {file_secret}\n")
    r = h.store_from_env(e, p, key_id, secret)
    assert_success(r)
    assert "plain text" in r.stderr and "use those, not the stored ones" in r.stderr, r.describe()
    assert secret not in r.stderr and file_secret not in r.stderr
    out = tool(["doctor", "--offline"], e)
    lines = [l for l in (out.stdout + out.stderr).splitlines() if f"profile {p}:" in l]
    assert len(lines) == 1 and lines[0].startswith("problem"), lines


def test_a_line_of_the_key_file_pasted_as_the_key_id_is_refused(env):
    p = h.fresh_profile("csv")
    key_id, secret = h.new_keys()
    pty = h.Pty(["store", "--profile", p], env)
    try:
        pty.expect_exact("Access Key ID: ")
        pty.sendline(f"{key_id},{secret}")
        status = pty.finish()
    finally:
        pty.close()
    assert status == 1
    assert "Secret Access Key:" not in pty.transcript
    assert "shown on the screen" in pty.transcript and "rotate" in pty.transcript, pty.transcript
    assert pty.transcript.count(secret) == 1, pty.transcript  # the terminal's echo only
    assert h.key_items(env, p) == []


def test_suggested_commands_quote_a_profile_name_with_a_space(write_configs):
    e = write_configs(config="[profile 'my team']\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/x\n")
    r = tool(["--profile", "my team"], e)
    assert_clean_failure(r, mentions=["store --profile 'my team'"])


# ---------------------------------------------------------------------------------------------------
# login goes through the proxy like every https request


def test_login_federation_request_follows_https_proxy_and_no_proxy(login_env, federation, proxy, pki):
    from test_hardening_net import PROXIED_HOST
    import ssl

    e, _, role, _ = login_env
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["cert"], pki["key"])
    federation.server.socket = context.wrap_socket(federation.server.socket, server_side=True)
    port = federation.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
    url = f"https://{PROXIED_HOST}:{port}/federation"
    e = env_with(e, AWSKEYRING_HELPER_FEDERATION_URL=url, AWS_CA_BUNDLE=pki["ca"], HTTPS_PROXY=proxy.url)
    # The host resolves nowhere: only the proxy's tunnel reaches the federation endpoint.
    r = tool(["login", "--profile", role, "--print"], e, timeout=60)
    assert r.rc == 0, r.describe()
    assert r.stdout.startswith(url + "?"), r.describe()
    assert proxy.lines == [f"CONNECT {PROXIED_HOST}:{port} HTTP/1.1"], proxy.lines
    # NO_PROXY names it: a direct connection, which cannot resolve the name.
    proxy.lines.clear()
    r = tool(["login", "--profile", role, "--print"], env_with(e, NO_PROXY=".proxied.invalid"), timeout=60)
    assert_clean_failure(r)
    assert proxy.lines == []


# ---------------------------------------------------------------------------------------------------
# Two keyring daemons on one keyring


def test_doctor_names_a_second_keyring_daemon_on_the_same_files(tmp_path):
    import subprocess

    session = h.PrivateSession(tmp_path / "first")
    second = []
    try:
        # A second login that ran its own dbus-run-session: another bus, the same HOME and keyring files.
        conf = tmp_path / "second.conf"
        (tmp_path / "bus2").mkdir(mode=0o700)
        conf.write_text(h.bus_config(tmp_path / "bus2" / "bus"))
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile", "--print-address=1"],
                               env=session.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True)
        second.append(bus)
        address = bus.stdout.readline().decode().strip()
        env2 = env_with(session.env, DBUS_SESSION_BUS_ADDRESS=address)
        daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--components=secrets"], env=env2,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        second.append(daemon)
        h._wait_for(lambda: "boolean true" in h.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"], env2).stdout, 20,
            "the second daemon")
        r = tool(["doctor", "--offline"], session.env)
        out = r.stdout + r.stderr
        assert r.rc == 1, r.describe()
        line = next(l for l in out.splitlines() if l.startswith("problem keyring daemons:"))
        assert f"pid {daemon.pid} on {address}" in line and "dbus-user-session" in line, line
        assert f"kill {daemon.pid}" in line or f"pid {daemon.pid}" in line
    finally:
        for proc in reversed(second):
            proc.kill()
            proc.wait(timeout=10)
        session.stop()


# ---------------------------------------------------------------------------------------------------
# Keys have an age


def test_list_shows_when_keys_were_stored_and_unknown_for_older_items(write_configs):
    import datetime

    p, old = h.fresh_profile("age"), h.fresh_profile("old")
    key_id, secret = h.new_keys()
    e = write_configs(config="")
    assert_success(h.store_from_env(e, p, key_id, secret))
    # An item stored before the tool recorded the date (its label says nothing of it).
    old_id, old_secret = h.new_keys()
    h.plant_key_item(e, old, json.dumps({"AccessKeyId": old_id, "SecretAccessKey": old_secret, "Version": 1},
                                        separators=(",", ":")))
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    r = tool(["list", "--json"], e)
    assert_success(r)
    rows = {row["profile"]: row for row in json.loads(r.stdout)["profiles"]}
    assert rows[p]["stored"] == today and rows[p]["accessKeyId"] == key_id
    assert rows[old]["stored"] == "unknown"
    r = tool(["list"], e)
    line = next(l for l in r.stdout.splitlines() if l.startswith(p + " "))
    assert line.endswith(f"stored {today}") and key_id in line, r.stdout
    assert next(l for l in r.stdout.splitlines() if l.startswith(old + " ")).endswith("stored unknown")
    assert rows[old]["accessKeyId"] == old_id
    # Replacing the keys replaces the item (one item, not two).
    assert_success(h.store_from_env(e, p, *h.new_keys(), force=True))
    assert len(h.key_items(e, p)) == 1
    for name in (p, old):
        assert_success(tool(["remove", "--profile", name, "--yes"], e))


class _OldKeyIAM(h.LoopbackServer):
    """IAM's ListAccessKeys for one key created `days` ago (moto dates its keys at creation, now)."""

    def __init__(self, key_id, days):
        import datetime
        from http.server import BaseHTTPRequestHandler

        created = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccessKeysResult>'
            f"<AccessKeyMetadata><member><UserName>u</UserName><AccessKeyId>{key_id}</AccessKeyId>"
            f"<Status>Active</Status><CreateDate>{created}</CreateDate></member></AccessKeyMetadata>"
            "<IsTruncated>false</IsTruncated></ListAccessKeysResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListAccessKeysResponse>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.serve(Handler)


def test_doctor_reports_keys_older_than_max_key_age_with_the_rotate_command(write_configs, helper_bin):
    p = h.fresh_profile("aged")
    key_id, secret = h.new_keys()
    iam = _OldKeyIAM(key_id, days=200)
    try:
        e = write_configs(config=f"[profile {p}]\ncredential_process = {shlex.quote(helper_bin)} --profile {p}\n")
        e = env_with(e, AWS_ENDPOINT_URL_IAM=iam.url, AWS_DEFAULT_REGION="us-east-1")
        assert_success(h.store_from_env(e, p, key_id, secret))
        r = tool(["doctor"], e, timeout=60)
        lines = [l for l in (r.stdout + r.stderr).splitlines() if key_id in l and "days ago" in l]
        assert r.rc == 1 and len(lines) == 1 and lines[0].startswith("problem"), r.describe()
        assert "200 days ago" in lines[0] and f"fix: awskeyring-helper rotate --profile {p}" in lines[0]
        r = tool(["doctor", "--max-key-age", "365"], e, timeout=60)
        assert not any("days ago" in l for l in (r.stdout + r.stderr).splitlines()), r.describe()
    finally:
        iam.stop()


# ---------------------------------------------------------------------------------------------------
# import --from-aws-vault


def test_import_from_aws_vault_moves_keys_skips_sessions_and_locked_items(tmp_path, moto, helper_bin):
    from aws_vault_items import AwsVaultKeyring, item_document

    session = h.PrivateSession(tmp_path / "vault")
    try:
        env = env_with(session.env, AWS_CONFIG_FILE=tmp_path / "config", AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")
        (tmp_path / "config").write_text("[profile bob]\nregion = us-east-1\n"
                                         "[profile alice]\ncredential_process = aws-vault exec alice --json\n")
        vault = AwsVaultKeyring(session.env["DBUS_SESSION_BUS_ADDRESS"])
        other_id, other_secret = h.new_keys()
        vault.plant("bob", item_document("bob", moto.access_key_id, moto.secret_access_key))
        vault.plant("alice", item_document("alice", other_id, other_secret))
        # A cached session (aws-vault's key for it), and temporary credentials under a profile's name.
        vault.plant("sts.GetSessionToken,Ym9i,,1900000000",
                    item_document("sts.GetSessionToken,Ym9i,,1900000000", "ASIAEXAMPLEEXAMPLE00", "s" * 40, "tok"))
        vault.plant("temp", item_document("temp", "ASIAEXAMPLEEXAMPLE01", "t" * 40, "token"))
        before = vault.item_count()
        # Items aws-vault wrote earlier: wait until libsecret's own client finds what was just planted.
        import subprocess

        h._wait_for(lambda: "label = alice" in subprocess.run(
            ["secret-tool", "search", "--all", "profile", "alice"], env=env, capture_output=True, text=True,
            timeout=10).stdout, 10, "the planted items to show in searches")

        r = tool(["import", "--from-aws-vault", "--profile", "bob", "--profile", "alice"], env)
        assert_success(r)
        assert "Imported the keys of profile 'bob' from aws-vault" in r.stderr, r.describe()
        assert "Imported the keys of profile 'alice' from aws-vault" in r.stderr
        # alice still runs aws-vault: left as it is, with the line that would use the stored keys.
        assert "Profile 'alice' gets its credentials from its credential_process (aws-vault exec alice --json)" \
            in r.stderr and "--profile alice' in [profile alice]" in r.stderr, r.describe()
        assert "aws-vault exec alice --json" in (tmp_path / "config").read_text()
        h.assert_keys(env, "bob", moto.access_key_id, moto.secret_access_key)
        h.assert_keys(env, "alice", other_id, other_secret)
        assert vault.item_count() == before, "aws-vault's items stay"
        # Reachable as import makes them: the real AWS CLI signs with bob's keys from this keyring.
        assert "credential_process = " in (tmp_path / "config").read_text()
        r = h.run([sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", "bob",
                   "--endpoint-url", moto.endpoint_url, "--output", "json"],
                  env_with(env, AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                           AWS_PROFILE=None), timeout=60)
        assert r.rc == 0 and json.loads(r.stdout)["Arn"] == moto.user_arn, r.describe()

        # Everything: the session is skipped as a session, temporary credentials are named, exit 1.
        r = tool(["import", "--from-aws-vault"], env)
        assert_clean_failure(r, mentions=["Skipped profile 'temp'", "temporary credentials", "cached aws-vault session"])
        assert "same keys are already in the keyring" in r.stderr
        h.assert_no_keys(env, "temp")

        # Locked: nothing stored, no prompt (the call ends by itself), and the message says to unlock
        # aws-vault's keyring. gnome-keyring either hides a locked collection's items from the search (a
        # keyring loaded locked) or lists them as locked items (one locked while in use): each has its
        # own words.
        vault.plant("carol", item_document("carol", *h.new_keys()))
        vault.lock()
        r = tool(["import", "--from-aws-vault", "--profile", "carol"], env, timeout=30)
        if "its item is locked" in r.stderr:
            assert_clean_failure(r, mentions=["Skipped profile 'carol'", "unlock aws-vault's keyring",
                                              "not every profile was imported"])
        else:
            assert_clean_failure(r, mentions=["aws-vault's keyring is locked", "unlock it", "nothing was changed"])
        h.assert_no_keys(env, "carol")
        assert_clean_failure(tool(["import", "--from-aws-vault", "--profile", "nobody"], env),
                             mentions=["aws-vault", "nothing was changed"])
        vault.close()
    finally:
        session.stop()


# ---------------------------------------------------------------------------------------------------
# "Waiting for another awskeyring-helper" never lands inside a prompt line


@pytest.fixture
def mfa_world(env, fake_sts, tmp_path):
    from fake_sts import World

    return World(env, fake_sts, tmp_path / "world")


def test_the_waiting_note_starts_a_line_of_its_own_below_a_prompt(mfa_world, helper_bin):
    import pexpect
    from fake_sts import PROMPT, SERIAL, role_arn

    world = mfa_world
    r1, r2 = h.fresh_profile("r1"), h.fresh_profile("r2")
    world.write_config(
        f"[profile {r1}]\nrole_arn = {role_arn('alpha')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n\n"
        f"[profile {r2}]\nrole_arn = {role_arn('beta')}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n"
    )
    # Two calls on one terminal, as an SDK starting several clients at once: the second waits for the
    # first, which shows its prompt.
    bin_ = shlex.quote(helper_bin)
    script = (f"{bin_} --profile {r1} > /dev/null & sleep 1; {bin_} --profile {r2} > /dev/null; wait")
    child = pexpect.spawn("sh", ["-c", script], env=world.env, encoding="utf-8", timeout=30,
                          dimensions=(24, 250))
    log = []
    try:
        child.expect_exact(PROMPT)
        log.append(child.before + PROMPT)
        child.expect_exact("Waiting for another awskeyring-helper")
        log.append(child.before + "Waiting for another awskeyring-helper")
        child.send("123456\r")
        child.expect(pexpect.EOF)
        log.append(child.before)
    finally:
        child.close(force=True)
    transcript = "".join(log)
    before_note = transcript.split("Waiting for another awskeyring-helper", 1)[0]
    assert before_note.endswith("\n"), f"the note continued the prompt's line: {transcript!r}"
    assert PROMPT in before_note
