#ifndef AWSKH_KERNEL_KEYRING_H
#define AWSKH_KERNEL_KEYRING_H

#include <stddef.h>
#include <stdint.h>

// The Linux kernel key retention service, through its system calls (add_key, keyctl). They are
// reached through syscall(), which is variadic and so cannot be called from Swift; these wrappers
// are. Each returns -1 and sets errno on failure, as the system calls do.

// Adds a "user" key that only its possessors can use, with a timeout, to the session keyring; returns
// its serial. The key is made in the calling thread's own keyring, given its permissions and timeout,
// and only then linked into the session keyring: a process that dies half-way leaves no key behind,
// and never a key without a timeout.
int32_t awskh_key_add_session(const char *description, const void *payload, size_t length,
                              uint32_t permissions, unsigned int timeout_seconds);
// 1 when the process has a session keyring of its own (as a login session gives it) that belongs to its
// real and effective user id; 0 when it would fall back to the user's shared session keyring, when the
// session keyring is another user's (`sudo -u`, `su` without pam_keyinit), or when the kernel refuses.
int awskh_has_own_session_keyring(void);
// Finds a "user" key by description in the session keyring; returns its serial.
int32_t awskh_key_search_session(const char *description);
// Copies up to `capacity` bytes of the key's payload into `buffer`; returns the payload's full length.
long awskh_key_read(int32_t serial, void *buffer, size_t capacity);
long awskh_key_invalidate(int32_t serial);
// Reads the serials linked in the session keyring (or, with `user` set, the per-user keyring, where
// earlier versions kept their entries); returns how many bytes the full list takes.
long awskh_keyring_list(int user, int32_t *serials, size_t capacity_bytes);
// Describes a key as "type;uid;gid;perm;description"; returns the full length including the NUL.
long awskh_key_describe(int32_t serial, char *buffer, size_t capacity);

#endif
