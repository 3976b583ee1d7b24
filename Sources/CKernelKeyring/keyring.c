#include "CKernelKeyring.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int32_t awskh_key_add_user(const char *description, const void *payload, size_t length) {
    return (int32_t)syscall(SYS_add_key, "user", description, payload, length, KEY_SPEC_USER_KEYRING);
}

int32_t awskh_key_search_user(const char *description) {
    return (int32_t)syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description, 0);
}

long awskh_key_read(int32_t serial, void *buffer, size_t capacity) {
    return syscall(SYS_keyctl, KEYCTL_READ, serial, buffer, capacity);
}

long awskh_key_set_timeout(int32_t serial, unsigned int seconds) {
    return syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, serial, seconds);
}

long awskh_key_set_permissions(int32_t serial, uint32_t permissions) {
    return syscall(SYS_keyctl, KEYCTL_SETPERM, serial, permissions);
}

long awskh_key_invalidate(int32_t serial) {
    return syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial);
}

long awskh_user_keyring_list(int32_t *serials, size_t capacity_bytes) {
    return syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_USER_KEYRING, serials, capacity_bytes);
}

long awskh_key_describe(int32_t serial, char *buffer, size_t capacity) {
    return syscall(SYS_keyctl, KEYCTL_DESCRIBE, serial, buffer, capacity);
}
