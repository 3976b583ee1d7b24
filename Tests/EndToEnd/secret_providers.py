"""KeePassXC and KWallet, each as the only Secret Service on a private bus, with their default settings,
for the provider tests; and a person at their dialogs (xdotool on an Xvfb display).

KeePassXC: a database with an exposed group (KeePass XML imported with keepassxc-cli), the Secret
Service integration enabled in keepassxc.ini, opened with --pw-stdin. KWallet: kwalletd5 started as
pam_kwallet starts it at login (the wallet's key, PBKDF2-SHA512 of the password with the wallet's
salt, on a pipe), with the Secret Service API enabled in kwalletrc.

Outside CI a missing provider is a skip; with CI=true it is a failure (scripts/install-deps.sh installs
them all).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

import e2e_helpers as h

SECRETS = "org.freedesktop.secrets"


def require(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (scripts/install-deps.sh installs them)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class XServer:
    """Xvfb on a display number it picks itself."""

    def __init__(self, root: Path):
        read, write = os.pipe()
        self.log = open(root / "xvfb.log", "wb")
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
            pass_fds=(write,), stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            start_new_session=True,
        )
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError(f"Xvfb did not start: {(root / 'xvfb.log').read_text()}")
        self.display = f":{number}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


class Provider:
    """A private session whose Secret Service is a provider other than gnome-keyring."""

    name = ""
    password = "provider-Pa55word"

    def __init__(self, root: Path):
        self.session = h.PrivateSession(root, with_keyring=False)
        self.root = root
        self.x = None
        # KeePassXC keeps one instance per user through a lock in the temporary folder.
        tmp = root / "tmp"
        tmp.mkdir(exist_ok=True)
        self.session.env["TMPDIR"] = str(tmp)
        try:
            self.x = XServer(root)
            self.session.env["DISPLAY"] = self.x.display
            self.env = self.session.env
            self.start()
            h._wait_for(lambda: self.session.name_has_owner(SECRETS), 30, f"{self.name} to own {SECRETS}")
            self.ready()
        except BaseException:
            self.stop()
            raise

    def start(self):
        raise NotImplementedError

    def ready(self):
        """Waits until the provider is as a person finds it after logging in."""

    def default_collection(self) -> tuple[str, bool] | None:
        """The default collection's path and whether it is locked, as any client sees them."""
        r = subprocess.run(
            ["dbus-send", "--session", "--print-reply", f"--dest={SECRETS}", "/org/freedesktop/secrets",
             "org.freedesktop.Secret.Service.ReadAlias", "string:default"],
            env=self.env, capture_output=True, text=True, timeout=10)
        path = r.stdout.split('"')[1] if r.returncode == 0 and '"' in r.stdout else "/"
        if path == "/":
            return None
        return path, "boolean true" in h._dbus_get(self.env, path, "org.freedesktop.Secret.Collection", "Locked")

    def stop(self):
        self.session.stop()
        if self.x:
            self.x.stop()

    def windows(self, name: str) -> list[str]:
        r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], env=self.env,
                           capture_output=True, text=True, timeout=10)
        return r.stdout.split()

    def type_into(self, window: str, text: str | None = None):
        """Focuses `window` and types `text` (if any), then Return, as a person would."""
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=self.env, capture_output=True,
                       timeout=10)
        if text:
            subprocess.run(["xdotool", "type", "--delay", "20", text], env=self.env, capture_output=True,
                           timeout=20)
        subprocess.run(["xdotool", "key", "Return"], env=self.env, capture_output=True, timeout=10)

    @contextlib.contextmanager
    def person_answering(self, dialogs: dict[str, str | None]):
        """A person at the display: answers each dialog whose title contains a key of `dialogs` by
        typing its value (None: just Return), while the block runs. Yields the list of titles answered."""
        answered: list[str] = []
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                for title, text in dialogs.items():
                    for window in self.windows(title):
                        self.type_into(window, text)
                        answered.append(title)
                stop.wait(0.3)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield answered
        finally:
            stop.set()
            thread.join(timeout=20)


