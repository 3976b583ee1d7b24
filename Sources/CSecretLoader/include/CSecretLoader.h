#ifndef AWSKH_SECRET_LOADER_H
#define AWSKH_SECRET_LOADER_H

#include <stddef.h>
#include <stdint.h>

// libsecret (and the GLib stack under it), loaded with dlopen when the keyring is first used rather
// than when the program starts: a cached credential call never talks to the Secret Service, and
// loading GLib, GIO and libsecret would cost it as much as the rest of its work together.
//
// awskh_secret_load must succeed before any other function here is called. Each awskh_ function has
// the signature of the libsecret or GLib function of the same name without the prefix.
//
// Self-contained: the few GLib and libsecret types and constants the callers use are declared here, so
// building needs neither library's headers (whose paths differ between distributions and CPUs). Objects
// the callers never look into are incomplete types. GLib and libsecret keep these declarations stable
// (their ABI); scripts/check-loaders.sh compiles this header and loader.c against the real headers
// (AWSKH_CHECK_AGAINST_HEADERS) and fails on any difference in a type, a layout, a constant or a
// function signature.

#ifdef AWSKH_CHECK_AGAINST_HEADERS
#include <libsecret/secret.h>
#else
typedef char gchar;
typedef int gint;
typedef gint gboolean;
typedef unsigned int guint;
typedef void *gpointer;
typedef uint32_t GQuark;

typedef struct _GHashTable GHashTable;
typedef struct _GCancellable GCancellable;
typedef struct _GDBusConnection GDBusConnection;
typedef struct _SecretSchema SecretSchema;
typedef struct _SecretService SecretService;
typedef struct _SecretCollection SecretCollection;
typedef struct _SecretRetrievable SecretRetrievable;
typedef struct _SecretValue SecretValue;
#endif

// The complete structures the callers read or allocate, and the constants they use; in the check
// build, compared with GLib's own.
#define AWSKH_GERROR_FIELDS \
    GQuark domain;          \
    gint code;              \
    gchar *message;
#define AWSKH_GLIST_FIELDS \
    gpointer data;         \
    struct _GList *next;   \
    struct _GList *prev;
#define AWSKH_GHASHTABLEITER_FIELDS \
    gpointer dummy1;                \
    gpointer dummy2;                \
    gpointer dummy3;                \
    int dummy4;                     \
    gboolean dummy5;                \
    gpointer dummy6;

#ifndef AWSKH_CHECK_AGAINST_HEADERS
typedef struct _GError {
    AWSKH_GERROR_FIELDS
} GError;
typedef struct _GList {
    AWSKH_GLIST_FIELDS
} GList;
typedef struct _GHashTableIter {
    AWSKH_GHASHTABLEITER_FIELDS
} GHashTableIter;

