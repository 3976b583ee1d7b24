"""A Secret Service that misbehaves on purpose, for the hostile-service tests.

Run with the system Python (it needs python3-gi, which scripts/install-deps.sh installs):

    /usr/bin/python3 fake_secret_service.py BEHAVIOUR SECRET

on the bus named by DBUS_SESSION_BUS_ADDRESS. It takes org.freedesktop.secrets and answers every method
call itself (a message filter sees them before GDBus would), so it can answer anything: a well-formed
Secret Service reply with one unlocked item whose secret is SECRET, or what BEHAVIOUR (a JSON object
from method name, or "*", to an action) says instead:

    "ok"              the well-formed reply
    "silent"          no reply at all, ever
    "delay:SECONDS"   the well-formed reply, late
    "wrong-type"      a reply of type (i)
    "wrong-variant"   Properties.Get: a variant holding a string instead of the expected type
    "empty"           SearchItems: no items at all
    "prompt"          Unlock: a prompt, whose Prompt call is answered but whose Completed signal never
                      comes
    "locked:N"        Properties.Get of Locked: true for the first N reads, then false (unlocked another
                      way, by a person in the provider's own window)
    "unwritten:N"     GetSecrets: the first N answers hold an empty secret (an item KWallet has listed
                      but not yet filled)
    "huge"            SearchItems: 50,000 unlocked items (the real one first); GetSecrets: 20,000
                      secrets (the real one among them); other methods: a 4 MB string
    "disconnect"      the process exits, leaving the call unanswered
    "error:NAME"      the D-Bus error NAME

Prints "ready" on stdout once it owns the name.
"""

from __future__ import annotations

import json
import os
import sys
import threading

from gi.repository import Gio, GLib

COLLECTION = "/org/freedesktop/secrets/collection/login"
ITEM = COLLECTION + "/1"
SESSION = "/org/freedesktop/secrets/session/s1"


def well_formed(member: str, body, secret: bytes):
    """(signature, value) of a reply a real Secret Service would give."""
    if member == "Get":
        prop = body[1] if body and len(body) > 1 else ""
        if prop == "Collections":
            return "(v)", (GLib.Variant("ao", [COLLECTION]),)
        if prop == "Locked":
            return "(v)", (GLib.Variant("b", False),)
        return "(v)", (GLib.Variant("s", "Login"),)
    if member == "GetAll":
        return "(a{sv})", ({"Locked": GLib.Variant("b", False), "Label": GLib.Variant("s", "Login")},)
    if member == "OpenSession":
        return "(vo)", (GLib.Variant("s", ""), SESSION)
    if member == "SearchItems":
        return "(aoao)", ([ITEM], [])
    if member == "GetSecrets":
        return "(a{o(oayays)})", ({ITEM: (SESSION, b"", secret, "text/plain")},)
    if member == "ReadAlias":
        return "(o)", (COLLECTION,)
    if member in ("Unlock", "Lock"):
        return "(aoo)", (list(body[0]) if body else [], "/")
    if member == "Prompt":
        return "()", ()
    if member == "Introspect":
        return "(s)", ("<node/>",)
    return None, None


def huge(member: str, body, secret: bytes):
    if member == "SearchItems":
        return "(aoao)", ([ITEM] + [f"{COLLECTION}/x{i}" for i in range(50_000)], [])
    if member == "GetSecrets":
        secrets = {f"{COLLECTION}/x{i}": (SESSION, b"", b"x" * 16, "text/plain") for i in range(20_000)}
        secrets[ITEM] = (SESSION, b"", secret, "text/plain")
        return "(a{o(oayays)})", (secrets,)
    return "(s)", ("x" * 4_000_000,)


def main() -> None:
    behaviour = json.loads(sys.argv[1])
    secret = sys.argv[2].encode()
    connection = Gio.DBusConnection.new_for_address_sync(
        os.environ["DBUS_SESSION_BUS_ADDRESS"],
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None,
        None,
    )

    unwritten_answers = [0]
    locked_reads = [0]

    def send(message):
        connection.send_message(message, Gio.DBusSendMessageFlags.NONE)

    def answer(call, member, body, action):
        if action == "silent":
            return
        if action == "disconnect":
            os._exit(0)
        if action.startswith("error:"):
            send(call.new_method_error_literal(action[len("error:"):], "the fake service says no"))
            return
        if action == "prompt" and member == "Unlock":
            reply = call.new_method_reply()
            reply.set_body(GLib.Variant("(aoo)", ([], "/org/freedesktop/secrets/prompt/p1")))
            send(reply)
            return
        if action.startswith("locked:") and member == "Get" and body and body[1] == "Locked":
            locked_reads[0] += 1
            reply = call.new_method_reply()
            reply.set_body(GLib.Variant("(v)", (GLib.Variant("b", locked_reads[0] <= int(action[7:])),)))
            send(reply)
            return
        if action.startswith("unwritten:"):
            if unwritten_answers[0] < int(action[len("unwritten:"):]):
                unwritten_answers[0] += 1
                secrets = {item: (SESSION, b"", b"", "text/plain") for item in body[0]}
                reply = call.new_method_reply()
                reply.set_body(GLib.Variant("(a{o(oayays)})", (secrets,)))
                send(reply)
                return
            action = "ok"
        if action.startswith("delay:"):
            delay = float(action[len("delay:"):])
            threading.Timer(delay, answer, (call, member, body, "ok")).start()
            return
        if action == "wrong-type":
            signature, value = "(i)", (42,)
        elif action == "empty" and member == "SearchItems":
            signature, value = "(aoao)", ([], [])
        elif action == "wrong-variant" and member == "Get":
            signature, value = "(v)", (GLib.Variant("s", "not what was asked"),)
        elif action == "huge":
            reply = call.new_method_reply()
            reply.set_body(huge_replies.get(member) or huge_replies["*"])
            send(reply)
            return
        else:
            signature, value = well_formed(member, body, secret)
        if signature is None:
            send(call.new_method_error_literal("org.freedesktop.DBus.Error.UnknownMethod", member))
            return
        reply = call.new_method_reply()
        reply.set_body(GLib.Variant(signature, value))
        send(reply)

    def on_message(_connection, message, incoming):
        if not incoming or message.get_message_type() != Gio.DBusMessageType.METHOD_CALL:
            return message
        member = message.get_member()
        body = message.get_body()
        body = body.unpack() if body is not None else ()
        action = behaviour.get(member, behaviour.get("*", "ok"))
        answer(message, member, body, action)
        return None

    # Built before the name is taken: building them takes Python seconds.
    huge_replies = {}
    if "huge" in behaviour.values():
        huge_replies = {m: GLib.Variant(*huge(m, (), secret)) for m in ("SearchItems", "GetSecrets", "*")}
    connection.add_filter(on_message)
    result = connection.call_sync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
        GLib.Variant("(su)", ("org.freedesktop.secrets", 4)), GLib.VariantType("(u)"),
        Gio.DBusCallFlags.NONE, 10_000, None,
    )
    if result.unpack()[0] != 1:
        sys.exit(f"fake_secret_service: could not own org.freedesktop.secrets ({result.unpack()[0]})")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
