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

// libcrypto's declarations, reduced to what is called: an EVP_MD is opaque here.
typedef const void *(*evp_sha256_fn)(void);
typedef unsigned char *(*hmac_fn)(const void *md, const void *key, int key_length, const unsigned char *data,
                                  size_t data_length, unsigned char *mac, unsigned int *mac_length);

// For the Secret Service's encrypted session: big numbers (Diffie-Hellman), random bytes, AES-128-CBC.
// BIGNUM, BN_CTX and EVP_CIPHER_CTX are opaque here too.
#define AWSKH_CRYPTO_FUNCTIONS(X)                                                                          \
    X(BN_new, void *, (void))                                                                              \
    X(BN_clear_free, void, (void *a))                                                                      \
    X(BN_CTX_new, void *, (void))                                                                          \
    X(BN_CTX_free, void, (void *c))                                                                        \
    X(BN_bin2bn, void *, (const unsigned char *s, int len, void *ret))                                     \
    X(BN_bn2bin, int, (const void *a, unsigned char *to))                                                  \
    X(BN_num_bits, int, (const void *a))                                                                   \
    X(BN_cmp, int, (const void *a, const void *b))                                                         \
    X(BN_is_zero, int, (const void *a))                                                                    \
    X(BN_is_one, int, (const void *a))                                                                     \
    X(BN_mod_exp, int, (void *r, const void *a, const void *p, const void *m, void *ctx))                  \
    X(BN_rand_range, int, (void *rnd, const void *range))                                                  \
    X(BN_get_rfc2409_prime_1024, void *, (void *bn))                                                       \
    X(RAND_bytes, int, (unsigned char *buf, int num))                                                      \
    X(EVP_aes_128_cbc, const void *, (void))                                                               \
    X(EVP_CIPHER_CTX_new, void *, (void))                                                                  \
    X(EVP_CIPHER_CTX_free, void, (void *ctx))                                                              \
    X(EVP_EncryptInit_ex, int,                                                                             \
      (void *ctx, const void *cipher, void *engine, const unsigned char *key, const unsigned char *iv))    \
    X(EVP_EncryptUpdate, int, (void *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl)) \
    X(EVP_EncryptFinal_ex, int, (void *ctx, unsigned char *out, int *outl))

#define AWSKH_CRYPTO_DECLARE(name, result, parameters) result(*name) parameters;

static struct {
    evp_sha256_fn evp_sha256;
    hmac_fn hmac;
    char error[256];
    // Set when every function of AWSKH_CRYPTO_FUNCTIONS was found.
    int session_ready;
    struct {
        AWSKH_CRYPTO_FUNCTIONS(AWSKH_CRYPTO_DECLARE)
    } f;
} libcrypto;

static pthread_once_t libcrypto_once = PTHREAD_ONCE_INIT;

static void load_libcrypto(void) {
    void *handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(libcrypto.error, sizeof libcrypto.error,
                 "cannot load libcrypto.so.3 (install the libssl3 package): %s", dlerror());
        return;
    }
    evp_sha256_fn evp_sha256 = (evp_sha256_fn)dlsym(handle, "EVP_sha256");
    hmac_fn hmac = (hmac_fn)dlsym(handle, "HMAC");
    if (!evp_sha256 || !hmac) {
        snprintf(libcrypto.error, sizeof libcrypto.error, "libcrypto.so.3 lacks HMAC or EVP_sha256");
        return;
    }
    libcrypto.evp_sha256 = evp_sha256;
    libcrypto.hmac = hmac;
#define AWSKH_CRYPTO_RESOLVE(name, result, parameters)                 \
    libcrypto.f.name = (result(*) parameters)dlsym(handle, #name);     \
    if (!libcrypto.f.name) return;
    AWSKH_CRYPTO_FUNCTIONS(AWSKH_CRYPTO_RESOLVE)
    libcrypto.session_ready = 1;
}

