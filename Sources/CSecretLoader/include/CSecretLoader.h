#ifndef AWSKH_SECRET_LOADER_H
#define AWSKH_SECRET_LOADER_H

#include <libsecret/secret.h>

// libsecret (and the GLib stack under it), loaded with dlopen when the keyring is first used rather
// than when the program starts: a cached credential call never talks to the Secret Service, and
// loading GLib, GIO and libsecret would cost it as much as the rest of its work together.
//
// awskh_secret_load must succeed before any other function here is called. Each awskh_ function has
// the signature of the libsecret or GLib function of the same name without the prefix.

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
