#include "CDigest.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void awskh_sha256(const uint8_t *bytes, size_t length, uint8_t digest[32]) {
    SHA2_CTX context;
    SHA256Init(&context);
    SHA256Update(&context, bytes, length);
    SHA256Final(digest, &context);
    explicit_bzero(&context, sizeof context);
}

// libcrypto's functions, loaded with dlopen on first use, each declared with the return type and parameters
// libcrypto declares (its structures are opaque here, named by OpenSSL's own tags). The check build
// (AWSKH_CHECK_AGAINST_HEADERS, scripts/check-loaders.sh) compiles this file with OpenSSL's headers and
// asserts each signature. HMAC-SHA-256 signs requests to AWS; the big numbers (Diffie-Hellman), random
// bytes and AES-128-CBC make the Secret Service's encrypted session that carries a keyring password.
#ifndef AWSKH_CHECK_AGAINST_HEADERS
typedef struct evp_md_st EVP_MD;
typedef struct bignum_st BIGNUM;
typedef struct bignum_ctx BN_CTX;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct engine_st ENGINE;
#else
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#endif

#define AWSKH_CRYPTO_FUNCTIONS(X)                                                                           \
    X(EVP_sha256, const EVP_MD *, (void))                                                                   \
    X(HMAC, unsigned char *,                                                                                \
      (const EVP_MD *, const void *, int, const unsigned char *, size_t, unsigned char *, unsigned int *))  \
    X(BN_new, BIGNUM *, (void))                                                                             \
    X(BN_clear_free, void, (BIGNUM *))                                                                      \
    X(BN_CTX_new, BN_CTX *, (void))                                                                         \
    X(BN_CTX_free, void, (BN_CTX *))                                                                        \
    X(BN_bin2bn, BIGNUM *, (const unsigned char *, int, BIGNUM *))                                          \
    X(BN_bn2bin, int, (const BIGNUM *, unsigned char *))                                                    \
    X(BN_num_bits, int, (const BIGNUM *))                                                                   \
    X(BN_cmp, int, (const BIGNUM *, const BIGNUM *))                                                        \
    X(BN_is_zero, int, (const BIGNUM *))                                                                    \
    X(BN_is_one, int, (const BIGNUM *))                                                                     \
    X(BN_mod_exp, int, (BIGNUM *, const BIGNUM *, const BIGNUM *, const BIGNUM *, BN_CTX *))                \
    X(BN_rand_range, int, (BIGNUM *, const BIGNUM *))                                                       \
    X(BN_get_rfc2409_prime_1024, BIGNUM *, (BIGNUM *))                                                      \
    X(RAND_bytes, int, (unsigned char *, int))                                                              \
    X(EVP_aes_128_cbc, const EVP_CIPHER *, (void))                                                          \
    X(EVP_CIPHER_CTX_new, EVP_CIPHER_CTX *, (void))                                                         \
    X(EVP_CIPHER_CTX_free, void, (EVP_CIPHER_CTX *))                                                        \
    X(EVP_EncryptInit_ex, int,                                                                              \
      (EVP_CIPHER_CTX *, const EVP_CIPHER *, ENGINE *, const unsigned char *, const unsigned char *))       \
    X(EVP_EncryptUpdate, int, (EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int))       \
    X(EVP_EncryptFinal_ex, int, (EVP_CIPHER_CTX *, unsigned char *, int *))

#define AWSKH_CRYPTO_DECLARE(name, result, parameters) static result(*p_##name) parameters;
AWSKH_CRYPTO_FUNCTIONS(AWSKH_CRYPTO_DECLARE)

#ifdef AWSKH_CHECK_AGAINST_HEADERS
#define AWSKH_CRYPTO_SAME_SIGNATURE(name, result, parameters) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), __typeof__(p_##name)), #name);
AWSKH_CRYPTO_FUNCTIONS(AWSKH_CRYPTO_SAME_SIGNATURE)
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void load(void) {
    void *handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "cannot load libcrypto.so.3 (install the libssl3 package): %s",
                 dlerror());
        return;
    }
#define AWSKH_CRYPTO_RESOLVE(name, result, parameters)                                      \
    p_##name = (__typeof__(p_##name))dlsym(handle, #name);                                  \
    if (!p_##name) {                                                                         \
        snprintf(load_error, sizeof load_error, "libcrypto.so.3 lacks %s", #name);            \
        return;                                                                              \
    }
    AWSKH_CRYPTO_FUNCTIONS(AWSKH_CRYPTO_RESOLVE)
    loaded = 1;
}

int awskh_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t message_length,
                      uint8_t mac[32], char *error, size_t error_size) {
    pthread_once(&load_once, load);
    unsigned int mac_length = 0;
    if (!loaded || key_length > INT32_MAX) {
        snprintf(error, error_size, "%s", loaded ? "HMAC key too long" : load_error);
        return -1;
    }
    const EVP_MD *md = p_EVP_sha256();
    if (!md || !p_HMAC(md, key, (int)key_length, message, message_length, mac, &mac_length)
        || mac_length != 32) {
        snprintf(error, error_size, "libcrypto could not compute an HMAC-SHA-256");
        return -1;
    }
    return 0;
}

// The client side of a `dh-ietf1024-sha256-aes128-cbc-pkcs7` session (freedesktop Secret Service
// specification, "Transfer of Secrets"): Diffie-Hellman in the 1024-bit MODP group of RFC 2409 with
// generator 2, the shared secret (big-endian) through HKDF-SHA-256 with no salt and no info to a
// 128-bit AES key; each secret AES-128-CBC with PKCS#7 padding under a random IV.
struct awskh_secret_session {
    BIGNUM *prime;
    BIGNUM *private_key;
    uint8_t key[16];
    int has_key;
};

