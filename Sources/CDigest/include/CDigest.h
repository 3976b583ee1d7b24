#ifndef AWSKH_DIGEST_H
#define AWSKH_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/// SHA-256 of `length` bytes, by libmd (linked in statically: every call of the program hashes its
/// cache keys, and loading a library would cost more than the hashing).
void awskh_sha256(const uint8_t *bytes, size_t length, uint8_t digest[32]);

/// HMAC-SHA-256 by OpenSSL's libcrypto, loaded with dlopen on first use: only requests to AWS are
/// signed, and libcurl, which sends them, loads the same library. Returns 0, or -1 with a message in
/// `error` when libcrypto cannot be loaded.
int awskh_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t message_length,
                      uint8_t mac[32], char *error, size_t error_size);

#endif
