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
    X(sd_bus_wait, int, (sd_bus * bus, uint64_t timeout_usec))                                              \
    X(sd_bus_message_get_member, const char *, (sd_bus_message * m))                                       \
    X(sd_bus_message_get_signature, const char *, (sd_bus_message * m, int complete))                      \
    X(sd_bus_message_get_sender, const char *, (sd_bus_message * m))

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
    // How long a call may take (microseconds), and how long a call that may wait for a person at the
    // provider's own dialog may take (SearchItems, prompts).
    uint64_t call_timeout;
    uint64_t dialog_timeout;
};

static uint64_t now_usec(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

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
    else if (!*name && result == -ETIMEDOUT)
        kind = AWSKH_BUS_TIMEOUT;
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

// The error for a call that got no answer within `timeout` microseconds.
static int timed_out(awskh_bus_error *error, const char *member, uint64_t timeout) {
    char text[160];
    snprintf(text, sizeof text, "the Secret Service did not answer %s within %.3g seconds", member,
             (double)timeout / 1e6);
    set_error(error, AWSKH_BUS_TIMEOUT, "", text);
    return AWSKH_BUS_TIMEOUT;
}

// Checks that `reply` to `member` has the signature `expected`: a service may answer anything.
static int expect(sd_bus_message *reply, const char *member, const char *expected, awskh_bus_error *error) {
    const char *signature = p_sd_bus_message_get_signature(reply, 1);
    if (signature && !strcmp(signature, expected)) return AWSKH_BUS_OK;
    char text[sizeof error->message];
    snprintf(text, sizeof text, "the Secret Service answered %s with a reply of type '%.64s' instead of '%s'",
             member, signature ? signature : "", expected);
    set_error(error, AWSKH_BUS_BAD_REPLY, "", text);
    return AWSKH_BUS_BAD_REPLY;
}

// The error for a reply to `member` whose content could not be read as expected.
static int unreadable(awskh_bus_error *error, const char *member, const char *what, int result) {
    if (result == -ENOMEM) return fail(error, result, NULL);
    char text[sizeof error->message];
    snprintf(text, sizeof text, "the Secret Service's answer to %s has %s", member, what);
    set_error(error, AWSKH_BUS_BAD_REPLY, "", text);
    return AWSKH_BUS_BAD_REPLY;
}

// Sends `message` (consumed), waiting at most `timeout_usec`, and returns the reply in `reply` (may be
// NULL to drop it) once its signature is `signature`.
static int call(awskh_bus *bus, sd_bus_message *message, uint64_t timeout_usec, const char *signature,
                sd_bus_message **reply, awskh_bus_error *error) {
    sd_bus_error bus_error = {NULL, NULL, 0};
    sd_bus_message *answer = NULL;
    char member[64];
    const char *name = p_sd_bus_message_get_member(message);
    snprintf(member, sizeof member, "%s", name ? name : "a call");
    int r = p_sd_bus_call(bus->bus, message, timeout_usec, &bus_error, &answer);
    p_sd_bus_message_unref(message);
    // A NoReply error from the bus (the service went away without answering) also comes as -ETIMEDOUT;
    // sd-bus's own time-out has no name or org.freedesktop.DBus.Error.Timeout.
    if (r == -ETIMEDOUT && !(bus_error.name && !strcmp(bus_error.name, "org.freedesktop.DBus.Error.NoReply"))) {
        if (bus_error.name || bus_error.message) p_sd_bus_error_free(&bus_error);
        return timed_out(error, member, timeout_usec);
    }
    if (r < 0) return fail(error, r, &bus_error);
    if (answer && p_sd_bus_message_sensitive) p_sd_bus_message_sensitive(answer);
    int kind = answer ? expect(answer, member, signature, error) : AWSKH_BUS_OK;
    if (kind) {
        p_sd_bus_message_unref(answer);
        return kind;
    }
    if (reply)
        *reply = answer;
    else
        p_sd_bus_message_unref(answer);
    return AWSKH_BUS_OK;
}

static int check(int r, awskh_bus_error *error) { return r < 0 ? fail(error, r, NULL) : AWSKH_BUS_OK; }

// Calls `member` with arguments appended as sd_bus_message_append would (none when `types` is NULL) and
// waits, at most the connection's call timeout, for the reply of signature `signature` (dropped when
// `reply` is NULL).
static int method(awskh_bus *bus, const char *path, const char *interface, const char *member,
                  const char *signature, sd_bus_message **reply, awskh_bus_error *error, const char *types, ...) {
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
    return call(bus, message, bus->call_timeout, signature, reply, error);
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
    return method(bus, service_path, "org.freedesktop.DBus.Properties", "Get", "v", NULL, error, "ss",
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
    bus->call_timeout = AWSKH_BUS_DEFAULT_CALL_TIMEOUT_MS * 1000u;
    bus->dialog_timeout = AWSKH_BUS_DEFAULT_DIALOG_TIMEOUT_MS * 1000u;
    int r = p_sd_bus_open_user(&bus->bus);
    if (r < 0) {
        set_error(error, AWSKH_BUS_NO_BUS, "", strerror(-r));
        free(bus);
        return NULL;
    }
    return bus;
}

void awskh_bus_set_timeouts(awskh_bus *bus, uint64_t call_ms, uint64_t dialog_ms) {
    if (call_ms) bus->call_timeout = call_ms * 1000u;
    if (dialog_ms) bus->dialog_timeout = dialog_ms * 1000u;
}

// One request of a pipeline: its reply (or error) once it has come. The caller sets `signature`, the
// type its reply must have.
struct pending {
    sd_bus_slot *slot;
    int done;
    sd_bus_message *reply;
    awskh_bus_error error;
    char member[64];
    const char *signature;
};

static int pending_reply(sd_bus_message *message, void *userdata, sd_bus_error *ret_error) {
    (void)ret_error;
    struct pending *pending = userdata;
    pending->done = 1;
    const sd_bus_error *failure = p_sd_bus_message_get_error(message);
    if (failure) {
        const char *name = failure->name ? failure->name : "";
        set_error(&pending->error, classify(name, -EIO), name, failure->message ? failure->message : name);
    } else if (!expect(message, pending->member, pending->signature, &pending->error)) {
        if (p_sd_bus_message_sensitive) p_sd_bus_message_sensitive(message);
        pending->reply = p_sd_bus_message_ref(message);
    }
    return 0;
}

// Sends all `count` messages (consumed) before waiting for any reply: one round trip to the service
// instead of one for each. Waits at most `timeout` microseconds for them all. Fills each `pending`;
// returns a transport failure or the time-out, not the calls' own errors.
static int pipeline(awskh_bus *bus, sd_bus_message **messages, struct pending *pending, size_t count,
                    uint64_t timeout, awskh_bus_error *error) {
    int kind = AWSKH_BUS_OK;
    uint64_t deadline = now_usec() + timeout;
    for (size_t i = 0; i < count; i++) {
        const char *member = p_sd_bus_message_get_member(messages[i]);
        snprintf(pending[i].member, sizeof pending[i].member, "%s", member ? member : "a call");
        // sd-bus's own time-out comes later than the deadline kept here, which decides.
        int r = kind ? -ECANCELED
                     : p_sd_bus_call_async(bus->bus, &pending[i].slot, messages[i], pending_reply, &pending[i],
                                           timeout + 1000000u);
        p_sd_bus_message_unref(messages[i]);
        if (r < 0 && !kind) kind = fail(error, r, NULL);
        if (r < 0) pending[i].done = 1;
    }
    for (size_t i = 0; !kind && i < count;) {
        if (pending[i].done) {
            i++;
            continue;
        }
        // Checked before each step, however busy the connection is with other messages.
        uint64_t now = now_usec();
        if (now >= deadline) {
            kind = timed_out(error, pending[i].member, timeout);
            break;
        }
        int r = p_sd_bus_process(bus->bus, NULL);
        if (r > 0) continue;
        if (r == 0) r = p_sd_bus_wait(bus->bus, deadline - now);
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

// Keeps the session path from an OpenSession reply (consumed; its signature checked).
static int take_session(awskh_bus *bus, sd_bus_message *reply, awskh_bus_error *error) {
    const char *session = NULL;
    int r = p_sd_bus_message_skip(reply, "v");
    if (r >= 0) r = p_sd_bus_message_read(reply, "o", &session);
    if (r >= 0 && !(bus->session = strdup(session))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    return r < 0 ? unreadable(error, "OpenSession", "no session path", r) : AWSKH_BUS_OK;
}

// Opens the plain session that GetSecrets and the password calls need, once per connection.
static int ensure_session(awskh_bus *bus, awskh_bus_error *error) {
    if (bus->session) return AWSKH_BUS_OK;
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = open_session_message(bus, &message, error);
    if (kind || (kind = call(bus, message, bus->call_timeout, "vo", &reply, error))) return kind;
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
                         char **first_unlocked, char **first_locked, size_t *locked_counts,
                         awskh_bus_error *error) {
    for (size_t i = 0; i < count; i++) {
        first_unlocked[i] = first_locked[i] = NULL;
        locked_counts[i] = 0;
    }
    // OpenSession rides along with the searches: GetSecrets needs it next.
    size_t extra = bus->session ? 0 : 1, total = count + extra;
    sd_bus_message **messages = calloc(total, sizeof *messages);
    struct pending *pending = calloc(total, sizeof *pending);
    int kind = messages && pending ? AWSKH_BUS_OK : (set_error(error, AWSKH_BUS_FAILED, "", "out of memory"), AWSKH_BUS_FAILED);
    if (!kind && extra) {
        kind = open_session_message(bus, &messages[0], error);
        pending[0].signature = "vo";
    }
    for (size_t i = 0, offset = 0; !kind && i < count; offset += pair_counts[i], i++) {
        sd_bus_message **message = &messages[extra + i];
        pending[extra + i].signature = "aoao";
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
        // A provider may hold a search while it asks a person to unlock (KeePassXC's "unlock before
        // search"): the dialog's time-out applies.
        kind = pipeline(bus, messages, pending, total, bus->dialog_timeout, error);
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
        if (r >= 0 && locked && locked[0] && !(first_locked[i] = strdup(locked[0]))) r = -ENOMEM;
        for (char **item = locked; item && *item; item++) locked_counts[i]++;
        free_strv(unlocked);
        free_strv(locked);
        if (r < 0) kind = unreadable(error, "SearchItems", "no lists of items", r);
    }
    for (size_t i = 0; pending && i < total; i++)
        if (pending[i].reply) p_sd_bus_message_unref(pending[i].reply);
    if (kind)
        for (size_t i = 0; i < count; i++) {
            free(first_unlocked[i]);
            free(first_locked[i]);
            first_unlocked[i] = first_locked[i] = NULL;
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
    if ((kind = call(bus, message, bus->call_timeout, "a{o(oayays)}", &reply, error))) {
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
    return r < 0 ? unreadable(error, "GetSecrets", "secrets that cannot be read", r) : AWSKH_BUS_OK;
}

void awskh_bus_free_secret(uint8_t *secret, size_t length) {
    if (!secret) return;
    explicit_bzero(secret, length);
    free(secret);
}

void awskh_bus_free_string(char *string) { free(string); }

// Reads a boolean property of `path`.
static int get_bool(awskh_bus *bus, const char *path, const char *interface, const char *property, int *value,
                    awskh_bus_error *error) {
    sd_bus_message *reply = NULL;
    int kind = method(bus, path, "org.freedesktop.DBus.Properties", "Get", "v", &reply, error, "ss", interface,
                      property);
    if (kind) return kind;
    int r = p_sd_bus_message_read(reply, "v", "b", value);
    p_sd_bus_message_unref(reply);
    if (r >= 0) return AWSKH_BUS_OK;
    char what[96];
    snprintf(what, sizeof what, "a %s property that is not a boolean", property);
    return unreadable(error, "Get", what, r);
}

int awskh_bus_default_collection(awskh_bus *bus, char **path, int *locked, awskh_bus_error *error) {
    *path = NULL;
    *locked = 0;
    sd_bus_message *reply = NULL;
    int kind = method(bus, service_path, service_interface, "ReadAlias", "o", &reply, error, "s", "default");
    if (kind) return kind;
    const char *collection = NULL;
    int r = p_sd_bus_message_read(reply, "o", &collection);
    if (r >= 0 && strcmp(collection, "/") != 0 && !(*path = strdup(collection))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    if (r < 0) return unreadable(error, "ReadAlias", "no object path", r);
    if (!*path) return AWSKH_BUS_OK;
    return get_bool(bus, *path, "org.freedesktop.Secret.Collection", "Locked", locked, error);
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

// Runs `prompt` and waits, at most the dialog time-out, for its Completed signal, or until every one of
// the `count` objects in `watched` (of `interface`) is unlocked another way (a person unlocking the
// provider in its own window, not through this prompt).
static int run_prompt(awskh_bus *bus, const char *prompt, const char *interface, const char *const *watched,
                      size_t count, awskh_bus_error *error) {
    struct prompt_state state = {0, 0};
    sd_bus_slot *slot = NULL;
    int r = p_sd_bus_match_signal(bus->bus, &slot, service_name, prompt, "org.freedesktop.Secret.Prompt",
                                  "Completed", prompt_completed, &state);
    if (r < 0) return fail(error, r, NULL);
    int kind = method(bus, prompt, "org.freedesktop.Secret.Prompt", "Prompt", "", NULL, error, "s", "");
    uint64_t start = now_usec(), deadline = start + bus->dialog_timeout, next_look = start + 1000000u;
    while (!kind && !state.done) {
        uint64_t now = now_usec();
        if (now >= deadline) {
            char text[160];
            snprintf(text, sizeof text, "nobody answered the keyring's prompt within %.3g seconds",
                     (double)bus->dialog_timeout / 1e6);
            set_error(error, AWSKH_BUS_TIMEOUT, "", text);
            kind = AWSKH_BUS_TIMEOUT;
            // Closes the dialog, so it does not wait there for a caller that has gone (best effort).
            awskh_bus_error ignored;
            method(bus, prompt, "org.freedesktop.Secret.Prompt", "Dismiss", "", NULL, &ignored, NULL);
            break;
        }
        if (count && now >= next_look) {
            next_look = now + 1000000u;
            size_t unlocked = 0;
            for (size_t i = 0; !kind && i < count; i++) {
                int locked = 1;
                kind = get_bool(bus, watched[i], interface, "Locked", &locked, error);
                if (!kind && !locked) unlocked++;
            }
            if (!kind && unlocked == count) break;
            continue;
        }
        r = p_sd_bus_process(bus->bus, NULL);
        if (r < 0) {
            kind = fail(error, r, NULL);
            break;
        }
        if (r > 0) continue;
        uint64_t until = count && next_look < deadline ? next_look : deadline;
        r = p_sd_bus_wait(bus->bus, until > now ? until - now : 0);
        if (r < 0 && r != -EINTR) kind = fail(error, r, NULL);
    }
    p_sd_bus_slot_unref(slot);
    if (!kind && state.done && state.dismissed) {
        set_error(error, AWSKH_BUS_DISMISSED, "", "the keyring's prompt was dismissed");
        kind = AWSKH_BUS_DISMISSED;
    }
    return kind;
}

// Service.Lock or Service.Unlock of `count` objects (of `interface`), following a prompt if the service
// asks for one.
static int lock_or_unlock(awskh_bus *bus, const char *member, const char *interface, const char *const *objects,
                          size_t count, awskh_bus_error *error) {
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = new_call(bus, service_path, service_interface, member, &message, error);
    if (kind) return kind;
    int r = p_sd_bus_message_open_container(message, 'a', "o");
    for (size_t i = 0; r >= 0 && i < count; i++) r = p_sd_bus_message_append_basic(message, 'o', objects[i]);
    if (r >= 0) r = p_sd_bus_message_close_container(message);
    if (r < 0) {
        p_sd_bus_message_unref(message);
        return fail(error, r, NULL);
    }
    if ((kind = call(bus, message, bus->call_timeout, "aoo", &reply, error))) return kind;
    const char *prompt = NULL;
    r = p_sd_bus_message_skip(reply, "ao");
    if (r >= 0) r = p_sd_bus_message_read(reply, "o", &prompt);
    char *owned = r >= 0 && strcmp(prompt, "/") != 0 ? strdup(prompt) : NULL;
    p_sd_bus_message_unref(reply);
    if (r < 0) return unreadable(error, member, "no prompt path", r);
    if (!owned) return AWSKH_BUS_OK;
    // Locking needs no one to answer; watching makes no sense there.
    int watch = !strcmp(member, "Unlock");
    kind = run_prompt(bus, owned, interface, objects, watch ? count : 0, error);
    free(owned);
    return kind;
}

int awskh_bus_lock(awskh_bus *bus, const char *collection, awskh_bus_error *error) {
    return lock_or_unlock(bus, "Lock", "org.freedesktop.Secret.Collection", &collection, 1, error);
}

int awskh_bus_unlock_with_prompt(awskh_bus *bus, const char *collection, awskh_bus_error *error) {
    return lock_or_unlock(bus, "Unlock", "org.freedesktop.Secret.Collection", &collection, 1, error);
}

int awskh_bus_unlock_items(awskh_bus *bus, const char *const *items, size_t count, awskh_bus_error *error) {
    if (!count) return AWSKH_BUS_OK;
    return lock_or_unlock(bus, "Unlock", "org.freedesktop.Secret.Item", items, count, error);
}

int awskh_bus_delete_item(awskh_bus *bus, const char *item, awskh_bus_error *error) {
    sd_bus_message *reply = NULL;
    int kind = method(bus, item, "org.freedesktop.Secret.Item", "Delete", "o", &reply, error, NULL);
    if (kind) return kind;
    const char *prompt = NULL;
    int r = p_sd_bus_message_read(reply, "o", &prompt);
    char *owned = r >= 0 && strcmp(prompt, "/") != 0 ? strdup(prompt) : NULL;
    p_sd_bus_message_unref(reply);
    if (r < 0) return unreadable(error, "Delete", "no prompt path", r);
    if (!owned) return AWSKH_BUS_OK;
    kind = run_prompt(bus, owned, NULL, NULL, 0, error);
    free(owned);
    return kind;
}

int awskh_bus_service_pid(awskh_bus *bus, uint32_t *pid, awskh_bus_error *error) {
    *pid = 0;
    sd_bus_message *message = NULL, *reply = NULL;
    int r = p_sd_bus_message_new_method_call(bus->bus, &message, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetConnectionUnixProcessID");
    if (r >= 0) r = p_sd_bus_message_append_basic(message, 's', service_name);
    if (r < 0) {
        if (message) p_sd_bus_message_unref(message);
        return fail(error, r, NULL);
    }
    int kind = call(bus, message, bus->call_timeout, "u", &reply, error);
    if (kind) return kind;
    r = p_sd_bus_message_read_basic(reply, 'u', pid);
    p_sd_bus_message_unref(reply);
    return r < 0 ? unreadable(error, "GetConnectionUnixProcessID", "no process ID", r) : AWSKH_BUS_OK;
}

int awskh_bus_probe_encrypted_session(awskh_bus *bus, int *supported, awskh_bus_error *error) {
    *supported = 0;
    sd_bus_message *message = NULL, *reply = NULL;
    int kind = new_call(bus, service_path, service_interface, "OpenSession", &message, error);
    if (kind) return kind;
    // The generator 2 as the public value: a valid group element, enough for the service to set up the
    // algorithm (the session is never used).
    uint8_t public_value[128] = {0};
    public_value[127] = 2;
    int r = p_sd_bus_message_append_basic(message, 's', "dh-ietf1024-sha256-aes128-cbc-pkcs7");
    if (r >= 0) r = p_sd_bus_message_open_container(message, 'v', "ay");
    if (r >= 0) r = p_sd_bus_message_append_array(message, 'y', public_value, sizeof public_value);
    if (r >= 0) r = p_sd_bus_message_close_container(message);
    if (r < 0) {
        p_sd_bus_message_unref(message);
        return fail(error, r, NULL);
    }
    kind = call(bus, message, bus->call_timeout, "vo", &reply, error);
    if (kind == AWSKH_BUS_FAILED || kind == AWSKH_BUS_UNSUPPORTED) return AWSKH_BUS_OK;
    if (kind) return kind;
    p_sd_bus_message_unref(reply);
    *supported = 1;
    return AWSKH_BUS_OK;
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
    if ((kind = call(bus, message, bus->call_timeout, "vo", &reply, error))) {
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
    return call(bus, message, bus->call_timeout, "", NULL, error);
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
    if ((kind = call(bus, message, bus->call_timeout, "o", &reply, error))) return kind;
    const char *collection = NULL;
    r = p_sd_bus_message_read(reply, "o", &collection);
    if (r >= 0 && !(*path = strdup(collection))) r = -ENOMEM;
    p_sd_bus_message_unref(reply);
    return r < 0 ? unreadable(error, "CreateWithMasterPassword", "no object path", r) : AWSKH_BUS_OK;
}

int awskh_bus_set_default_alias(awskh_bus *bus, const char *collection, awskh_bus_error *error) {
    return method(bus, service_path, service_interface, "SetAlias", "", NULL, error, "so", "default", collection);
}

int awskh_bus_has_password_interface(awskh_bus *bus, int *present, awskh_bus_error *error) {
    *present = 0;
    sd_bus_message *reply = NULL;
    int kind =
        method(bus, service_path, "org.freedesktop.DBus.Introspectable", "Introspect", "s", &reply, error, NULL);
    if (kind) return kind;
    const char *xml = NULL;
    int r = p_sd_bus_message_read(reply, "s", &xml);
    if (r >= 0) *present = strstr(xml, gnome_interface) != NULL;
    p_sd_bus_message_unref(reply);
    return check(r, error);
}