class KeePassXC(Provider):
    name = "KeePassXC"

    def start(self):
        require("keepassxc", "keepassxc-cli", "Xvfb", "xdotool")
        group, root_group = uuid.uuid4(), uuid.uuid4()
        b64 = lambda u: base64.b64encode(u.bytes).decode()  # noqa: E731
        xml = self.root / "database.xml"
        xml.write_text(f"""<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<KeePassFile>
 <Meta>
  <Generator>awskeyring-helper tests</Generator>
  <DatabaseName>Passwords</DatabaseName>
  <CustomData><Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>{{{group}}}</Value></Item></CustomData>
 </Meta>
 <Root>
  <Group><UUID>{b64(root_group)}</UUID><Name>Root</Name>
   <Group><UUID>{b64(group)}</UUID><Name>Secret Service</Name></Group>
  </Group>
 </Root>
</KeePassFile>
""")
        self.database = self.root / "Passwords.kdbx"
        r = subprocess.run(["keepassxc-cli", "import", "-p", "-t", "100", str(xml), str(self.database)],
                           input=f"{self.password}\n{self.password}\n", env=self.env, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, f"keepassxc-cli import failed: {r.stderr}"
        settings = Path(self.env["XDG_CONFIG_HOME"]) / "keepassxc"
        settings.mkdir(parents=True, exist_ok=True)
        # Only what must change from the defaults: the Secret Service integration is off by default.
        (settings / "keepassxc.ini").write_text("[General]\nConfigVersion=2\n\n[FdoSecrets]\nEnabled=true\n")
        proc = self.session._spawn(["keepassxc", "--pw-stdin", str(self.database)], "keepassxc",
                                   stdin=subprocess.PIPE)
        proc.stdin.write(self.password.encode())
        proc.stdin.close()

    def ready(self):
        # The name is taken before the database is open.
        h._wait_for(lambda: (self.default_collection() or ("", True))[1] is False, 30,
                    "KeePassXC's database to be open")

    def lock_itself(self):
        """KeePassXC's own lock (its tray menu's 'Lock all databases')."""
        r = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.keepassxc.KeePassXC.MainWindow", "/keepassxc",
             "org.keepassxc.KeePassXC.MainWindow.lockAllDatabases"],
            env=self.env, capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        h._wait_for(lambda: (self.default_collection() or ("", False))[1], 10, "KeePassXC to lock")

    # The titles of its two dialogs, and what a person types into each.
    def dialogs(self) -> dict[str, str | None]:
        return {"Unlock Database": self.password, "Access Request": None}


class KWallet(Provider):
    name = "KWallet"
    # Words put before kwalletd5's command line (a subclass runs it in a namespace of its own).
    launcher: tuple[str, ...] = ()

    def start(self):
        require("kwalletd5", "Xvfb", "xdotool")
        config = Path(self.env["XDG_CONFIG_HOME"])
        config.mkdir(parents=True, exist_ok=True)
        (config / "kwalletrc").write_text(
            "[Wallet]\nFirst Use=false\nPrompt on Open=false\n\n[org.freedesktop.secrets]\napiEnabled=true\n")
        wallets = Path(self.env["XDG_DATA_HOME"]) / "kwalletd"
        wallets.mkdir(parents=True, exist_ok=True)
        (wallets / "kdewallet.salt").write_bytes(os.urandom(56))
        # The login that creates the wallet; its Secret Service shows the wallet only from the next start.
        first = self._login()
        h._wait_for(lambda: (wallets / "kdewallet.kwl").exists(), 30, "kwalletd5 to create the wallet")
        first.terminate()
        first.wait(timeout=20)
        h._wait_for(lambda: not self.session.name_has_owner(SECRETS), 20, "the first kwalletd5 to go")
        self._login()

    def _login(self) -> subprocess.Popen:
        """Starts kwalletd5 as pam_kwallet does at login: the wallet's key (PBKDF2-SHA512 of the password
        with the wallet's salt) on a pipe, then the session's environment on a socket."""
        salt = (Path(self.env["XDG_DATA_HOME"]) / "kwalletd" / "kdewallet.salt").read_bytes()
        key = hashlib.pbkdf2_hmac("sha512", self.password.encode(), salt, 50000, 56)
        read, write = os.pipe()
        path = str(self.root / "kwallet-env.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(1)
        log_path = self.root / f"kwalletd5-{len(self.session.procs)}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [*self.launcher, "kwalletd5", "--pam-login", str(read), str(listener.fileno())],
                pass_fds=(read, listener.fileno()), env={**self.env, "PAM_KWALLET5_LOGIN": "1"},
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        self.session.procs.append(proc)
        self.session.logs.append(log_path)
        os.close(read)
        os.write(write, key)
        os.close(write)
        client = socket.socket(socket.AF_UNIX)
        client.connect(path)
        client.sendall(f"DBUS_SESSION_BUS_ADDRESS={self.env['DBUS_SESSION_BUS_ADDRESS']}\n".encode())
        client.close()
        listener.close()
        return proc

    def ready(self):
        h._wait_for(self.default_collection, 30, "KWallet's wallet on the Secret Service")
        # A wallet opened at login shows as locked to Secret Service clients until one asks to unlock
        # it, which needs no dialog: what a person runs first.
        r = h.tool(["unlock"], self.env, timeout=60)
        assert r.rc == 0, r.describe()

    def lock_itself(self):
        """KWallet's own lock (the tray's 'Close all wallets')."""
        r = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.kde.kwalletd5", "/modules/kwalletd5",
             "org.kde.KWallet.closeAllWallets"],
            env=self.env, capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        h._wait_for(lambda: (self.default_collection() or ("", False))[1], 10, "KWallet to lock")

    # Its password dialog (shown to unlock a closed wallet), and what a person types.
    def dialogs(self) -> dict[str, str | None]:
        return {"^KDE Wallet Service$": self.password}
