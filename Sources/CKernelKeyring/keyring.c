#include "CKernelKeyring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int32_t awskh_key_add_session(const char *description, const void *payload, size_t length,
                              uint32_t permissions, unsigned int timeout_seconds) {
    long serial = syscall(SYS_add_key, "user", description, payload, length, KEY_SPEC_THREAD_KEYRING);
    if (serial < 0) return -1;
    if (syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, serial, timeout_seconds) < 0 ||
        syscall(SYS_keyctl, KEYCTL_SETPERM, serial, permissions) < 0 ||
        syscall(SYS_keyctl, KEYCTL_LINK, serial, KEY_SPEC_SESSION_KEYRING) < 0) {
        int saved = errno;
        syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial);
        errno = saved;
        return -1;
    }
    syscall(SYS_keyctl, KEYCTL_UNLINK, serial, KEY_SPEC_THREAD_KEYRING);
    return (int32_t)serial;
}

int awskh_has_own_session_keyring(void) {
    long session = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    long user_session = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_SESSION_KEYRING, 0);
    if (!(session > 0 && user_session > 0 && session != user_session)) return 0;
    // "keyring;UID;GID;PERM;DESCRIPTION": the keyring must be this user's. After `sudo -u` or `su`
    // without pam_keyinit, a process possesses (and could read everything in) another user's session
    // keyring, and that user would possess the entries put into it.
    char text[512];
    long length = syscall(SYS_keyctl, KEYCTL_DESCRIBE, session, text, sizeof text);
    if (length <= 0 || (size_t)length > sizeof text) return 0;
    const char *field = memchr(text, ';', (size_t)length);
    if (field == NULL) return 0;
    field++;
    char *end = NULL;
    errno = 0;
    unsigned long owner = strtoul(field, &end, 10);
    if (errno != 0 || end == field || *end != ';') return 0;
    return owner == (unsigned long)getuid() && owner == (unsigned long)geteuid();
}

int32_t awskh_key_search_session(const char *description) {
    return (int32_t)syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", description, 0);
}

long awskh_key_read(int32_t serial, void *buffer, size_t capacity) {
    return syscall(SYS_keyctl, KEYCTL_READ, serial, buffer, capacity);
}

long awskh_key_invalidate(int32_t serial) { return syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial); }

long awskh_keyring_list(int user, int32_t *serials, size_t capacity_bytes) {
    return syscall(SYS_keyctl, KEYCTL_READ, user ? KEY_SPEC_USER_KEYRING : KEY_SPEC_SESSION_KEYRING, serials,
                   capacity_bytes);
}

long awskh_key_describe(int32_t serial, char *buffer, size_t capacity) {
    return syscall(SYS_keyctl, KEYCTL_DESCRIBE, serial, buffer, capacity);
}
