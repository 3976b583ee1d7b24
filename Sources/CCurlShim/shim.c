#include "CCurlShim.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libcurl's functions, loaded with dlopen on first use, each declared with the return type and parameters
// curl.h gives it. curl.h is needed to build this file anyway (its option names), so every build asserts
// those signatures against it, not only the check build (scripts/check-loaders.sh).
#define AWSKH_CURL_FUNCTIONS(X)                                                                                \
    X(curl_easy_init, CURL *, (void))                                                                          \
    X(curl_easy_setopt, CURLcode, (CURL *, CURLoption, ...))                                                   \
    X(curl_easy_perform, CURLcode, (CURL *))                                                                   \
    X(curl_easy_getinfo, CURLcode, (CURL *, CURLINFO, ...))                                                    \
    X(curl_easy_cleanup, void, (CURL *))                                                                       \
    X(curl_slist_append, struct curl_slist *, (struct curl_slist *, const char *))                             \
    X(curl_slist_free_all, void, (struct curl_slist *))                                                        \
    X(curl_easy_strerror, const char *, (CURLcode))                                                            \
    X(curl_global_init_mem, CURLcode,                                                                          \
      (long, curl_malloc_callback, curl_free_callback, curl_realloc_callback, curl_strdup_callback,           \
       curl_calloc_callback))

#define AWSKH_CURL_DECLARE(name, result, parameters) static result(*p_##name) parameters;
AWSKH_CURL_FUNCTIONS(AWSKH_CURL_DECLARE)

#define AWSKH_CURL_SAME_SIGNATURE(name, result, parameters) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), __typeof__(p_##name)), #name);
AWSKH_CURL_FUNCTIONS(AWSKH_CURL_SAME_SIGNATURE)

// libcurl's memory, zeroed before it is freed: its receive buffer holds response bodies (temporary
// credentials) and its header lists the signature and session token. Installed with
// curl_global_init_mem before libcurl does anything else.
static void zeroing_free(void *block) {
    if (block) explicit_bzero(block, malloc_usable_size(block));
    free(block);
}

static void *zeroing_realloc(void *block, size_t size) {
    if (!block) return malloc(size);
    if (size == 0) {
        zeroing_free(block);
        return NULL;
    }
    // Not realloc: a block it moves would leave its old contents behind in freed memory.
    size_t old_size = malloc_usable_size(block);
    if (size <= old_size) return block;
    void *grown = malloc(size);
    if (!grown) return NULL;
    memcpy(grown, block, old_size);
    zeroing_free(block);
    return grown;
}

static char *plain_strdup(const char *text) { return strdup(text); }

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void load(void) {
    void *handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "cannot load libcurl.so.4 (install the libcurl4 package): %s",
                 dlerror());
        return;
    }
#define AWSKH_CURL_RESOLVE(name, result, parameters)                                          \
    p_##name = (__typeof__(p_##name))dlsym(handle, #name);                                    \
    if (!p_##name) {                                                                           \
        snprintf(load_error, sizeof load_error, "libcurl.so.4 lacks %s", #name);                \
        return;                                                                                \
    }
    AWSKH_CURL_FUNCTIONS(AWSKH_CURL_RESOLVE)
    if (p_curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, zeroing_free, zeroing_realloc, plain_strdup, calloc)
        != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "libcurl could not be initialised");
        return;
    }
    loaded = 1;
}

static int load_curl(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (!loaded && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return loaded;
}

typedef struct {
    awskh_http_response *response;
    size_t capacity;
    size_t limit;
    int overflow;
} body_sink;

static size_t collect_body(char *data, size_t size, size_t count, void *context) {
    body_sink *sink = context;
    size_t length = size * count;
    awskh_http_response *response = sink->response;
    if (response->body_length + length > sink->limit) {
        sink->overflow = 1;
        return 0;
    }
    if (response->body_length + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < response->body_length + length) capacity *= 2;
        // Not realloc: it may leave a copy of what was received (credentials) in freed memory.
        unsigned char *grown = malloc(capacity);
        if (!grown) return 0;
        if (response->body) {
            memcpy(grown, response->body, response->body_length);
            explicit_bzero(response->body, sink->capacity);
            free(response->body);
        }
        response->body = grown;
        sink->capacity = capacity;
    }
    memcpy(response->body + response->body_length, data, length);
    response->body_length += length;
    return length;
}

