/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-tls: cordon's one server certificate, shared by RTSPS, ONVIF over HTTPS and the
 * management API. It loads a PEM certificate (chain) and key through GIO, or makes a
 * self-signed one with OpenSSL the first time cordon starts without one: an EC P-256 key,
 * SHA-256 signature, a random 128-bit serial, valid for five years from an hour ago (clocks
 * of freshly booted hosts lag), basicConstraints CA:FALSE, keyUsage digitalSignature,
 * extendedKeyUsage serverAuth, and a subjectAltName for every name and address cordon
 * listens on, so clients that check names can be pointed at it. Both files are created 0600
 * and never overwritten (O_EXCL): a second cordon racing for the same files fails rather
 * than replaces a key someone pinned. Admins pin the SHA-256 fingerprint of the certificate
 * (cd_tls_get_fingerprint(), the form `openssl x509 -fingerprint -sha256` prints), which is
 * logged at every start.
 *
 * Protocol versions: TLS 1.2 and 1.3 only, for every TLS connection GIO makes in the process
 * (cd_tls_require_modern_versions()). GIO's TLS is glib-networking's GnuTLS backend, which
 * reads its priority string once, from G_TLS_GNUTLS_PRIORITY, when its first connection is
 * made; unset, it takes GnuTLS's defaults, which in Debian 12 still accept TLS 1.0 and 1.1.
 *
 * Threads: any; nothing here keeps state. Keys used: none (the caller passes paths and names
 * from [server] tls-certificate, tls-key and the listen addresses).
 */
#define G_LOG_DOMAIN "CdTls"

#include "cd-tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-random.h"

/* GnuTLS's defaults (with glib-networking's %COMPAT), without anything older than TLS 1.2 */
#define GNUTLS_PRIORITY "NORMAL:%COMPAT:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

#define VALID_DAYS    (5 * 365)
#define SERIAL_BYTES  16
#define BACKDATE_SECS 3600

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_EXTENSION, X509_EXTENSION_free)

/* OpenSSL's last error, for a message that says which step failed */
static gboolean
openssl_failed(GError **error, const gchar *what)
{
	gchar reason[256] = "unknown reason";
	unsigned long code = ERR_get_error();

	if (code != 0)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "%s: %s", what, reason);
	return FALSE;
}

/**
 * cd_tls_require_modern_versions:
 *
 * From now on, the process's TLS connections speak TLS 1.2 or 1.3 only. Call before any
 * other thread exists (it sets an environment variable) and before any TLS connection.
 */
void
cd_tls_require_modern_versions(void)
{
	g_setenv("G_TLS_GNUTLS_PRIORITY", GNUTLS_PRIORITY, TRUE);
}

/* the first certificate in the PEM file @path, or NULL */
static X509 *
read_certificate(const gchar *path)
{
	g_autoptr(BIO) bio = BIO_new_file(path, "r");

	return bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
}

/* the first private key in the PEM file @path, or NULL */
static EVP_PKEY *
read_private_key(const gchar *path)
{
	g_autoptr(BIO) bio = BIO_new_file(path, "r");

	return bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
}

/*
 * GIO loads a key that is not the certificate's without a word, and every handshake then
 * fails: a mismatch is a start error instead.
 */
static gboolean
check_key_matches(const gchar *cert_path, const gchar *key_path, GError **error)
{
	g_autoptr(X509) x509 = read_certificate(cert_path);
	g_autoptr(EVP_PKEY) key = read_private_key(key_path);

	ERR_clear_error();
	if (x509 != NULL && key != NULL && X509_check_private_key(x509, key) == 1)
		return TRUE;
	ERR_clear_error();
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_CONFIG,
		    "%s is not the private key of the certificate in %s",
		    key_path,
		    cert_path);
	return FALSE;
}

/**
 * cd_tls_load:
 * @cert_path: a PEM file: the certificate, then any intermediates
 * @key_path: (nullable): a PEM file with its private key; %NULL: in @cert_path too
 *
 * Errors: as g_tls_certificate_new_from_files(), prefixed with @cert_path;
 * %CD_ERROR_INVALID_CONFIG when the key is not the certificate's.
 *
 * Returns: (transfer full) (nullable): the certificate with its key
 */
