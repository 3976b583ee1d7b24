// libFuzzer target: the sd-bus reader (Sources/CSecretBus/bus.c) against a Secret Service whose every
// answer comes from the fuzz input. A peer-to-peer sd-bus connection over a socketpair stands in for the
// session bus; a thread serves it: for each call it reads from the input whether to answer with an
// error, not at all, or with a reply of some signature (the expected one or another) filled with values
// from the input, arrays of any length included. The reader's public functions then run one after the
// other, as the tool calls them. Checked: no memory error (AddressSanitizer), no hang past the
// connection's time-outs, every result is one of the documented kinds, and what a successful call
// returns is consistent (paths non-empty, lengths within the reply).
//
// bus.c is included, not linked, so the harness can give the reader its own connection.
#include "../../Sources/CSecretBus/bus.c"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

typedef union {
    uint8_t bytes[16];
    uint64_t qwords[2];
} fuzz_id128;

static int (*f_new)(sd_bus **);
static int (*f_set_fd)(sd_bus *, int, int);
static int (*f_set_server)(sd_bus *, int, fuzz_id128);
static int (*f_set_anonymous)(sd_bus *, int);
static int (*f_start)(sd_bus *);
static int (*f_new_method_return)(sd_bus_message *, sd_bus_message **);
static int (*f_new_method_error)(sd_bus_message *, sd_bus_message **, const sd_bus_error *);
static int (*f_new_signal)(sd_bus *, sd_bus_message **, const char *, const char *, const char *);
static int (*f_send)(sd_bus *, sd_bus_message *, uint64_t *);
static int (*f_is_method_call)(sd_bus_message *, const char *, const char *);
static const char *(*f_get_path)(sd_bus_message *);

static void invariant(int holds, const char *what) {
    if (holds) return;
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
}

static void load_server(void) {
    pthread_once(&load_once, load);
    invariant(loaded, "libsystemd.so.0 loads");
    void *handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_NOLOAD);
    invariant(handle != NULL, "libsystemd.so.0 is loaded");
    *(void **)&f_new = dlsym(handle, "sd_bus_new");
    *(void **)&f_set_fd = dlsym(handle, "sd_bus_set_fd");
    *(void **)&f_set_server = dlsym(handle, "sd_bus_set_server");
    *(void **)&f_set_anonymous = dlsym(handle, "sd_bus_set_anonymous");
    *(void **)&f_start = dlsym(handle, "sd_bus_start");
    *(void **)&f_new_method_return = dlsym(handle, "sd_bus_message_new_method_return");
    *(void **)&f_new_method_error = dlsym(handle, "sd_bus_message_new_method_error");
    *(void **)&f_new_signal = dlsym(handle, "sd_bus_message_new_signal");
    *(void **)&f_send = dlsym(handle, "sd_bus_send");
    *(void **)&f_is_method_call = dlsym(handle, "sd_bus_message_is_method_call");
    *(void **)&f_get_path = dlsym(handle, "sd_bus_message_get_path");
    invariant(f_new && f_set_fd && f_set_server && f_set_anonymous && f_start && f_new_method_return &&
                  f_new_method_error && f_new_signal && f_send && f_is_method_call && f_get_path,
              "libsystemd has the server functions");
}

// The fuzz input, read a byte at a time (zeros once it is used up).
struct input {
    const uint8_t *data;
    size_t size, position;
};

static uint8_t take(struct input *in) { return in->position < in->size ? in->data[in->position++] : 0; }

static const char *const paths[] = {
    "/", "/org/freedesktop/secrets/collection/login", "/org/freedesktop/secrets/collection/login/1",
    "/org/freedesktop/secrets/collection/login/2", "/org/freedesktop/secrets/session/s1",
    "/org/freedesktop/secrets/prompt/p1", "/org/freedesktop/secrets/aliases/default",
};
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

// The end of the complete type that starts at `signature`.
static const char *type_end(const char *signature) {
    switch (*signature) {
    case 'a':
        return type_end(signature + 1);
    case '(':
    case '{': {
        char close = *signature == '(' ? ')' : '}';
        const char *p = signature + 1;
        while (*p && *p != close) p = type_end(p);
        return *p ? p + 1 : p;
    }
    default:
        return *signature ? signature + 1 : signature;
    }
}

static int append_values(sd_bus_message *m, const char *signature, const char *end, struct input *in, int depth);

