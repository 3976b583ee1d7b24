#ifndef AWSKH_CURL_SHIM_H
#define AWSKH_CURL_SHIM_H

#include <stddef.h>

// One HTTP exchange through libcurl, which is loaded with dlopen on first use: commands that make no
// network call (the cached path above all) never pay for loading libcurl and its TLS stack. libcurl's
// option setter is variadic, which Swift cannot call; this shim is the only place that calls it.

typedef struct {
    const char *url;
    const char *method;                // "GET", "POST", "PUT"
    const char *const *headers;        // "Name: value" lines
    size_t header_count;
    const unsigned char *body;
    size_t body_length;
    const char *ca_bundle;             // NULL: the system trust store; else this file alone
    long connect_timeout_ms;
    long total_timeout_ms;
    size_t max_response_bytes;
    const char *proxy;                 // "" or NULL: a direct connection; libcurl never reads proxy variables
    const char *resolve;               // NULL, or "HOST:PORT:ADDRESS[,ADDRESS]" (CURLOPT_RESOLVE)
} awskh_http_request;

typedef enum {
    AWSKH_HTTP_OK = 0,
    AWSKH_HTTP_NO_LIBCURL = 1,         // libcurl.so.4 could not be loaded
    AWSKH_HTTP_CONNECT = 2,            // name resolution or connection refused
    AWSKH_HTTP_TIMEOUT = 3,
    AWSKH_HTTP_TLS = 4,                // handshake or certificate verification
    AWSKH_HTTP_DROPPED = 5,            // the connection broke during the exchange
    AWSKH_HTTP_TOO_LARGE = 6,          // the response exceeded max_response_bytes
    AWSKH_HTTP_OTHER = 7,
} awskh_http_failure;

typedef struct {
    awskh_http_failure failure;
    long status;
    unsigned char *body;               // malloc'd; release (zeroed) with awskh_http_response_free
    size_t body_length;
    char content_type[128];
    char error[256];
} awskh_http_response;

void awskh_http_perform(const awskh_http_request *request, awskh_http_response *response);
// Zeroes the body (it may hold temporary credentials) and frees it.
void awskh_http_response_free(awskh_http_response *response);

#endif
