#include "CDigest.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sha2.h>
#include <stdio.h>
#include <string.h>

void awskh_sha256(const uint8_t *bytes, size_t length, uint8_t digest[32]) {
    SHA2_CTX context;
    SHA256Init(&context);
    SHA256Update(&context, bytes, length);
    SHA256Final(digest, &context);
    explicit_bzero(&context, sizeof context);
}

// libcrypto's functions, loaded with dlopen on first use, each declared with the return type and parameters
// libcrypto declares (an EVP_MD is opaque here). The check build (AWSKH_CHECK_AGAINST_HEADERS,
// scripts/check-loaders.sh) compiles this file with OpenSSL's headers and asserts each signature.
#ifndef AWSKH_CHECK_AGAINST_HEADERS
typedef struct evp_md_st EVP_MD;
#else
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif

#define AWSKH_CRYPTO_FUNCTIONS(X)                                                                           \
    X(EVP_sha256, const EVP_MD *, (void))                                                                   \
    X(HMAC, unsigned char *,                                                                                \
      (const EVP_MD *, const void *, int, const unsigned char *, size_t, unsigned char *, unsigned int *))

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
