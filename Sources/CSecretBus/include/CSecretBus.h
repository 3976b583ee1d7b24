#ifndef AWSKH_SECRET_BUS_H
#define AWSKH_SECRET_BUS_H

#include <stddef.h>
#include <stdint.h>

// A small Secret Service client over sd-bus (libsystemd), loaded with dlopen on first use. It opens a
// `plain` session (the secret travels unencrypted over the user's own session bus, whose peers could
// read the unlocked keyring anyway), so a read costs a connection and three method calls instead of
// starting GLib, GIO and libsecret's Diffie-Hellman session. It reads items, reports and changes the
// lock state of the default collection, and creates one; libsecret stays the library for writes. The
// keyring password given to unlock or create a collection travels in a session of its own, encrypted
// (dh-ietf1024-sha256-aes128-cbc-pkcs7, by libcrypto through CDigest): it is often the login password
// too, more than the items the user's processes can read anyway.
//
// This header is self-contained: no libsystemd or GLib headers are needed to build against it.

typedef struct awskh_bus awskh_bus;

enum {
    AWSKH_BUS_OK = 0,
    // libsystemd.so.0 could not be loaded: use libsecret instead.
    AWSKH_BUS_UNAVAILABLE = 1,
    // No session bus to connect to.
    AWSKH_BUS_NO_BUS = 2,
    // Nothing on the bus provides org.freedesktop.secrets.
    AWSKH_BUS_NO_SERVICE = 3,
    // The service refused (for example a wrong keyring password).
    AWSKH_BUS_DENIED = 4,
    // The service lacks the method or interface (another Secret Service provider).
    AWSKH_BUS_UNSUPPORTED = 5,
    // A prompt was dismissed.
    AWSKH_BUS_DISMISSED = 6,
    // The object is locked.
    AWSKH_BUS_LOCKED = 7,
    AWSKH_BUS_FAILED = 8,
    // An item went away (another process deleted it) between a search and its use.
    AWSKH_BUS_VANISHED = 9,
    // The service did not answer within the time allowed (or nobody answered its prompt).
    AWSKH_BUS_TIMEOUT = 10,
    // The service answered with something that is not a Secret Service reply (a wrong type).
    AWSKH_BUS_BAD_REPLY = 11,
};

// How long a call may wait for its reply, and how long a call that may be waiting for a person at the
// provider's own dialog (a search KeePassXC holds while it asks to unlock, a prompt) may wait.
#define AWSKH_BUS_DEFAULT_CALL_TIMEOUT_MS 5000
#define AWSKH_BUS_DEFAULT_DIALOG_TIMEOUT_MS 120000

typedef struct {
    int kind;
    char name[128];
    char message[384];
} awskh_bus_error;

// Connects to the session bus. NULL on failure, with `error` set.
awskh_bus *awskh_bus_open(awskh_bus_error *error);
void awskh_bus_close(awskh_bus *bus);

// Changes the connection's time-outs (milliseconds; 0 keeps the current value).
void awskh_bus_set_timeouts(awskh_bus *bus, uint64_t call_ms, uint64_t dialog_ms);

// SearchItems for `count` queries, all sent before any reply is awaited (with OpenSession, the first
// time). Query i has `pair_counts[i]` attribute pairs, taken in turn from `pairs` (key, value, key,
// value, ...). Sets `first_unlocked[i]` and `first_locked[i]` to the first unlocked and the first locked
// item's path (free with awskh_bus_free_string) or NULL, and `locked_counts[i]` to the number of matching
// items that are locked.
int awskh_bus_search_all(awskh_bus *bus, const char *const *pairs, const size_t *pair_counts, size_t count,
                         char **first_unlocked, char **first_locked, size_t *locked_counts,
                         awskh_bus_error *error);

// GetSecrets for `count` items in one call. `secrets[i]` gets a copy of item i's secret (NULL when the
// service returned none for it, for example because it is locked) and `lengths[i]` its length. Free
// each with awskh_bus_free_secret, which overwrites it first.
int awskh_bus_get_secrets(awskh_bus *bus, const char *const *paths, size_t count, uint8_t **secrets,
                          size_t *lengths, awskh_bus_error *error);
void awskh_bus_free_secret(uint8_t *secret, size_t length);
void awskh_bus_free_string(char *string);

// The collection behind the `default` alias: `path` (NULL when there is none; free with
// awskh_bus_free_string) and whether it is locked.
int awskh_bus_default_collection(awskh_bus *bus, char **path, int *locked, awskh_bus_error *error);

// Service.Lock of one collection (no prompt is involved).
int awskh_bus_lock(awskh_bus *bus, const char *collection, awskh_bus_error *error);

// gnome-keyring's own interface, which needs no display: unlock a collection with its password, or
// create a collection protected by `password` (its path in `path`). AWSKH_BUS_UNSUPPORTED elsewhere.
int awskh_bus_unlock_with_password(awskh_bus *bus, const char *collection, const uint8_t *password,
                                   size_t length, awskh_bus_error *error);
int awskh_bus_create_with_password(awskh_bus *bus, const char *label, const uint8_t *password, size_t length,
                                   char **path, awskh_bus_error *error);
// Whether the service offers gnome-keyring's own interface (1) or not (0), from its introspection data.
int awskh_bus_has_password_interface(awskh_bus *bus, int *present, awskh_bus_error *error);
// Service.SetAlias("default", collection).
int awskh_bus_set_default_alias(awskh_bus *bus, const char *collection, awskh_bus_error *error);

// The standard Service.Unlock, completing the provider's own prompt when it asks for one; it also ends
// when the collection becomes unlocked another way.
int awskh_bus_unlock_with_prompt(awskh_bus *bus, const char *collection, awskh_bus_error *error);

// Service.Unlock of items (KeePassXC shows each item as locked to a new client until a person allows
// access in its dialog), through the provider's prompt.
int awskh_bus_unlock_items(awskh_bus *bus, const char *const *items, size_t count, awskh_bus_error *error);

// The process ID of the program that owns org.freedesktop.secrets (from the bus daemon).
int awskh_bus_service_pid(awskh_bus *bus, uint32_t *pid, awskh_bus_error *error);

// Whether the service opens an encrypted (dh-ietf1024-sha256-aes128-cbc-pkcs7) session, as libsecret
// asks for: `supported` 0 with the service's refusal in `error` (kind AWSKH_BUS_OK) when it does not.
int awskh_bus_probe_encrypted_session(awskh_bus *bus, int *supported, awskh_bus_error *error);

// Item.Delete, completing the provider's prompt when it asks for one.
int awskh_bus_delete_item(awskh_bus *bus, const char *item, awskh_bus_error *error);

#endif
