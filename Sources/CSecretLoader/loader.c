#include "CSecretLoader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// Pointers to the loaded functions, with each function's return type and parameters as libsecret and
// GLib declare them (in this header's terms). Nothing here names a symbol, so the linker never needs
// libsecret; the check build (AWSKH_CHECK_AGAINST_HEADERS) asserts each signature against the real
// declarations.
typedef guint (*awskh_hash_fn)(const void *);
typedef gboolean (*awskh_equal_fn)(const void *, const void *);
typedef void (*awskh_destroy_fn)(gpointer);
#define AWSKH_FUNCTIONS(X)                                                                                      \
    X(secret_schema_newv, SecretSchema *, (const gchar *, SecretSchemaFlags, GHashTable *))                    \
    X(secret_schema_unref, void, (SecretSchema *))                                                             \
    X(secret_password_storev_sync, gboolean,                                                                   \
      (const SecretSchema *, GHashTable *, const gchar *, const gchar *, const gchar *, GCancellable *, GError **)) \
    X(secret_password_lookupv_sync, gchar *, (const SecretSchema *, GHashTable *, GCancellable *, GError **))  \
    X(secret_password_free, void, (gchar *))                                                                   \
    X(secret_password_clearv_sync, gboolean, (const SecretSchema *, GHashTable *, GCancellable *, GError **))  \
    X(secret_password_searchv_sync, GList *,                                                                   \
      (const SecretSchema *, GHashTable *, SecretSearchFlags, GCancellable *, GError **))                      \
    X(secret_retrievable_get_attributes, GHashTable *, (SecretRetrievable *))                                  \
    X(secret_retrievable_get_label, gchar *, (SecretRetrievable *))                                            \
    X(secret_retrievable_retrieve_secret_sync, SecretValue *, (SecretRetrievable *, GCancellable *, GError **)) \
    X(secret_value_get_text, const gchar *, (SecretValue *))                                                   \
    X(secret_value_unref, void, (gpointer))                                                                    \
    X(secret_error_get_quark, GQuark, (void))                                                                  \
    X(g_hash_table_new_full, GHashTable *, (awskh_hash_fn, awskh_equal_fn, awskh_destroy_fn, awskh_destroy_fn)) \
    X(g_hash_table_insert, gboolean, (GHashTable *, gpointer, gpointer))                                       \
    X(g_hash_table_unref, void, (GHashTable *))                                                                \
    X(g_hash_table_iter_init, void, (GHashTableIter *, GHashTable *))                                          \
    X(g_hash_table_iter_next, gboolean, (GHashTableIter *, gpointer *, gpointer *))                            \
    X(g_strdup, gchar *, (const gchar *))                                                                      \
    X(g_free, void, (gpointer))                                                                                \
    X(g_str_hash, guint, (const void *))                                                                       \
    X(g_str_equal, gboolean, (const void *, const void *))                                                     \
    X(g_list_free_full, void, (GList *, awskh_destroy_fn))                                                     \
    X(g_object_unref, void, (gpointer))                                                                        \
    X(g_error_free, void, (GError *))                                                                          \
    X(g_quark_to_string, const gchar *, (GQuark))                                                              \
    X(g_dbus_error_quark, GQuark, (void))                                                                      \
    X(g_io_error_quark, GQuark, (void))                                                                        \
    X(g_bus_get_sync, GDBusConnection *, (GBusType, GCancellable *, GError **))                                \
    X(secret_service_get_sync, SecretService *, (SecretServiceFlags, GCancellable *, GError **))               \
    X(secret_collection_for_alias_sync, SecretCollection *,                                                    \
      (SecretService *, const gchar *, SecretCollectionFlags, GCancellable *, GError **))                      \
    X(secret_collection_get_label, gchar *, (SecretCollection *))                                              \
    X(secret_collection_get_locked, gboolean, (SecretCollection *))

#define AWSKH_DECLARE(name, result, parameters) static result(*p_##name) parameters;
AWSKH_FUNCTIONS(AWSKH_DECLARE)