int awskh_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t message_length,
                      uint8_t mac[32], char *error, size_t error_size) {
    pthread_once(&libcrypto_once, load_libcrypto);
    unsigned int mac_length = 0;
    if (!libcrypto.hmac || key_length > INT32_MAX) {
        snprintf(error, error_size, "%s", libcrypto.hmac ? "HMAC key too long" : libcrypto.error);
        return -1;
    }
    const void *md = libcrypto.evp_sha256();
    if (!md || !libcrypto.hmac(md, key, (int)key_length, message, message_length, mac, &mac_length)
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
    void *prime;
    void *private_key;
    uint8_t key[16];
    int has_key;
};

static const size_t prime_bytes = 128;

void awskh_secret_session_free(awskh_secret_session *session) {
    if (!session) return;
    if (session->prime) libcrypto.f.BN_clear_free(session->prime);
    if (session->private_key) libcrypto.f.BN_clear_free(session->private_key);
    explicit_bzero(session, sizeof *session);
    free(session);
}

awskh_secret_session *awskh_secret_session_new(uint8_t public_key[128], size_t *public_length, char *error,
                                               size_t error_size) {
    pthread_once(&libcrypto_once, load_libcrypto);
    if (!libcrypto.session_ready) {
        snprintf(error, error_size, "%s",
                 libcrypto.error[0] ? libcrypto.error : "libcrypto.so.3 lacks the functions of an encrypted session");
        return NULL;
    }
    awskh_secret_session *session = calloc(1, sizeof *session);
    void *generator = libcrypto.f.BN_new();
    void *public = libcrypto.f.BN_new();
    void *context = libcrypto.f.BN_CTX_new();
    int ok = session && generator && public && context;
    if (ok) {
        session->prime = libcrypto.f.BN_get_rfc2409_prime_1024(NULL);
        session->private_key = libcrypto.f.BN_new();
        const unsigned char two = 2;
        ok = session->prime && session->private_key && libcrypto.f.BN_bin2bn(&two, 1, generator);
    }
    // A private exponent in [2, p): redrawn while it is 0 or 1.
    while (ok) {
        ok = libcrypto.f.BN_rand_range(session->private_key, session->prime);
        if (ok && !libcrypto.f.BN_is_zero(session->private_key) && !libcrypto.f.BN_is_one(session->private_key))
            break;
    }
    ok = ok && libcrypto.f.BN_mod_exp(public, generator, session->private_key, session->prime, context);
    ok = ok && (size_t)((libcrypto.f.BN_num_bits(public) + 7) / 8) <= prime_bytes;
    if (ok) *public_length = (size_t)libcrypto.f.BN_bn2bin(public, public_key);
    if (generator) libcrypto.f.BN_clear_free(generator);
    if (public) libcrypto.f.BN_clear_free(public);
    if (context) libcrypto.f.BN_CTX_free(context);
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
    void *peer = libcrypto.f.BN_bin2bn(peer_key, (int)peer_length, NULL);
    void *shared = libcrypto.f.BN_new();
    void *context = libcrypto.f.BN_CTX_new();
    uint8_t secret[128];
    int result = -1;
    // The peer's key must be in [2, p - 1).
    if (peer && shared && context && !libcrypto.f.BN_is_zero(peer) && !libcrypto.f.BN_is_one(peer) &&
        libcrypto.f.BN_cmp(peer, session->prime) < 0 &&
        libcrypto.f.BN_mod_exp(shared, peer, session->private_key, session->prime, context)) {
        size_t length = (size_t)((libcrypto.f.BN_num_bits(shared) + 7) / 8);
        if (length != prime_bytes) {
            // Services differ on whether a shorter secret is padded to the prime's length: a new key
            // pair avoids the question.
            result = 1;
        } else {
            libcrypto.f.BN_bn2bin(shared, secret);
            // HKDF-SHA-256: extract with a salt of zeros, expand with no info to one block.
            uint8_t zeros[32] = {0}, prk[32], block[32];
            const uint8_t one = 1;
            unsigned int mac_length = 0;
            const void *md = libcrypto.evp_sha256();
            if (md && libcrypto.hmac(md, zeros, sizeof zeros, secret, sizeof secret, prk, &mac_length) &&
                libcrypto.hmac(md, prk, sizeof prk, &one, 1, block, &mac_length)) {
                memcpy(session->key, block, sizeof session->key);
                session->has_key = 1;
                result = 0;
            }
            explicit_bzero(prk, sizeof prk);
            explicit_bzero(block, sizeof block);
        }
    }
    explicit_bzero(secret, sizeof secret);
    if (peer) libcrypto.f.BN_clear_free(peer);
    if (shared) libcrypto.f.BN_clear_free(shared);
    if (context) libcrypto.f.BN_CTX_free(context);
    if (result < 0) snprintf(error, error_size, "cannot agree on a key with the Secret Service");
    return result;
}

int awskh_secret_session_encrypt(awskh_secret_session *session, const uint8_t *plain, size_t length,
                                 uint8_t iv[16], uint8_t *out, size_t *out_length, char *error, size_t error_size) {
    if (!session->has_key || length > INT32_MAX - 16 || libcrypto.f.RAND_bytes(iv, 16) != 1) {
        snprintf(error, error_size, "cannot encrypt for the Secret Service");
        return -1;
    }
    void *context = libcrypto.f.EVP_CIPHER_CTX_new();
    int written = 0, final = 0;
    int ok = context && libcrypto.f.EVP_EncryptInit_ex(context, libcrypto.f.EVP_aes_128_cbc(), NULL, session->key, iv) &&
             libcrypto.f.EVP_EncryptUpdate(context, out, &written, plain, (int)length) &&
             libcrypto.f.EVP_EncryptFinal_ex(context, out + written, &final);
    if (context) libcrypto.f.EVP_CIPHER_CTX_free(context);
    if (!ok) {
        snprintf(error, error_size, "libcrypto could not encrypt for the Secret Service");
        return -1;
    }
    *out_length = (size_t)written + (size_t)final;
    return 0;
}
