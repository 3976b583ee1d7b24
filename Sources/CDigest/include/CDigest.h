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

/// The client side of the Secret Service's `dh-ietf1024-sha256-aes128-cbc-pkcs7` session, by libcrypto:
/// the password given to `unlock` or to a new keyring travels encrypted, not readable by a monitor of
/// the session bus.
typedef struct awskh_secret_session awskh_secret_session;

/// A new key pair; its public key (big-endian, at most 128 bytes) in `public_key`. NULL with a message in
/// `error` when libcrypto cannot be loaded or fails.
awskh_secret_session *awskh_secret_session_new(uint8_t public_key[128], size_t *public_length, char *error,
                                               size_t error_size);
/// The AES key from the service's public key: 0; 1 when this key pair gives a shared secret shorter than
/// the prime (start again with a new session: services differ on padding it); -1 with a message.
int awskh_secret_session_derive(awskh_secret_session *session, const uint8_t *peer_key, size_t peer_length,
                                char *error, size_t error_size);
/// Encrypts `length` bytes into `out` (room for `length` + 16) under a new random IV (`iv`); 0 or -1.
int awskh_secret_session_encrypt(awskh_secret_session *session, const uint8_t *plain, size_t length,
                                 uint8_t iv[16], uint8_t *out, size_t *out_length, char *error, size_t error_size);
/// Frees the session, overwriting its keys.
void awskh_secret_session_free(awskh_secret_session *session);

#endif