static awskh_http_failure classify(CURLcode code) {
    switch (code) {
    case CURLE_OK: return AWSKH_HTTP_OK;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT: return AWSKH_HTTP_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return AWSKH_HTTP_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return AWSKH_HTTP_TLS;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return AWSKH_HTTP_DROPPED;
    default: return AWSKH_HTTP_OTHER;
    }
}

void awskh_http_perform(const awskh_http_request *request, awskh_http_response *response) {
    memset(response, 0, sizeof *response);
    if (!load_curl(response->error, sizeof response->error)) {
        response->failure = AWSKH_HTTP_NO_LIBCURL;
        return;
    }
    CURL *handle = p_curl_easy_init();
    if (!handle) {
        response->failure = AWSKH_HTTP_OTHER;
        snprintf(response->error, sizeof response->error, "libcurl could not start a request");
        return;
    }
    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < request->header_count; i++) {
        headers = p_curl_slist_append(headers, request->headers[i]);
    }
    // libcurl adds "Expect: 100-continue" to larger POSTs; STS does not need the extra round trip.
    headers = p_curl_slist_append(headers, "Expect:");

    char error_buffer[CURL_ERROR_SIZE] = {0};
    body_sink sink = {response, 0, request->max_response_bytes, 0};

    p_curl_easy_setopt(handle, CURLOPT_URL, request->url);
    p_curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    p_curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    p_curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    p_curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request->method);
    if (strcmp(request->method, "GET") != 0) {
        p_curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
        p_curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request->body_length ? (const char *)request->body : "");
    }
    p_curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    p_curl_easy_setopt(handle, CURLOPT_USERAGENT, "awskeyring-helper");
    p_curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    p_curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, request->total_timeout_ms);
    if (request->ca_bundle) {
        // The bundle replaces the system store, as in botocore: libcurl would otherwise still trust
        // its built-in CA directory (/etc/ssl/certs) next to CAINFO.
        p_curl_easy_setopt(handle, CURLOPT_CAINFO, request->ca_bundle);
        p_curl_easy_setopt(handle, CURLOPT_CAPATH, (const char *)NULL);
    }
    // The caller decided the route: an explicit proxy (or "" for none) keeps libcurl from reading
    // http_proxy, HTTPS_PROXY, ALL_PROXY and NO_PROXY itself.
    const char *proxy = request->proxy ? request->proxy : "";
    p_curl_easy_setopt(handle, CURLOPT_PROXY, proxy);
    p_curl_easy_setopt(handle, CURLOPT_NOPROXY, proxy[0] ? "" : "*");
    struct curl_slist *resolve = NULL;
    if (request->resolve) {
        resolve = p_curl_slist_append(NULL, request->resolve);
        p_curl_easy_setopt(handle, CURLOPT_RESOLVE, resolve);
    }
    p_curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_body);
    p_curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    p_curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);

    CURLcode code = p_curl_easy_perform(handle);
    if (code == CURLE_OK) {
        long status = 0;
        char *content_type = NULL;
        p_curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        p_curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &content_type);
        response->status = status;
        if (content_type) snprintf(response->content_type, sizeof response->content_type, "%s", content_type);
    } else if (sink.overflow) {
        response->failure = AWSKH_HTTP_TOO_LARGE;
        snprintf(response->error, sizeof response->error, "the response is larger than %zu bytes",
                 request->max_response_bytes);
    } else {
        response->failure = classify(code);
        snprintf(response->error, sizeof response->error, "%s",
                 error_buffer[0] ? error_buffer : p_curl_easy_strerror(code));
    }
    p_curl_easy_cleanup(handle);
    // libcurl copied the header lines, among them the signature and the session token.
    for (struct curl_slist *line = headers; line; line = line->next) {
        if (line->data) explicit_bzero(line->data, strlen(line->data));
    }
    p_curl_slist_free_all(headers);
    if (resolve) p_curl_slist_free_all(resolve);
}

void awskh_http_response_free(awskh_http_response *response) {
    if (response->body) explicit_bzero(response->body, response->body_length);
    free(response->body);
    response->body = NULL;
    response->body_length = 0;
}