// Appends one value of the complete type at `signature`.
static int append_value(sd_bus_message *m, const char *signature, struct input *in, int depth) {
    const char *end = type_end(signature);
    char contents[64];
    size_t length = (size_t)(end - signature);
    if (length >= sizeof contents || depth > 8) return -E2BIG;
    switch (*signature) {
    case 'y': {
        uint8_t value = take(in);
        return p_sd_bus_message_append_basic(m, 'y', &value);
    }
    case 'b': {
        int value = take(in) & 1;
        return p_sd_bus_message_append_basic(m, 'b', &value);
    }
    case 'u':
    case 'i': {
        uint32_t value = (uint32_t)take(in) << 24 | (uint32_t)take(in) << 8 | take(in);
        return p_sd_bus_message_append_basic(m, *signature, &value);
    }
    case 's': {
        char text[32];
        size_t n = take(in) % (sizeof text - 1);
        for (size_t i = 0; i < n; i++) text[i] = (char)('a' + take(in) % 26);
        text[n] = 0;
        return p_sd_bus_message_append_basic(m, 's', text);
    }
    case 'o':
        return p_sd_bus_message_append_basic(m, 'o', paths[take(in) % COUNT(paths)]);
    case 'v': {
        static const char *const inner[] = {"b", "s", "ao", "ay", "o", "u", "v"};
        const char *type = inner[take(in) % COUNT(inner)];
        int r = p_sd_bus_message_open_container(m, 'v', type);
        if (r >= 0) r = append_value(m, type, in, depth + 1);
        if (r >= 0) r = p_sd_bus_message_close_container(m);
        return r;
    }
    case 'a': {
        memcpy(contents, signature + 1, length - 1);
        contents[length - 1] = 0;
        uint8_t size = take(in);
        // Now and then a huge array.
        size_t count = size == 255 ? 20000 : size % 5;
        if (signature[1] == 'y') {
            uint8_t bytes[64];
            size_t n = size == 255 ? sizeof bytes : size % sizeof bytes;
            for (size_t i = 0; i < n; i++) bytes[i] = take(in);
            return p_sd_bus_message_append_array(m, 'y', bytes, n);
        }
        int r = p_sd_bus_message_open_container(m, 'a', contents);
        for (size_t i = 0; r >= 0 && i < count; i++) r = append_value(m, contents, in, depth + 1);
        if (r >= 0) r = p_sd_bus_message_close_container(m);
        return r;
    }
    case '(':
    case '{': {
        memcpy(contents, signature + 1, length - 2);
        contents[length - 2] = 0;
        int r = p_sd_bus_message_open_container(m, *signature == '(' ? 'r' : 'e', contents);
        if (r >= 0) r = append_values(m, contents, contents + strlen(contents), in, depth + 1);
        if (r >= 0) r = p_sd_bus_message_close_container(m);
        return r;
    }
    default:
        return -EINVAL;
    }
}

static int append_values(sd_bus_message *m, const char *signature, const char *end, struct input *in, int depth) {
    int r = 0;
    for (const char *p = signature; r >= 0 && p < end; p = type_end(p)) r = append_value(m, p, in, depth);
    return r;
}

// The signature a real service answers `member` with.
static const char *expected(const char *member) {
    static const char *const table[][2] = {
        {"Get", "v"}, {"OpenSession", "vo"}, {"SearchItems", "aoao"}, {"GetSecrets", "a{o(oayays)}"},
        {"ReadAlias", "o"}, {"Unlock", "aoo"}, {"Lock", "aoo"}, {"Prompt", ""}, {"Dismiss", ""},
        {"Delete", "o"}, {"Introspect", "s"}, {"GetConnectionUnixProcessID", "u"}, {"SetAlias", ""},
        {"CreateWithMasterPassword", "o"}, {"UnlockWithMasterPassword", ""},
    };
    for (size_t i = 0; i < COUNT(table); i++)
        if (member && !strcmp(member, table[i][0])) return table[i][1];
    return "";
}

static const char *const other_signatures[] = {
    "", "aoao", "vo", "a{o(oayays)}", "o", "v", "aoo", "s", "u", "b", "as", "ao", "a{sv}", "(oayays)", "ay",
    "aoaoao", "a{oo}", "a{o(oayay)}", "a(oayays)", "ov",
};

struct server {
    sd_bus *bus;
    struct input *in;
    volatile int stop;
};

static void answer(struct server *server, sd_bus_message *call) {
    struct input *in = server->in;
    const char *member = p_sd_bus_message_get_member(call);
    sd_bus_message *reply = NULL;
    uint8_t choice = take(in) % 8;
    if (choice == 0) {
        static const char *const names[] = {
            "org.freedesktop.Secret.Error.IsLocked", "org.freedesktop.Secret.Error.NoSuchObject",
            "org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.NoReply",
            "org.gnome.keyring.Error.Denied", "org.example.Odd",
        };
        sd_bus_error error = {names[take(in) % COUNT(names)], "the fuzzed service says no", 0};
        if (f_new_method_error(call, &reply, &error) >= 0) f_send(server->bus, reply, NULL);
    } else if (choice == 1) {
        // No answer: the reader's time-out ends the call.
    } else {
        const char *signature = choice >= 4 ? expected(member) : other_signatures[take(in) % COUNT(other_signatures)];
        if (f_new_method_return(call, &reply) >= 0 &&
            append_values(reply, signature, signature + strlen(signature), in, 0) >= 0)
            f_send(server->bus, reply, NULL);
    }
    if (reply) p_sd_bus_message_unref(reply);
    if (member && !strcmp(member, "Prompt") && take(in) % 2) {
        sd_bus_message *signal = NULL;
        const char *signature = take(in) % 2 ? "bv" : other_signatures[take(in) % COUNT(other_signatures)];
        if (f_new_signal(server->bus, &signal, f_get_path(call), "org.freedesktop.Secret.Prompt", "Completed") >= 0 &&
            append_values(signal, signature, signature + strlen(signature), in, 0) >= 0)
            f_send(server->bus, signal, NULL);
        if (signal) p_sd_bus_message_unref(signal);
    }
}