GTlsCertificate *
cd_tls_load(const gchar *cert_path, const gchar *key_path, GError **error)
{
	g_autoptr(GTlsCertificate) certificate = NULL;

	if (key_path != NULL)
		certificate = g_tls_certificate_new_from_files(cert_path, key_path, error);
	else
		certificate = g_tls_certificate_new_from_file(cert_path, error);
	if (certificate == NULL) {
		g_prefix_error(error, "%s: ", cert_path);
		return NULL;
	}
	if (!check_key_matches(cert_path, key_path != NULL ? key_path : cert_path, error))
		return NULL;
	return g_steal_pointer(&certificate);
}

static gboolean
add_extension(X509 *x509, X509V3_CTX *ctx, int nid, const gchar *value, GError **error)
{
	g_autoptr(X509_EXTENSION) extension = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	if (extension == NULL || !X509_add_ext(x509, extension, -1))
		return openssl_failed(error, "certificate extension");
	return TRUE;
}

/* "DNS:host,IP:127.0.0.1,...": addresses as IP entries, everything else as DNS names */
static gchar *
subject_alt_names(const gchar *const *names)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		g_autoptr(GInetAddress) address = g_inet_address_new_from_string(names[i]);

		if (address != NULL && g_inet_address_get_is_any(address))
			continue;
		/* a name with a comma or a colon would change the list's meaning */
		if (address == NULL && strpbrk(names[i], ",:") != NULL)
			continue;
		if (text->len > 0)
			g_string_append_c(text, ',');
		g_string_append_printf(text, "%s:%s", address != NULL ? "IP" : "DNS", names[i]);
	}
	if (text->len == 0)
		g_string_append(text, "DNS:localhost");
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static gboolean
set_serial(X509 *x509, GError **error)
{
	guint8 bytes[SERIAL_BYTES];
	g_autoptr(BIGNUM) serial = NULL;

	cd_random_bytes(bytes, sizeof(bytes));
	bytes[0] &= 0x7f; /* positive, as RFC 5280 wants */
	serial = BN_bin2bn(bytes, sizeof(bytes), NULL);
	if (serial == NULL || BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) == NULL)
		return openssl_failed(error, "certificate serial");
	return TRUE;
}

static gboolean
set_subject(X509 *x509, const gchar *const *names, GError **error)
{
	X509_NAME *subject = X509_get_subject_name(x509);
	const gchar *common = names != NULL && names[0] != NULL ? names[0] : "localhost";
	g_autofree gchar *cn = g_strdup_printf("cordon %.50s", common);

	if (!X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, (const guchar *)"cordon", -1,
					-1, 0) ||
	    !X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const guchar *)cn, -1, -1,
					0) ||
	    !X509_set_issuer_name(x509, subject))
		return openssl_failed(error, "certificate subject");
	return TRUE;
}

static X509 *
make_certificate(EVP_PKEY *key, const gchar *const *names, GError **error)
{
	g_autoptr(X509) x509 = X509_new();
	g_autofree gchar *san = subject_alt_names(names);
	X509V3_CTX ctx;

	if (x509 == NULL || !X509_set_version(x509, X509_VERSION_3) || !set_serial(x509, error) ||
	    !set_subject(x509, names, error))
		return openssl_failed(error, "certificate"), NULL;
	if (X509_gmtime_adj(X509_getm_notBefore(x509), -BACKDATE_SECS) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x509), VALID_DAYS, 0, NULL) == NULL ||
	    !X509_set_pubkey(x509, key))
		return openssl_failed(error, "certificate validity"), NULL;
	X509V3_set_ctx(&ctx, x509, x509, NULL, NULL, 0);
	if (!add_extension(x509, &ctx, NID_basic_constraints, "critical,CA:FALSE", error) ||
	    !add_extension(x509, &ctx, NID_key_usage, "critical,digitalSignature", error) ||
	    !add_extension(x509, &ctx, NID_ext_key_usage, "serverAuth", error) ||
	    !add_extension(x509, &ctx, NID_subject_key_identifier, "hash", error) ||
	    !add_extension(x509, &ctx, NID_subject_alt_name, san, error))
		return NULL;
	if (X509_sign(x509, key, EVP_sha256()) == 0)
		return openssl_failed(error, "signing the certificate"), NULL;
	return g_steal_pointer(&x509);
}

