"""Items as aws-vault's secret-service backend (99designs/keyring with go-libsecret) writes them: a
collection of their own labelled `awsvault` (created with its own password), each item labelled with the
keyring key (the profile name, or a session's key), the attribute `profile` set to the same name, and the
secret (content type application/json) the JSON of the backend's Item, whose `Data` (base64, as Go
marshals []byte) is the JSON of the AWS SDK's credentials.Value."""

from __future__ import annotations

import base64
import json

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

SECRETS = "org.freedesktop.secrets"
SERVICE = DBusAddress("/org/freedesktop/secrets", bus_name=SECRETS, interface="org.freedesktop.Secret.Service")
INTERNAL = DBusAddress("/org/freedesktop/secrets", bus_name=SECRETS,
                       interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")


def item_document(key: str, access_key_id: str, secret: str, session_token: str = "") -> bytes:
    """The secret aws-vault stores: keyring.Item with credentials.Value in Data (Go's field order)."""
    value = json.dumps({"AccessKeyID": access_key_id, "SecretAccessKey": secret, "SessionToken": session_token,
                        "ProviderName": ""}, separators=(",", ":")).encode()
    item = {"Key": key, "Data": base64.b64encode(value).decode(), "Label": f"aws-vault ({key})", "Description": "",
            "KeychainNotTrustApplication": True, "KeychainNotSynchronizable": False}
    return json.dumps(item, separators=(",", ":")).encode()


class AwsVaultKeyring:
    """The `awsvault` collection on the bus at `address`, created (unlocked) with `password` when missing."""

    def __init__(self, address: str, password: str = "aws-vault-password", label: str = "awsvault"):
        self.conn = open_dbus_connection(bus=address)
        reply = self._call(SERVICE, "OpenSession", "sv", ("plain", ("s", "")))
        self.session = reply[1]
        self.collection = f"/org/freedesktop/secrets/collection/{label}"
        collections = self._get(SERVICE, "Collections")
        if self.collection not in collections:
            # What CreateCollection does after its password prompt (no prompter here).
            secret = (self.session, b"", password.encode(), "text/plain")
            self.collection = self._call(INTERNAL, "CreateWithMasterPassword", "a{sv}(oayays)",
                                         ({"org.freedesktop.Secret.Collection.Label": ("s", label)}, secret))[0]

    def _call(self, address, method, signature, body):
        reply = self.conn.send_and_get_reply(new_method_call(address, method, signature, body), timeout=20)
        if reply.header.message_type.name == "error":
            raise RuntimeError(f"{method} failed: {reply.body}")
        return reply.body

    def _get(self, address, name):
        props = DBusAddress(address.object_path, bus_name=SECRETS, interface="org.freedesktop.DBus.Properties")
        return self._call(props, "Get", "ss", (address.interface, name))[0][1]

    def plant(self, key: str, document: bytes) -> str:
        """CreateItem as go-libsecret calls it (replace = true); returns the item's path."""
        collection = DBusAddress(self.collection, bus_name=SECRETS, interface="org.freedesktop.Secret.Collection")
        properties = {"org.freedesktop.Secret.Item.Label": ("s", key),
                      "org.freedesktop.Secret.Item.Attributes": ("a{ss}", {"profile": key})}
        secret = (self.session, b"", document, "application/json")
        return self._call(collection, "CreateItem", "a{sv}(oayays)b", (properties, secret, True))[0]

    def lock(self) -> None:
        self._call(SERVICE, "Lock", "ao", ([self.collection],))

    def item_count(self) -> int:
        collection = DBusAddress(self.collection, bus_name=SECRETS, interface="org.freedesktop.Secret.Collection")
        return len(self._get(collection, "Items"))

    def close(self) -> None:
        self.conn.close()