static const size_t prime_bytes = 128;

void awskh_secret_session_free(awskh_secret_session *session) {
    if (!session) return;
    if (session->prime) p_BN_clear_free(session->prime);
    if (session->private_key) p_BN_clear_free(session->private_key);
    explicit_bzero(session, sizeof *session);
    free(session);
}

awskh_secret_session *awskh_secret_session_new(uint8_t public_key[128], size_t *public_length, char *error,
                                               size_t error_size) {
    pthread_once(&load_once, load);
    if (!loaded) {
        snprintf(error, error_size, "%s", load_error);
        return NULL;
    }
    awskh_secret_session *session = calloc(1, sizeof *session);
    BIGNUM *generator = p_BN_new();
    BIGNUM *public = p_BN_new();
    BN_CTX *context = p_BN_CTX_new();
    int ok = session && generator && public && context;
    if (ok) {
        session->prime = p_BN_get_rfc2409_prime_1024(NULL);
        session->private_key = p_BN_new();
        const unsigned char two = 2;
        ok = session->prime && session->private_key && p_BN_bin2bn(&two, 1, generator);
    }
    // A private exponent in [2, p): redrawn while it is 0 or 1.
    while (ok) {
        ok = p_BN_rand_range(session->private_key, session->prime);
        if (ok && !p_BN_is_zero(session->private_key) && !p_BN_is_one(session->private_key))
            break;
    }
    ok = ok && p_BN_mod_exp(public, generator, session->private_key, session->prime, context);
    ok = ok && (size_t)((p_BN_num_bits(public) + 7) / 8) <= prime_bytes;
    if (ok) *public_length = (size_t)p_BN_bn2bin(public, public_key);
    if (generator) p_BN_clear_free(generator);
    if (public) p_BN_clear_free(public);
    if (context) p_BN_CTX_free(context);
    if (!ok) {
        snprintf(error, error_size, "libcrypto could not make a Diffie-Hellman key");
        awskh_secret_session_free(session);
        return NULL;
    }
    return session;
}

int awskh_secret_session_derive(awskh_secret_session *session, const uint8_t *peer_key, size_t peer_length,
                                char *error, size_t error_size) {
    if (peer_length == 0 || peer_length > prime_bytes) {
        snprintf(error, error_size, "the Secret Service sent a public key of %zu bytes", peer_length);
        return -1;
    }
    BIGNUM *peer = p_BN_bin2bn(peer_key, (int)peer_length, NULL);
    BIGNUM *shared = p_BN_new();
    BN_CTX *context = p_BN_CTX_new();
    uint8_t secret[128];
    int result = -1;
    // The peer's key must be in [2, p - 1).
    if (peer && shared && context && !p_BN_is_zero(peer) && !p_BN_is_one(peer) &&
        p_BN_cmp(peer, session->prime) < 0 &&
        p_BN_mod_exp(shared, peer, session->private_key, session->prime, context)) {
        size_t length = (size_t)((p_BN_num_bits(shared) + 7) / 8);
        if (length != prime_bytes) {
            // Services differ on whether a shorter secret is padded to the prime's length: a new key
            // pair avoids the question.
            result = 1;
        } else {
            p_BN_bn2bin(shared, secret);
            // HKDF-SHA-256: extract with a salt of zeros, expand with no info to one block.
            uint8_t zeros[32] = {0}, prk[32], block[32];
            const uint8_t one = 1;
            unsigned int mac_length = 0;
            const EVP_MD *md = p_EVP_sha256();
            if (md && p_HMAC(md, zeros, sizeof zeros, secret, sizeof secret, prk, &mac_length) &&
                p_HMAC(md, prk, sizeof prk, &one, 1, block, &mac_length)) {
                memcpy(session->key, block, sizeof session->key);
                session->has_key = 1;
                result = 0;
            }
            explicit_bzero(prk, sizeof prk);
            explicit_bzero(block, sizeof block);
        }
    }
    explicit_bzero(secret, sizeof secret);
    if (peer) p_BN_clear_free(peer);
    if (shared) p_BN_clear_free(shared);
    if (context) p_BN_CTX_free(context);
    if (result < 0) snprintf(error, error_size, "cannot agree on a key with the Secret Service");
    return result;
}

int awskh_secret_session_encrypt(awskh_secret_session *session, const uint8_t *plain, size_t length,
                                 uint8_t iv[16], uint8_t *out, size_t *out_length, char *error, size_t error_size) {
    if (!session->has_key || length > INT32_MAX - 16 || p_RAND_bytes(iv, 16) != 1) {
        snprintf(error, error_size, "cannot encrypt for the Secret Service");
        return -1;
    }
    EVP_CIPHER_CTX *context = p_EVP_CIPHER_CTX_new();
    int written = 0, final = 0;
    int ok = context && p_EVP_EncryptInit_ex(context, p_EVP_aes_128_cbc(), NULL, session->key, iv) &&
             p_EVP_EncryptUpdate(context, out, &written, plain, (int)length) &&
             p_EVP_EncryptFinal_ex(context, out + written, &final);
    if (context) p_EVP_CIPHER_CTX_free(context);
    if (!ok) {
        snprintf(error, error_size, "libcrypto could not encrypt for the Secret Service");
        return -1;
    }
    *out_length = (size_t)written + (size_t)final;
    return 0;
}
