#include "CSecretLoader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// Pointers to the loaded functions, typed from libsecret's own declarations. __typeof__ names a
// function's type without referring to the symbol, so nothing here makes the linker need libsecret.
#define AWSKH_FUNCTIONS(X) \
    X(secret_schema_newv) X(secret_schema_unref) X(secret_password_storev_sync) X(secret_password_lookupv_sync) \
    X(secret_password_free) X(secret_password_clearv_sync) X(secret_password_searchv_sync) \
    X(secret_retrievable_get_attributes) X(secret_retrievable_get_label) X(secret_error_get_quark) \
    X(g_hash_table_new_full) X(g_hash_table_insert) X(g_hash_table_unref) X(g_hash_table_iter_init) \
    X(g_hash_table_iter_next) X(g_strdup) X(g_free) X(g_str_hash) X(g_str_equal) X(g_list_free_full) \
    X(g_object_unref) X(g_error_free) X(g_quark_to_string) X(g_dbus_error_quark) X(g_io_error_quark) \
    X(g_bus_get_sync) X(secret_service_get_sync) X(secret_collection_for_alias_sync) \
    X(secret_collection_get_label) X(secret_collection_get_locked)

#define AWSKH_DECLARE(name) static __typeof__(&name) p_##name;
AWSKH_FUNCTIONS(AWSKH_DECLARE)

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[256];

static void load(void) {
    void *handle = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define AWSKH_RESOLVE(name)                                                               \
    p_##name = (__typeof__(&name))dlsym(handle, #name);                                   \
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
