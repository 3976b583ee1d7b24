#!/usr/bin/env python3
"""A stand-in for pinentry: speaks its Assuan protocol on stdin/stdout as pinentry-gnome3 does, with no
dialog. Each GETPIN takes the next answer from FAKE_PINENTRY_ANSWERS (comma-separated; "cancel" answers
as the Cancel button does, "hang" never answers), kept in FAKE_PINENTRY_STATE between runs. Every line
received, and the descriptors it was started with, are appended to FAKE_PINENTRY_LOG (codes included:
the test checks what was asked). Optional: FAKE_PINENTRY_STARTS, a file that gets one line (the pid) per
start; FAKE_PINENTRY_HOLD, a file whose creation a GETPIN waits for (at most 120 s) before it answers, as a
person who has not typed yet."""

import os
import sys
import time
import urllib.parse


def log(text):
    with open(os.environ["FAKE_PINENTRY_LOG"], "a") as f:
        f.write(text + "\n")


def next_answer():
    state = os.environ["FAKE_PINENTRY_STATE"]
    used = int(open(state).read()) if os.path.exists(state) else 0
    answers = os.environ.get("FAKE_PINENTRY_ANSWERS", "").split(",")
    with open(state, "w") as f:
        f.write(str(used + 1))
    return answers[used] if used < len(answers) else "cancel"


def hold():
    path = os.environ.get("FAKE_PINENTRY_HOLD")
    deadline = time.monotonic() + 120
    while path and not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)


def main():
    starts = os.environ.get("FAKE_PINENTRY_STARTS")
    if starts:
        with open(starts, "a") as f:
            f.write(f"{os.getpid()}\n")
    log("FDS " + " ".join(sorted(os.listdir("/proc/self/fd"), key=int)))
    log("TTY " + ("yes" if _has_tty() else "no"))
    out = sys.stdout
    out.write("OK Pleased to meet you\n")
    out.flush()
    for line in sys.stdin:
        line = line.rstrip("\n")
        log("< " + line)
        command = line.split(" ", 1)[0]
        if command == "GETPIN":
            hold()
            answer = next_answer()
            if answer == "cancel":
                out.write("ERR 83886179 Operation cancelled <Pinentry>\n")
            elif answer == "hang":
                out.flush()
                time.sleep(3600)
            else:
                out.write("D " + urllib.parse.quote(answer, safe=" ") + "\nOK\n")
        elif command == "BYE":
            out.write("OK closing connection\n")
            out.flush()
            return
        else:
            out.write("OK\n")
        out.flush()


def _has_tty():
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