/* a new file, 0600, that must not exist yet */
static BIO *
create_private_file(const gchar *path, GError **error)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	BIO *bio;

	if (fd < 0) {
		int saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", path,
			    g_strerror(saved));
		return NULL;
	}
	bio = BIO_new_fd(fd, BIO_CLOSE);
	if (bio == NULL) {
		close(fd);
		openssl_failed(error, path);
	}
	return bio;
}

/**
 * cd_tls_generate:
 * @cert_path: where the certificate goes; must not exist
 * @key_path: where its key goes; must not exist
 * @names: (nullable) (array zero-terminated=1): host names and addresses for subjectAltName
 *
 * Makes a self-signed EC P-256 certificate. Both files are created 0600; on failure neither
 * is left behind.
 */
gboolean
cd_tls_generate(const gchar *cert_path,
		const gchar *key_path,
		const gchar *const *names,
		GError **error)
{
	g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
	g_autoptr(X509) x509 = NULL;
	g_autoptr(BIO) key_out = NULL;
	g_autoptr(BIO) cert_out = NULL;

	if (key == NULL)
		return openssl_failed(error, "EC P-256 key");
	x509 = make_certificate(key, names, error);
	if (x509 == NULL)
		return FALSE;
	key_out = create_private_file(key_path, error);
	if (key_out == NULL)
		return FALSE;
	cert_out = create_private_file(cert_path, error);
	if (cert_out == NULL) {
		unlink(key_path);
		return FALSE;
	}
	if (!PEM_write_bio_PrivateKey(key_out, key, NULL, NULL, 0, NULL, NULL) ||
	    BIO_flush(key_out) != 1 || !PEM_write_bio_X509(cert_out, x509) ||
	    BIO_flush(cert_out) != 1) {
		unlink(key_path);
		unlink(cert_path);
		return openssl_failed(error, "writing the certificate");
	}
	return TRUE;
}

/**
 * cd_tls_load_or_generate:
 * @generated: (out) (optional): set when the files were made now
 *
 * Loads the certificate and key, making them first when neither file exists. One without the
 * other is an error: a key without its certificate (or the other way round) is someone's
 * mistake to look at, not to paper over.
 *
 * Returns: (transfer full) (nullable): the certificate with its key
 */
GTlsCertificate *
cd_tls_load_or_generate(const gchar *cert_path,
			const gchar *key_path,
			const gchar *const *names,
			gboolean *generated,
			GError **error)
{
	gboolean have_cert = g_file_test(cert_path, G_FILE_TEST_EXISTS);
	gboolean have_key = g_file_test(key_path, G_FILE_TEST_EXISTS);

	if (generated != NULL)
		*generated = FALSE;
	if (have_cert != have_key) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG,
			    "%s exists but %s does not: give both, or neither to have cordon make "
			    "them", have_cert ? cert_path : key_path, have_cert ? key_path : cert_path);
		return NULL;
	}
	if (!have_cert) {
		if (!cd_tls_generate(cert_path, key_path, names, error))
			return NULL;
		if (generated != NULL)
			*generated = TRUE;
	}
	return cd_tls_load(cert_path, key_path, error);
}

/**
 * cd_tls_get_fingerprint:
 *
 * Returns: (transfer full): the SHA-256 of the certificate's DER, as "AB:CD:..." (what
 * `openssl x509 -noout -fingerprint -sha256` prints after its "=")
 */
gchar *
cd_tls_get_fingerprint(GTlsCertificate *certificate)
{
	g_autoptr(GByteArray) der = NULL;
	g_autofree gchar *hex = NULL;
	g_autoptr(GString) out = g_string_new(NULL);

	g_object_get(certificate, "certificate", &der, NULL);
	hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, der->data, der->len);
	for (guint i = 0; hex[i] != '\0'; i += 2) {
		if (i > 0)
			g_string_append_c(out, ':');
		g_string_append_c(out, g_ascii_toupper(hex[i]));
		g_string_append_c(out, g_ascii_toupper(hex[i + 1]));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}
