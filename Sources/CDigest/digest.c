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

// libcrypto's declarations, reduced to what is called: an EVP_MD is opaque here.
typedef const void *(*evp_sha256_fn)(void);
typedef unsigned char *(*hmac_fn)(const void *md, const void *key, int key_length, const unsigned char *data,
                                  size_t data_length, unsigned char *mac, unsigned int *mac_length);

static struct {
    evp_sha256_fn evp_sha256;
    hmac_fn hmac;
    char error[256];
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