#ifdef AWSKH_CHECK_AGAINST_HEADERS
#define AWSKH_SAME_SIGNATURE(name, result, parameters) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), __typeof__(p_##name)), #name);
AWSKH_FUNCTIONS(AWSKH_SAME_SIGNATURE)
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void load(void) {
    void *handle = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define AWSKH_RESOLVE(name, result, parameters)                                           \
    p_##name = (__typeof__(p_##name))dlsym(handle, #name);                                \
    if (!p_##name) {                                                                       \
        snprintf(load_error, sizeof load_error, "libsecret-1.so.0 lacks %s", #name);        \
        return;                                                                            \
    }
    AWSKH_FUNCTIONS(AWSKH_RESOLVE)
    loaded = 1;
}

int awskh_secret_load(char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (!loaded && error_size > 0) snprintf(error, error_size, "%s", load_error);
    return loaded;
}

SecretSchema *awskh_secret_schema_newv(const gchar *name, SecretSchemaFlags flags, GHashTable *types) {
    return p_secret_schema_newv(name, flags, types);
}
void awskh_secret_schema_unref(SecretSchema *schema) { p_secret_schema_unref(schema); }
gboolean awskh_secret_password_storev_sync(const SecretSchema *schema, GHashTable *attributes, const gchar *collection,
                                           const gchar *label, const gchar *password, GCancellable *cancellable,
                                           GError **error) {
    return p_secret_password_storev_sync(schema, attributes, collection, label, password, cancellable, error);
}
gchar *awskh_secret_password_lookupv_sync(const SecretSchema *schema, GHashTable *attributes,
                                          GCancellable *cancellable, GError **error) {
    return p_secret_password_lookupv_sync(schema, attributes, cancellable, error);
}
void awskh_secret_password_free(gchar *password) { p_secret_password_free(password); }
gboolean awskh_secret_password_clearv_sync(const SecretSchema *schema, GHashTable *attributes,
                                           GCancellable *cancellable, GError **error) {
    return p_secret_password_clearv_sync(schema, attributes, cancellable, error);
}
GList *awskh_secret_password_searchv_sync(const SecretSchema *schema, GHashTable *attributes, SecretSearchFlags flags,
                                          GCancellable *cancellable, GError **error) {
    return p_secret_password_searchv_sync(schema, attributes, flags, cancellable, error);
}
GHashTable *awskh_secret_retrievable_get_attributes(SecretRetrievable *self) {
    return p_secret_retrievable_get_attributes(self);
}
gchar *awskh_secret_retrievable_get_label(SecretRetrievable *self) { return p_secret_retrievable_get_label(self); }
SecretValue *awskh_secret_retrievable_retrieve_secret_sync(SecretRetrievable *self, GCancellable *cancellable,
                                                           GError **error) {
    return p_secret_retrievable_retrieve_secret_sync(self, cancellable, error);
}
const gchar *awskh_secret_value_get_text(SecretValue *value) { return p_secret_value_get_text(value); }
void awskh_secret_value_unref(SecretValue *value) { p_secret_value_unref(value); }
GQuark awskh_secret_error_get_quark(void) { return p_secret_error_get_quark(); }

GHashTable *awskh_g_string_table_new(void) { return p_g_hash_table_new_full(p_g_str_hash, p_g_str_equal, p_g_free, p_g_free); }
void awskh_g_hash_table_insert(GHashTable *table, const gchar *key, const gchar *value) {
    p_g_hash_table_insert(table, p_g_strdup(key), p_g_strdup(value));
}
void awskh_g_hash_table_insert_null(GHashTable *table, const gchar *key) {
    p_g_hash_table_insert(table, p_g_strdup(key), NULL);
}
void awskh_g_hash_table_unref(GHashTable *table) { p_g_hash_table_unref(table); }
void awskh_g_hash_table_iter_init(GHashTableIter *iter, GHashTable *table) { p_g_hash_table_iter_init(iter, table); }
gboolean awskh_g_hash_table_iter_next(GHashTableIter *iter, gpointer *key, gpointer *value) {
    return p_g_hash_table_iter_next(iter, key, value);
}
void awskh_g_free(gpointer memory) { p_g_free(memory); }
void awskh_g_object_list_free(GList *list) { p_g_list_free_full(list, p_g_object_unref); }
void awskh_g_error_free(GError *error) { p_g_error_free(error); }
const gchar *awskh_g_quark_to_string(GQuark quark) { return p_g_quark_to_string(quark); }
GQuark awskh_g_dbus_error_quark(void) { return p_g_dbus_error_quark(); }
GQuark awskh_g_io_error_quark(void) { return p_g_io_error_quark(); }

GDBusConnection *awskh_g_bus_get_sync(GBusType type, GCancellable *cancellable, GError **error) {
    return p_g_bus_get_sync(type, cancellable, error);
}
void awskh_g_object_unref(gpointer object) { p_g_object_unref(object); }
SecretService *awskh_secret_service_get_sync(SecretServiceFlags flags, GCancellable *cancellable, GError **error) {
    return p_secret_service_get_sync(flags, cancellable, error);
}
SecretCollection *awskh_secret_collection_for_alias_sync(SecretService *service, const gchar *alias,
                                                         SecretCollectionFlags flags, GCancellable *cancellable,
                                                         GError **error) {
    return p_secret_collection_for_alias_sync(service, alias, flags, cancellable, error);
}
gchar *awskh_secret_collection_get_label(SecretCollection *self) { return p_secret_collection_get_label(self); }
gboolean awskh_secret_collection_get_locked(SecretCollection *self) { return p_secret_collection_get_locked(self); }