static void *serve(void *argument) {
    struct server *server = argument;
    while (!server->stop) {
        sd_bus_message *message = NULL;
        int r = p_sd_bus_process(server->bus, &message);
        if (r < 0) break;
        if (message) {
            if (f_is_method_call(message, NULL, NULL) > 0) answer(server, message);
            p_sd_bus_message_unref(message);
        }
        if (r == 0) p_sd_bus_wait(server->bus, 2000);
    }
    return NULL;
}

static void check_kind(int kind) { invariant(kind >= AWSKH_BUS_OK && kind <= AWSKH_BUS_BAD_REPLY, "a known kind"); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, load_server);
    struct input in = {data, size, 0};
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return 0;
    struct server server = {NULL, &in, 0};
    sd_bus *client = NULL;
    fuzz_id128 id = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
    int r = f_new(&server.bus);
    if (r >= 0) r = f_set_fd(server.bus, fds[0], fds[0]);
    if (r >= 0) r = f_set_server(server.bus, 1, id);
    if (r >= 0) r = f_set_anonymous(server.bus, 1);
    if (r >= 0) r = f_start(server.bus);
    if (r >= 0) r = f_new(&client);
    if (r >= 0) r = f_set_fd(client, fds[1], fds[1]);
    if (r >= 0) r = f_set_anonymous(client, 1);
    if (r >= 0) r = f_start(client);
    invariant(r >= 0, "the peer-to-peer connection starts");
    pthread_t thread;
    invariant(pthread_create(&thread, NULL, serve, &server) == 0, "the service thread starts");

    awskh_bus *bus = calloc(1, sizeof *bus);
    invariant(bus != NULL, "memory");
    bus->bus = client;
    bus->call_timeout = 10000;
    bus->dialog_timeout = 10000;
    awskh_bus_error error;

    const char *pairs[] = {"profile", "a", "kind", "access-key", "profile", "b"};
    const size_t pair_counts[] = {2, 1};
    char *unlocked[2], *locked[2];
    size_t locked_counts[2];
    int kind = awskh_bus_search_all(bus, pairs, pair_counts, 2, unlocked, locked, locked_counts, &error);
    check_kind(kind);
    for (size_t i = 0; i < 2; i++) {
        if (kind) invariant(!unlocked[i] && !locked[i], "nothing is returned with an error");
        invariant(!locked[i] || locked_counts[i] > 0, "a locked item is counted");
        invariant(!unlocked[i] || *unlocked[i] == '/', "an item is an object path");
        awskh_bus_free_string(unlocked[i]);
        awskh_bus_free_string(locked[i]);
    }

    const char *items[] = {"/org/freedesktop/secrets/collection/login/1", "/org/freedesktop/secrets/collection/login/2"};
    uint8_t *secrets[2];
    size_t lengths[2];
    kind = awskh_bus_get_secrets(bus, items, 2, secrets, lengths, &error);
    check_kind(kind);
    for (size_t i = 0; i < 2; i++) {
        invariant(!kind || !secrets[i], "no secret is returned with an error");
        invariant(secrets[i] || lengths[i] == 0, "no length without a secret");
        invariant(lengths[i] <= size, "a secret comes from the reply");
        awskh_bus_free_secret(secrets[i], lengths[i]);
    }

    char *collection = NULL;
    int is_locked = 0;
    check_kind(awskh_bus_default_collection(bus, &collection, &is_locked, &error));
    invariant(!collection || *collection == '/', "a collection is an object path");
    awskh_bus_free_string(collection);
    check_kind(awskh_bus_unlock_items(bus, items, 2, &error));
    check_kind(awskh_bus_unlock_with_prompt(bus, items[0], &error));
    check_kind(awskh_bus_lock(bus, items[0], &error));
    check_kind(awskh_bus_delete_item(bus, items[1], &error));
    uint32_t pid = 0;
    check_kind(awskh_bus_service_pid(bus, &pid, &error));
    int supported = 0, present = 0;
    check_kind(awskh_bus_probe_encrypted_session(bus, &supported, &error));
    check_kind(awskh_bus_has_password_interface(bus, &present, &error));
    const uint8_t password[] = "fuzz";
    check_kind(awskh_bus_unlock_with_password(bus, items[0], password, 4, &error));
    char *created = NULL;
    check_kind(awskh_bus_create_with_password(bus, "Login", password, 4, &created, &error));
    awskh_bus_free_string(created);

    server.stop = 1;
    pthread_join(thread, NULL);
    awskh_bus_close(bus);
    p_sd_bus_flush_close_unref(server.bus);
    return 0;
}
