#include "CSecretBus.h"

#include "CDigest.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// The parts of sd-bus used here, declared from its stable ABI (sd-bus.h) so that building needs no
// libsystemd headers and running loads libsystemd only when the keyring is read. The check build
// (AWSKH_CHECK_AGAINST_HEADERS, scripts/check-loaders.sh) compiles this file with sd-bus.h instead and
// asserts that these declarations and every loaded function's signature match it.
#define AWSKH_SD_BUS_ERROR_FIELDS \
    const char *name;             \
    const char *message;          \
    int _need_free;
#define AWSKH_SD_HANDLER(name) int (*name)(sd_bus_message * m, void *userdata, sd_bus_error *ret_error)
#ifndef AWSKH_CHECK_AGAINST_HEADERS
typedef struct sd_bus sd_bus;
typedef struct sd_bus_message sd_bus_message;
typedef struct sd_bus_slot sd_bus_slot;
typedef struct {
    AWSKH_SD_BUS_ERROR_FIELDS
} sd_bus_error;
typedef AWSKH_SD_HANDLER(sd_bus_message_handler_t);
#else
#include <stddef.h>
#include <systemd/sd-bus.h>
typedef struct {
    AWSKH_SD_BUS_ERROR_FIELDS
} awskh_declared_sd_bus_error;
#define AWSKH_SD_SAME_FIELD(field)                                                                      \
    _Static_assert(offsetof(awskh_declared_sd_bus_error, field) == offsetof(sd_bus_error, field)        \
                       && __builtin_types_compatible_p(__typeof__(((awskh_declared_sd_bus_error *)0)->field), \
                                                       __typeof__(((sd_bus_error *)0)->field)),            \
                   "sd_bus_error." #field);
AWSKH_SD_SAME_FIELD(name)
AWSKH_SD_SAME_FIELD(message)
AWSKH_SD_SAME_FIELD(_need_free)
_Static_assert(sizeof(awskh_declared_sd_bus_error) == sizeof(sd_bus_error), "sd_bus_error");
typedef AWSKH_SD_HANDLER(awskh_declared_handler_t);
_Static_assert(__builtin_types_compatible_p(awskh_declared_handler_t, sd_bus_message_handler_t),
               "sd_bus_message_handler_t");
#endif

#define AWSKH_SD_FUNCTIONS(X)                                                                               \
    X(sd_bus_open_user, int, (sd_bus * *ret))                                                               \
    X(sd_bus_flush_close_unref, sd_bus *, (sd_bus * bus))                                                   \
    X(sd_bus_message_new_method_call, int,                                                                  \
      (sd_bus * bus, sd_bus_message * *m, const char *destination, const char *path, const char *interface, \
       const char *member))                                                                                 \
    X(sd_bus_message_append, int, (sd_bus_message * m, const char *types, ...))                            \
    X(sd_bus_message_appendv, int, (sd_bus_message * m, const char *types, va_list ap))                    \
    X(sd_bus_message_append_basic, int, (sd_bus_message * m, char type, const void *p))                   \
    X(sd_bus_message_append_array, int, (sd_bus_message * m, char type, const void *ptr, size_t size))    \
    X(sd_bus_message_open_container, int, (sd_bus_message * m, char type, const char *contents))          \
    X(sd_bus_message_close_container, int, (sd_bus_message * m))                                           \
    X(sd_bus_message_enter_container, int, (sd_bus_message * m, char type, const char *contents))         \
    X(sd_bus_message_exit_container, int, (sd_bus_message * m))                                            \
    X(sd_bus_message_read, int, (sd_bus_message * m, const char *types, ...))                              \
    X(sd_bus_message_read_basic, int, (sd_bus_message * m, char type, void *p))                           \
    X(sd_bus_message_read_array, int, (sd_bus_message * m, char type, const void **ptr, size_t *size))    \
    X(sd_bus_message_read_strv, int, (sd_bus_message * m, char ***l))                                      \
    X(sd_bus_message_skip, int, (sd_bus_message * m, const char *types))                                   \
    X(sd_bus_message_unref, sd_bus_message *, (sd_bus_message * m))                                        \
    X(sd_bus_call, int,                                                                                     \
      (sd_bus * bus, sd_bus_message * m, uint64_t usec, sd_bus_error * ret_error, sd_bus_message * *reply))  \
    X(sd_bus_call_async, int,                                                                               \
      (sd_bus * bus, sd_bus_slot * *slot, sd_bus_message * m, sd_bus_message_handler_t callback,             \
       void *userdata, uint64_t usec))                                                                      \
    X(sd_bus_message_get_error, const sd_bus_error *, (sd_bus_message * m))                                \
    X(sd_bus_message_ref, sd_bus_message *, (sd_bus_message * m))                                          \
    X(sd_bus_error_free, void, (sd_bus_error * e))                                                          \
    X(sd_bus_match_signal, int,                                                                             \
      (sd_bus * bus, sd_bus_slot * *ret, const char *sender, const char *path, const char *interface,        \
       const char *member, sd_bus_message_handler_t callback, void *userdata))                              \
    X(sd_bus_slot_unref, sd_bus_slot *, (sd_bus_slot * slot))                                              \
    X(sd_bus_process, int, (sd_bus * bus, sd_bus_message * *r))                                            \
    X(sd_bus_wait, int, (sd_bus * bus, uint64_t timeout_usec))

#define AWSKH_SD_DECLARE(name, result, parameters) static result(*p_##name) parameters;
AWSKH_SD_FUNCTIONS(AWSKH_SD_DECLARE)
// Since systemd 245: sd-bus then overwrites the message's memory when it frees it.
static int (*p_sd_bus_message_sensitive)(sd_bus_message *m);

#ifdef AWSKH_CHECK_AGAINST_HEADERS
#define AWSKH_SD_SAME_SIGNATURE(name, result, parameters) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), __typeof__(p_##name)), #name);
AWSKH_SD_FUNCTIONS(AWSKH_SD_SAME_SIGNATURE)
AWSKH_SD_SAME_SIGNATURE(sd_bus_message_sensitive, , )
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void load(void) {
    void *handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define AWSKH_SD_RESOLVE(name, result, parameters)                                     \
    p_##name = (__typeof__(p_##name))dlsym(handle, #name);                             \
    if (!p_##name) {                                                                    \
        snprintf(load_error, sizeof load_error, "libsystemd.so.0 lacks %s", #name);      \
        return;                                                                         \
    }
    AWSKH_SD_FUNCTIONS(AWSKH_SD_RESOLVE)
    p_sd_bus_message_sensitive = (__typeof__(p_sd_bus_message_sensitive))dlsym(handle, "sd_bus_message_sensitive");
    loaded = 1;
}

static const char service_name[] = "org.freedesktop.secrets";
static const char service_path[] = "/org/freedesktop/secrets";
static const char service_interface[] = "org.freedesktop.Secret.Service";
static const char gnome_interface[] = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface";

struct awskh_bus {
    sd_bus *bus;
    // Whether the service has answered a call from this connection (see new_call).
    int introduced;
    char *session;
    // The encrypted session that passwords travel in, and its key (see ensure_encrypted_session).
    char *encrypted_session;
    awskh_secret_session *crypto;
};

static void set_error(awskh_bus_error *error, int kind, const char *name, const char *message) {
    if (!error) return;
    error->kind = kind;
    snprintf(error->name, sizeof error->name, "%s", name ? name : "");
    snprintf(error->message, sizeof error->message, "%s", message ? message : "");
}

static int starts_with(const char *text, const char *prefix) {
    return text && strncmp(text, prefix, strlen(prefix)) == 0;
}

// The error kind of a D-Bus error name, or of a negative errno when there is no name.
static int classify(const char *name, int result) {
    int kind = AWSKH_BUS_FAILED;
    if (!strcmp(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
        !strcmp(name, "org.freedesktop.DBus.Error.NameHasNoOwner") ||
        starts_with(name, "org.freedesktop.DBus.Error.Spawn"))
        kind = AWSKH_BUS_NO_SERVICE;
    else if (!strcmp(name, "org.freedesktop.DBus.Error.UnknownMethod") ||
             !strcmp(name, "org.freedesktop.DBus.Error.UnknownInterface") ||
             !strcmp(name, "org.freedesktop.DBus.Error.UnknownObject"))
        kind = AWSKH_BUS_UNSUPPORTED;
    else if (!strcmp(name, "org.gnome.keyring.Error.Denied"))
        kind = AWSKH_BUS_DENIED;
    else if (!strcmp(name, "org.freedesktop.Secret.Error.IsLocked"))
        kind = AWSKH_BUS_LOCKED;
    else if (!*name && (result == -ECONNREFUSED || result == -ENOENT || result == -ECONNRESET ||
                        result == -ENOTCONN || result == -EPIPE || result == -ENOMEDIUM))
        kind = AWSKH_BUS_NO_BUS;
    return kind;
}

// Turns a failed sd-bus call into an error kind; returns the kind.
static int fail(awskh_bus_error *error, int result, sd_bus_error *bus_error) {
    const char *name = bus_error && bus_error->name ? bus_error->name : "";
    const char *message = bus_error && bus_error->message ? bus_error->message : strerror(-result);
    int kind = classify(name, result);
    set_error(error, kind, name, message);
    if (bus_error) p_sd_bus_error_free(bus_error);
    return kind;
}

static int introduce(awskh_bus *bus, awskh_bus_error *error);

// Every call of a connection waits, the first time, for the service to answer a call that needs no
// client of its own (introduce).
static int new_call(awskh_bus *bus, const char *path, const char *interface, const char *member,
                    sd_bus_message **message, awskh_bus_error *error) {
    int kind = bus->introduced ? AWSKH_BUS_OK : introduce(bus, error);
    if (kind) return kind;
    int r = p_sd_bus_message_new_method_call(bus->bus, message, service_name, path, interface, member);
    return r < 0 ? fail(error, r, NULL) : AWSKH_BUS_OK;
}

// Sends `message` (consumed) and returns the reply in `reply` (may be NULL to drop it).
static int call(awskh_bus *bus, sd_bus_message *message, uint64_t timeout_usec, sd_bus_message **reply,
                awskh_bus_error *error) {
    sd_bus_error bus_error = {NULL, NULL, 0};
    sd_bus_message *answer = NULL;
    int r = p_sd_bus_call(bus->bus, message, timeout_usec, &bus_error, &answer);
    p_sd_bus_message_unref(message);
    if (r < 0) return fail(error, r, &bus_error);
    if (answer && p_sd_bus_message_sensitive) p_sd_bus_message_sensitive(answer);
    if (reply)
        *reply = answer;
    else
        p_sd_bus_message_unref(answer);
    return AWSKH_BUS_OK;
}

static int check(int r, awskh_bus_error *error) { return r < 0 ? fail(error, r, NULL) : AWSKH_BUS_OK; }

// Calls `member` with arguments appended as sd_bus_message_append would (none when `types` is NULL) and
// waits for the reply (dropped when `reply` is NULL).
static int method(awskh_bus *bus, const char *path, const char *interface, const char *member,
                  sd_bus_message **reply, awskh_bus_error *error, const char *types, ...) {
    sd_bus_message *message = NULL;
    int kind = new_call(bus, path, interface, member, &message, error);
    if (kind) return kind;
    if (types) {
        va_list arguments;
        va_start(arguments, types);
        int r = p_sd_bus_message_appendv(message, types, arguments);
        va_end(arguments);
        if (r < 0) {
            p_sd_bus_message_unref(message);
            return fail(error, r, NULL);
        }
    }
    return call(bus, message, 0, reply, error);
}

// gnome-keyring-daemon 42 records each new client on its main loop, in an idle callback its message
// filter schedules, and aborts (g_variant_new on NULL, after "gkd_secret_service_get_pkcs11_session:
// assertion 'client' failed"; GNOME gnome-keyring #190, #196, #199) when a call that needs the record
// runs without it. With 6 to 12 processes at once, conversations that opened with OpenSession (even a
// bare `dbus-send ... OpenSession`) aborted it in about a third of the runs of 900 to 1,800 calls, as did
// those of this helper's earlier versions; libsecret, whose first call is a property read, never did.
// So the first call of a connection is such a read, answered on the same main loop once the record is
// made: Properties.Get of the service's Collections (the answer is dropped). Measured: 0 aborts in 15
// such runs, for one round trip more per process.
static int introduce(awskh_bus *bus, awskh_bus_error *error) {
    bus->introduced = 1;
    return method(bus, service_path, "org.freedesktop.DBus.Properties", "Get", NULL, error, "ss",
                  service_interface, "Collections");
}

static void free_strv(char **list) {
    if (!list) return;
    for (char **item = list; *item; item++) free(*item);
    free(list);
}

awskh_bus *awskh_bus_open(awskh_bus_error *error) {
    pthread_once(&load_once, load);
    if (!loaded) {
        set_error(error, AWSKH_BUS_UNAVAILABLE, "", load_error);
        return NULL;
    }
    awskh_bus *bus = calloc(1, sizeof *bus);
    if (!bus) {
        set_error(error, AWSKH_BUS_FAILED, "", "out of memory");
        return NULL;
    }
    int r = p_sd_bus_open_user(&bus->bus);
    if (r < 0) {
        set_error(error, AWSKH_BUS_NO_BUS, "", strerror(-r));
        free(bus);
        return NULL;
    }
    return bus;
}

// One request of a pipeline: its reply (or error) once it has come.
struct pending {
    sd_bus_slot *slot;
    int done;
    sd_bus_message *reply;
    awskh_bus_error error;
};

static int pending_reply(sd_bus_message *message, void *userdata, sd_bus_error *ret_error) {
    (void)ret_error;
    struct pending *pending = userdata;
    pending->done = 1;
    const sd_bus_error *failure = p_sd_bus_message_get_error(message);
    if (failure) {
        const char *name = failure->name ? failure->name : "";
        set_error(&pending->error, classify(name, -EIO), name, failure->message ? failure->message : name);
    } else {
        if (p_sd_bus_message_sensitive) p_sd_bus_message_sensitive(message);
        pending->reply = p_sd_bus_message_ref(message);
    }
    return 0;
}

// Sends all `count` messages (consumed) before waiting for any reply: one round trip to the service
// instead of one for each. Fills each `pending`; returns a transport failure, not the calls' own errors.
static int pipeline(awskh_bus *bus, sd_bus_message **messages, struct pending *pending, size_t count,
                    awskh_bus_error *error) {
    int kind = AWSKH_BUS_OK;
    for (size_t i = 0; i < count; i++) {
        memset(&pending[i], 0, sizeof pending[i]);
        int r = kind ? -ECANCELED
                     : p_sd_bus_call_async(bus->bus, &pending[i].slot, messages[i], pending_reply, &pending[i], 0);
        p_sd_bus_message_unref(messages[i]);
        if (r < 0 && !kind) kind = fail(error, r, NULL);
        if (r < 0) pending[i].done = 1;
    }
    for (size_t i = 0; !kind && i < count;) {
        if (pending[i].done) {
            i++;
            continue;
        }
        int r = p_sd_bus_process(bus->bus, NULL);
        if (r > 0) continue;
        if (r == 0) r = p_sd_bus_wait(bus->bus, UINT64_MAX);
        if (r < 0 && r != -EINTR) kind = fail(error, r, NULL);
    }
    for (size_t i = 0; i < count; i++) {
        p_sd_bus_slot_unref(pending[i].slot);
        pending[i].slot = NULL;
        if (kind && pending[i].reply) pending[i].reply = p_sd_bus_message_unref(pending[i].reply);
    }
    return kind;
}

static int open_session_message(awskh_bus *bus, sd_bus_message **message, awskh_bus_error *error) {
    int kind = new_call(bus, service_path, service_interface, "OpenSession", message, error);
    if (kind) return kind;
    int r = p_sd_bus_message_append(*message, "sv", "plain", "s", "");
    if (r < 0) *message = p_sd_bus_message_unref(*message);
    return check(r, error);
}

// Keeps the session path from an OpenSession reply (consumed).
static int take_session(awskh_bus *bus, sd_bus_message *reply, awskh_bus_error *error) {
    const char *session = NULL;
    int r = p_sd_bus_message_skip(reply, "v");
    if (r >= 0) r = p_sd_bus_message_read(reply, "o", &session);
    if (r >= 0 && !(bus->session = strdup(session))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    return check(r, error);
}

// Opens the plain session that GetSecrets and the password calls need, once per connection.
static int ensure_session(awskh_bus *bus, awskh_bus_error *error) {
    if (bus->session) return AWSKH_BUS_OK;
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = open_session_message(bus, &message, error);
    if (kind || (kind = call(bus, message, 0, &reply, error))) return kind;
    return take_session(bus, reply, error);
}

void awskh_bus_close(awskh_bus *bus) {
    if (!bus) return;
    if (bus->bus) p_sd_bus_flush_close_unref(bus->bus);
    free(bus->session);
    free(bus->encrypted_session);
    awskh_secret_session_free(bus->crypto);
    free(bus);
}

int awskh_bus_search_all(awskh_bus *bus, const char *const *pairs, const size_t *pair_counts, size_t count,
                         char **first_unlocked, size_t *locked_counts, awskh_bus_error *error) {
    // OpenSession rides along with the searches: GetSecrets needs it next.
    size_t extra = bus->session ? 0 : 1, total = count + extra;
    sd_bus_message **messages = calloc(total, sizeof *messages);
    struct pending *pending = calloc(total, sizeof *pending);
    int kind = messages && pending ? AWSKH_BUS_OK : (set_error(error, AWSKH_BUS_FAILED, "", "out of memory"), AWSKH_BUS_FAILED);
    if (!kind && extra) kind = open_session_message(bus, &messages[0], error);
    for (size_t i = 0, offset = 0; !kind && i < count; offset += pair_counts[i], i++) {
        first_unlocked[i] = NULL;
        locked_counts[i] = 0;
        sd_bus_message **message = &messages[extra + i];
        if ((kind = new_call(bus, service_path, service_interface, "SearchItems", message, error))) break;
        int r = p_sd_bus_message_open_container(*message, 'a', "{ss}");
        for (size_t j = 0; r >= 0 && j < pair_counts[i]; j++)
            r = p_sd_bus_message_append(*message, "{ss}", pairs[2 * (offset + j)], pairs[2 * (offset + j) + 1]);
        if (r >= 0) r = p_sd_bus_message_close_container(*message);
        if (r < 0) kind = fail(error, r, NULL);
    }
    if (kind) {
        for (size_t i = 0; messages && i < total; i++)
            if (messages[i]) p_sd_bus_message_unref(messages[i]);
    } else {
        kind = pipeline(bus, messages, pending, total, error);
    }
    for (size_t i = 0; !kind && i < total; i++) {
        if (pending[i].error.kind) {
            *error = pending[i].error;
            kind = pending[i].error.kind;
        }
    }
    if (!kind && extra) {
        kind = take_session(bus, pending[0].reply, error);
        pending[0].reply = NULL;
    }
    for (size_t i = 0; !kind && i < count; i++) {
        sd_bus_message *reply = pending[extra + i].reply;
        char **unlocked = NULL, **locked = NULL;
        int r = p_sd_bus_message_read_strv(reply, &unlocked);
        if (r >= 0) r = p_sd_bus_message_read_strv(reply, &locked);
        if (r >= 0 && unlocked && unlocked[0] && !(first_unlocked[i] = strdup(unlocked[0]))) r = -ENOMEM;
        for (char **item = locked; item && *item; item++) locked_counts[i]++;
        free_strv(unlocked);
        free_strv(locked);
        kind = check(r, error);
    }
    for (size_t i = 0; pending && i < total; i++)
        if (pending[i].reply) p_sd_bus_message_unref(pending[i].reply);
    if (kind)
        for (size_t i = 0; i < count; i++) {
            free(first_unlocked[i]);
            first_unlocked[i] = NULL;
        }
    free(messages);
    free(pending);
    return kind;
}

int awskh_bus_get_secrets(awskh_bus *bus, const char *const *paths, size_t count, uint8_t **secrets,
                          size_t *lengths, awskh_bus_error *error) {
    for (size_t i = 0; i < count; i++) {
        secrets[i] = NULL;
        lengths[i] = 0;
    }
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = ensure_session(bus, error);
    if (kind || (kind = new_call(bus, service_path, service_interface, "GetSecrets", &message, error))) return kind;
    int r = p_sd_bus_message_open_container(message, 'a', "o");
    for (size_t i = 0; r >= 0 && i < count; i++) r = p_sd_bus_message_append_basic(message, 'o', paths[i]);
    if (r >= 0) r = p_sd_bus_message_close_container(message);
    if (r >= 0) r = p_sd_bus_message_append_basic(message, 'o', bus->session);
    if (r < 0) {
        p_sd_bus_message_unref(message);
        return fail(error, r, NULL);
    }
    if ((kind = call(bus, message, 0, &reply, error))) {
        // GetSecrets is a standard method: gnome-keyring answers UnknownMethod when an item is gone.
        if (kind == AWSKH_BUS_UNSUPPORTED || !strcmp(error->name, "org.freedesktop.Secret.Error.NoSuchObject"))
            error->kind = kind = AWSKH_BUS_VANISHED;
        return kind;
    }

    r = p_sd_bus_message_enter_container(reply, 'a', "{o(oayays)}");
    while (r >= 0) {
        r = p_sd_bus_message_enter_container(reply, 'e', "o(oayays)");
        if (r <= 0) break;
        const char *path = NULL;
        const void *parameters = NULL, *value = NULL;
        size_t parameters_length = 0, value_length = 0;
        r = p_sd_bus_message_read(reply, "o", &path);
        if (r >= 0) r = p_sd_bus_message_enter_container(reply, 'r', "oayays");
        if (r >= 0) r = p_sd_bus_message_skip(reply, "o");
        if (r >= 0) r = p_sd_bus_message_read_array(reply, 'y', &parameters, &parameters_length);
        if (r >= 0) r = p_sd_bus_message_read_array(reply, 'y', &value, &value_length);
        if (r >= 0) r = p_sd_bus_message_skip(reply, "s");
        if (r >= 0) r = p_sd_bus_message_exit_container(reply);
        if (r >= 0) r = p_sd_bus_message_exit_container(reply);
        if (r < 0) break;
        for (size_t i = 0; i < count; i++) {
            if (secrets[i] || strcmp(paths[i], path) != 0) continue;
            // One spare byte keeps an empty secret distinguishable from none.
            secrets[i] = malloc(value_length + 1);
            if (!secrets[i]) {
                r = -ENOMEM;
                break;
            }
            if (value_length) memcpy(secrets[i], value, value_length);
            lengths[i] = value_length;
        }
    }
    if (r >= 0) r = p_sd_bus_message_exit_container(reply);
    p_sd_bus_message_unref(reply);
    if (r < 0) {
        for (size_t i = 0; i < count; i++) {
            awskh_bus_free_secret(secrets[i], lengths[i]);
            secrets[i] = NULL;
            lengths[i] = 0;
        }
    }
    return check(r, error);
}

void awskh_bus_free_secret(uint8_t *secret, size_t length) {
    if (!secret) return;
    explicit_bzero(secret, length);
    free(secret);
}

void awskh_bus_free_string(char *string) { free(string); }

int awskh_bus_default_collection(awskh_bus *bus, char **path, int *locked, awskh_bus_error *error) {
    *path = NULL;
    *locked = 0;
    sd_bus_message *reply = NULL;
    int kind = method(bus, service_path, service_interface, "ReadAlias", &reply, error, "s", "default");
    if (kind) return kind;
    const char *collection = NULL;
    int r = p_sd_bus_message_read(reply, "o", &collection);
    if (r >= 0 && strcmp(collection, "/") != 0 && !(*path = strdup(collection))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    if (r < 0 || !*path) return check(r, error);

    kind = method(bus, *path, "org.freedesktop.DBus.Properties", "Get", &reply, error, "ss",
                  "org.freedesktop.Secret.Collection", "Locked");
    if (kind) return kind;
    r = p_sd_bus_message_read(reply, "v", "b", locked);
    p_sd_bus_message_unref(reply);
    return check(r, error);
}

// Waits for the Completed signal of `prompt` after calling its Prompt method.
struct prompt_state {
    int done;
    int dismissed;
};

static int prompt_completed(sd_bus_message *message, void *userdata, sd_bus_error *ret_error) {
    (void)ret_error;
    struct prompt_state *state = userdata;
    int dismissed = 1;
    if (p_sd_bus_message_read(message, "b", &dismissed) < 0) dismissed = 1;
    state->dismissed = dismissed;
    state->done = 1;
    return 0;
}

static int run_prompt(awskh_bus *bus, const char *prompt, awskh_bus_error *error) {
    struct prompt_state state = {0, 0};
    sd_bus_slot *slot = NULL;
    int r = p_sd_bus_match_signal(bus->bus, &slot, service_name, prompt, "org.freedesktop.Secret.Prompt",
                                  "Completed", prompt_completed, &state);
    if (r < 0) return fail(error, r, NULL);
    int kind = method(bus, prompt, "org.freedesktop.Secret.Prompt", "Prompt", NULL, error, "s", "");
    // A person answers the provider's own dialog; give them five minutes.
    time_t deadline = time(NULL) + 300;
    while (!kind && !state.done) {
        r = p_sd_bus_process(bus->bus, NULL);
        if (r < 0) {
            kind = fail(error, r, NULL);
            break;
        }
        if (r > 0) continue;
        if (time(NULL) >= deadline) {
            set_error(error, AWSKH_BUS_DISMISSED, "", "nobody answered the keyring's prompt in 5 minutes");
            kind = AWSKH_BUS_DISMISSED;
            break;
        }
        r = p_sd_bus_wait(bus->bus, 1000000);
        if (r < 0 && r != -EINTR) kind = fail(error, r, NULL);
    }
    p_sd_bus_slot_unref(slot);
    if (!kind && state.dismissed) {
        set_error(error, AWSKH_BUS_DISMISSED, "", "the keyring's prompt was dismissed");
        kind = AWSKH_BUS_DISMISSED;
    }
    return kind;
}

// Service.Lock or Service.Unlock of one collection, following a prompt if the service asks for one.
static int lock_or_unlock(awskh_bus *bus, const char *member, const char *collection, awskh_bus_error *error) {
    sd_bus_message *reply = NULL;
    int kind = method(bus, service_path, service_interface, member, &reply, error, "ao", 1, collection);
    if (kind) return kind;
    const char *prompt = NULL;
    int r = p_sd_bus_message_skip(reply, "ao");
    if (r >= 0) r = p_sd_bus_message_read(reply, "o", &prompt);
    char *owned = r >= 0 && strcmp(prompt, "/") != 0 ? strdup(prompt) : NULL;
    p_sd_bus_message_unref(reply);
    if (r < 0) return fail(error, r, NULL);
    if (!owned) return AWSKH_BUS_OK;
    kind = run_prompt(bus, owned, error);
    free(owned);
    return kind;
}

int awskh_bus_lock(awskh_bus *bus, const char *collection, awskh_bus_error *error) {
    return lock_or_unlock(bus, "Lock", collection, error);
}

int awskh_bus_unlock_with_prompt(awskh_bus *bus, const char *collection, awskh_bus_error *error) {
    return lock_or_unlock(bus, "Unlock", collection, error);
}

static const char encrypted_algorithm[] = "dh-ietf1024-sha256-aes128-cbc-pkcs7";

// One OpenSession with the encrypted algorithm: 0 with the session kept, 1 when this key pair must be
// replaced (see awskh_secret_session_derive), or a failure.
static int try_encrypted_session(awskh_bus *bus, awskh_bus_error *error) {
    uint8_t public_key[128];
    size_t public_length = 0;
    char message_text[256];
    awskh_secret_session *crypto = awskh_secret_session_new(public_key, &public_length, message_text,
                                                            sizeof message_text);
    if (!crypto) {
        set_error(error, AWSKH_BUS_FAILED, "", message_text);
        return AWSKH_BUS_FAILED;
    }
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = new_call(bus, service_path, service_interface, "OpenSession", &message, error);
    if (kind) {
        awskh_secret_session_free(crypto);
        return kind;
    }
    int r = p_sd_bus_message_append_basic(message, 's', encrypted_algorithm);
    if (r >= 0) r = p_sd_bus_message_open_container(message, 'v', "ay");
    if (r >= 0) r = p_sd_bus_message_append_array(message, 'y', public_key, public_length);
    if (r >= 0) r = p_sd_bus_message_close_container(message);
    if (r < 0) {
        p_sd_bus_message_unref(message);
        awskh_secret_session_free(crypto);
        return fail(error, r, NULL);
    }
    if ((kind = call(bus, message, 0, &reply, error))) {
        awskh_secret_session_free(crypto);
        return kind;
    }
    const void *peer = NULL;
    size_t peer_length = 0;
    const char *path = NULL;
    r = p_sd_bus_message_enter_container(reply, 'v', "ay");
    if (r >= 0) r = p_sd_bus_message_read_array(reply, 'y', &peer, &peer_length);
    if (r >= 0) r = p_sd_bus_message_exit_container(reply);
    if (r >= 0) r = p_sd_bus_message_read(reply, "o", &path);
    int derived = r < 0 ? -1 : awskh_secret_session_derive(crypto, peer, peer_length, message_text, sizeof message_text);
    if (derived == 0 && !(bus->encrypted_session = strdup(path))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    if (r < 0 || derived != 0) {
        awskh_secret_session_free(crypto);
        if (r < 0) return fail(error, r, NULL);
        if (derived < 0) {
            set_error(error, AWSKH_BUS_FAILED, "", message_text);
            return AWSKH_BUS_FAILED;
        }
        return 1;
    }
    bus->crypto = crypto;
    return AWSKH_BUS_OK;
}

// Opens the session that passwords travel in, once per connection: dh-ietf1024-sha256-aes128-cbc-pkcs7,
// so that a monitor of the session bus (any process of the user's can be one) does not see the keyring
// password, often also the login password.
static int ensure_encrypted_session(awskh_bus *bus, awskh_bus_error *error) {
    // A key pair is replaced with probability 1/256; eight in a row do not happen.
    for (int attempt = 0; !bus->crypto && attempt < 8; attempt++) {
        int result = try_encrypted_session(bus, error);
        if (result != 1 && result != AWSKH_BUS_OK) return result;
    }
    if (bus->crypto) return AWSKH_BUS_OK;
    set_error(error, AWSKH_BUS_FAILED, "", "cannot agree on a key with the Secret Service");
    return AWSKH_BUS_FAILED;
}

// Appends a Secret Service secret struct (oayays) holding `password`, encrypted in the session of
// ensure_encrypted_session. The ciphertext buffer is overwritten before it is freed.
static int append_secret(awskh_bus *bus, sd_bus_message *message, const uint8_t *password, size_t length) {
    uint8_t iv[16];
    size_t cipher_length = 0;
    char error_text[256];
    uint8_t *cipher = malloc(length + 16);
    if (!cipher) return -ENOMEM;
    int r = awskh_secret_session_encrypt(bus->crypto, password, length, iv, cipher, &cipher_length, error_text,
                                         sizeof error_text) == 0 ? 0 : -EIO;
    if (r >= 0) r = p_sd_bus_message_open_container(message, 'r', "oayays");
    if (r >= 0) r = p_sd_bus_message_append_basic(message, 'o', bus->encrypted_session);
    if (r >= 0) r = p_sd_bus_message_append_array(message, 'y', iv, sizeof iv);
    if (r >= 0) r = p_sd_bus_message_append_array(message, 'y', cipher, cipher_length);
    if (r >= 0) r = p_sd_bus_message_append_basic(message, 's', "text/plain");
    if (r >= 0) r = p_sd_bus_message_close_container(message);
    explicit_bzero(cipher, length + 16);
    free(cipher);
    return r;
}

int awskh_bus_unlock_with_password(awskh_bus *bus, const char *collection, const uint8_t *password,
                                   size_t length, awskh_bus_error *error) {
    sd_bus_message *message = NULL;
    int kind = ensure_encrypted_session(bus, error);
    if (kind || (kind = new_call(bus, service_path, gnome_interface, "UnlockWithMasterPassword", &message, error)))
        return kind;
    if (p_sd_bus_message_sensitive) p_sd_bus_message_sensitive(message);
    int r = p_sd_bus_message_append_basic(message, 'o', collection);
    if (r >= 0) r = append_secret(bus, message, password, length);
    if (r < 0) {
        p_sd_bus_message_unref(message);
        return fail(error, r, NULL);
    }
    return call(bus, message, 0, NULL, error);
}

int awskh_bus_create_with_password(awskh_bus *bus, const char *label, const uint8_t *password, size_t length,
                                   char **path, awskh_bus_error *error) {
    *path = NULL;
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = ensure_encrypted_session(bus, error);
    if (kind || (kind = new_call(bus, service_path, gnome_interface, "CreateWithMasterPassword", &message, error)))
        return kind;
    if (p_sd_bus_message_sensitive) p_sd_bus_message_sensitive(message);
    int r = p_sd_bus_message_append(message, "a{sv}", 1, "org.freedesktop.Secret.Collection.Label", "s", label);
    if (r >= 0) r = append_secret(bus, message, password, length);
    if (r < 0) {
        p_sd_bus_message_unref(message);
        return fail(error, r, NULL);
    }
    if ((kind = call(bus, message, 0, &reply, error))) return kind;
    const char *collection = NULL;
    r = p_sd_bus_message_read(reply, "o", &collection);
    if (r >= 0 && !(*path = strdup(collection))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    return check(r, error);
}

int awskh_bus_set_default_alias(awskh_bus *bus, const char *collection, awskh_bus_error *error) {
    return method(bus, service_path, service_interface, "SetAlias", NULL, error, "so", "default", collection);
}

int awskh_bus_has_password_interface(awskh_bus *bus, int *present, awskh_bus_error *error) {
    *present = 0;
    sd_bus_message *reply = NULL;
    int kind = method(bus, service_path, "org.freedesktop.DBus.Introspectable", "Introspect", &reply, error, NULL);
    if (kind) return kind;
    const char *xml = NULL;
    int r = p_sd_bus_message_read(reply, "s", &xml);
    if (r >= 0) *present = strstr(xml, gnome_interface) != NULL;
    p_sd_bus_message_unref(reply);
    return check(r, error);
}