typedef enum { G_BUS_TYPE_SESSION = 2 } GBusType;
typedef enum {
    G_DBUS_ERROR_SERVICE_UNKNOWN = 2,
    G_DBUS_ERROR_NAME_HAS_NO_OWNER = 3,
    G_DBUS_ERROR_NO_SERVER = 11,
    G_DBUS_ERROR_FILE_NOT_FOUND = 17,
    G_DBUS_ERROR_UNKNOWN_METHOD = 19,
    G_DBUS_ERROR_SPAWN_EXEC_FAILED = 23,
    G_DBUS_ERROR_UNKNOWN_OBJECT = 41,
} GDBusError;
typedef enum { SECRET_ERROR_IS_LOCKED = 2 } SecretError;
typedef enum { SECRET_SCHEMA_NONE = 0 } SecretSchemaFlags;
typedef enum { SECRET_SEARCH_ALL = 1 << 1 } SecretSearchFlags;
typedef enum { SECRET_SERVICE_NONE = 0 } SecretServiceFlags;
typedef enum { SECRET_COLLECTION_NONE = 0 } SecretCollectionFlags;
#define SECRET_COLLECTION_DEFAULT "default"
#else
struct awskh_own_GError { AWSKH_GERROR_FIELDS };
struct awskh_own_GList { AWSKH_GLIST_FIELDS };
struct awskh_own_GHashTableIter { AWSKH_GHASHTABLEITER_FIELDS };
#define AWSKH_SAME_LAYOUT(type, field)                                                                      \
    _Static_assert(offsetof(struct awskh_own_##type, field) == offsetof(type, field)                          \
                       && __builtin_types_compatible_p(__typeof__(((struct awskh_own_##type *)0)->field),     \
                                                       __typeof__(((type *)0)->field)),                     \
                   #type "." #field);
AWSKH_SAME_LAYOUT(GError, domain) AWSKH_SAME_LAYOUT(GError, code) AWSKH_SAME_LAYOUT(GError, message)
AWSKH_SAME_LAYOUT(GList, data) AWSKH_SAME_LAYOUT(GList, next) AWSKH_SAME_LAYOUT(GList, prev)
AWSKH_SAME_LAYOUT(GHashTableIter, dummy6)
_Static_assert(sizeof(struct awskh_own_GError) == sizeof(GError), "sizeof GError");
_Static_assert(sizeof(struct awskh_own_GList) == sizeof(GList), "sizeof GList");
_Static_assert(sizeof(struct awskh_own_GHashTableIter) == sizeof(GHashTableIter), "sizeof GHashTableIter");
_Static_assert(G_BUS_TYPE_SESSION == 2, "G_BUS_TYPE_SESSION");
_Static_assert(G_DBUS_ERROR_SERVICE_UNKNOWN == 2 && G_DBUS_ERROR_NAME_HAS_NO_OWNER == 3 && G_DBUS_ERROR_NO_SERVER == 11
                   && G_DBUS_ERROR_FILE_NOT_FOUND == 17 && G_DBUS_ERROR_SPAWN_EXEC_FAILED == 23
                   && G_DBUS_ERROR_UNKNOWN_METHOD == 19 && G_DBUS_ERROR_UNKNOWN_OBJECT == 41,
               "GDBusError");
_Static_assert(SECRET_ERROR_IS_LOCKED == 2 && SECRET_SCHEMA_NONE == 0 && SECRET_SEARCH_ALL == (1 << 1)
                   && SECRET_SERVICE_NONE == 0 && SECRET_COLLECTION_NONE == 0,
               "libsecret constants");
#endif

// Returns 1 when libsecret is loaded; otherwise 0 with a reason in `error`.
int awskh_secret_load(char *error, size_t error_size);

SecretSchema *awskh_secret_schema_newv(const gchar *name, SecretSchemaFlags flags, GHashTable *attribute_names_and_types);
void awskh_secret_schema_unref(SecretSchema *schema);
gboolean awskh_secret_password_storev_sync(const SecretSchema *schema, GHashTable *attributes, const gchar *collection,
                                           const gchar *label, const gchar *password, GCancellable *cancellable,
                                           GError **error);
gchar *awskh_secret_password_lookupv_sync(const SecretSchema *schema, GHashTable *attributes,
                                          GCancellable *cancellable, GError **error);
void awskh_secret_password_free(gchar *password);
gboolean awskh_secret_password_clearv_sync(const SecretSchema *schema, GHashTable *attributes,
                                           GCancellable *cancellable, GError **error);
GList *awskh_secret_password_searchv_sync(const SecretSchema *schema, GHashTable *attributes, SecretSearchFlags flags,
                                          GCancellable *cancellable, GError **error);
GHashTable *awskh_secret_retrievable_get_attributes(SecretRetrievable *self);
gchar *awskh_secret_retrievable_get_label(SecretRetrievable *self);
// Items other programs wrote (import --from-aws-vault): the secret of a found item, without unlocking.
SecretValue *awskh_secret_retrievable_retrieve_secret_sync(SecretRetrievable *self, GCancellable *cancellable,
                                                           GError **error);
const gchar *awskh_secret_value_get_text(SecretValue *value);
void awskh_secret_value_unref(SecretValue *value);
GQuark awskh_secret_error_get_quark(void);

// A hash table of strings that owns its keys and values (g_str_hash, g_str_equal, g_free).
GHashTable *awskh_g_string_table_new(void);
void awskh_g_hash_table_insert(GHashTable *table, const gchar *key, const gchar *value);
void awskh_g_hash_table_insert_null(GHashTable *table, const gchar *key);
void awskh_g_hash_table_unref(GHashTable *table);
void awskh_g_hash_table_iter_init(GHashTableIter *iter, GHashTable *table);
gboolean awskh_g_hash_table_iter_next(GHashTableIter *iter, gpointer *key, gpointer *value);
void awskh_g_free(gpointer memory);
// Frees a list of GObjects and the objects.
void awskh_g_object_list_free(GList *list);
void awskh_g_error_free(GError *error);
const gchar *awskh_g_quark_to_string(GQuark quark);
GQuark awskh_g_dbus_error_quark(void);
GQuark awskh_g_io_error_quark(void);

// For `doctor`: the bus, the service and the default collection, without prompting.
GDBusConnection *awskh_g_bus_get_sync(GBusType type, GCancellable *cancellable, GError **error);
void awskh_g_object_unref(gpointer object);
SecretService *awskh_secret_service_get_sync(SecretServiceFlags flags, GCancellable *cancellable, GError **error);
SecretCollection *awskh_secret_collection_for_alias_sync(SecretService *service, const gchar *alias,
                                                         SecretCollectionFlags flags, GCancellable *cancellable,
                                                         GError **error);
gchar *awskh_secret_collection_get_label(SecretCollection *self);
gboolean awskh_secret_collection_get_locked(SecretCollection *self);

#endif
