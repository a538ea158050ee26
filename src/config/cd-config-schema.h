/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Private to the config library: the one table of every key (see cd-config-schema.c). */

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	CD_SECTION_SERVER, /* [server], into CdConfig */
	CD_SECTION_USER,   /* [user NAME], into CdUser */
	CD_SECTION_ADMIN,  /* [admin NAME], into CdUser */
	CD_SECTION_CAMERA, /* [camera NAME], into CdCamera */
} CdSection;

/* what a value may be, and how it is stored (the field's C type is in brackets) */
typedef enum {
	CD_VALUE_TEXT,		/* printable text (gchar *) */
	CD_VALUE_HEADER_TEXT,	/* printable text that goes between quotes in a header (gchar *) */
	CD_VALUE_PATH,		/* a file name, relative ones from the file's directory (gchar *) */
	CD_VALUE_HOST,		/* an IP address or a host name (gchar *) */
	CD_VALUE_TEMPLATE,	/* a pipeline template name (gchar *) */
	CD_VALUE_URL,		/* an rtsp(s):// URL without userinfo, never quoted (gchar *) */
	CD_VALUE_PASSWORD,	/* a secret, never quoted (gchar *) */
	CD_VALUE_PASSWORD_FILE, /* a file whose first line is the secret, into its field (gchar *) */
	CD_VALUE_BOOL,		/* true or false (gboolean) */
	CD_VALUE_CHOICE,	/* one word of a list, stored as its index (guint) */
	CD_VALUE_UINT,		/* a whole number in [min, max] (guint) */
	CD_VALUE_KIB,		/* whole KiB in [min, max], stored in bytes (guint) */
	CD_VALUE_SECONDS,	/* seconds, decimals allowed, stored in milliseconds (guint) */
	CD_VALUE_SIZE,		/* "source" (CD_SAME_AS_SOURCE) or even pixels in [min, max] (guint) */
	CD_VALUE_FPS,		/* "source" (CD_SAME_AS_SOURCE) or a rate in [min, max] (guint) */
	CD_VALUE_USERS,		/* ;-separated names of configured users (gchar **) */
} CdValueType;

typedef enum {
	CD_KEY_NONE = 0,
	CD_KEY_REQUIRED = 1 << 0, /* a section without it is an error */
	CD_KEY_SET = 1 << 1,	  /* the example sets it, rather than show it commented out */
} CdKeyFlags;

/**
 * CdConfigKey:
 *
 * One key of one kind of section: what it may be, where it is stored, its default and how the
 * example file documents it. Every rule about a single key is here; rules between keys are in
 * cd-config.c.
 */
typedef struct {
	CdSection section;
	const gchar *name;
	CdValueType type;
	glong offset;		     /* of its field in CdConfig, CdUser or CdCamera */
	guint min;		     /* UINT, KIB, SIZE, FPS */
	guint max;		     /* UINT, KIB, SIZE, FPS */
	const gchar *const *choices; /* CHOICE: the words, in the order of the enum stored */
	const gchar *value;	     /* the default as written in the file; NULL: unset */
	const gchar *excludes;	     /* nullable: a key of the section that may not be set too */
	CdKeyFlags flags;
	const gchar *example; /* nullable: what the example shows instead of the default */
	const gchar *help;    /* the example's comment; NULL: documented with the key above */
} CdConfigKey;

/**
 * CdConfigSectionInfo:
 *
 * One kind of section, as the example file introduces it.
 */
typedef struct {
	CdSection section;
	const gchar *kind;	   /* "server", "user", "admin" or "camera" */
	const gchar *example_name; /* the NAME of the example section; NULL for [server] */
	const gchar *help;	   /* the comment above the example section */
} CdConfigSectionInfo;

const CdConfigSectionInfo *
cd_config_schema_sections(guint *n_sections);
const CdConfigKey *
cd_config_schema_keys(guint *n_keys);
gchar *
cd_config_schema_key_names(CdSection section);
gchar *
cd_config_schema_describe(const CdConfigKey *key);
void
cd_config_schema_set_defaults(CdSection section, gpointer object);
void
cd_config_schema_clear(CdSection section, gpointer object);
gboolean
cd_config_schema_equal(CdSection section, gconstpointer a, gconstpointer b);
const gchar *
cd_config_schema_first_difference(CdSection section, gconstpointer a, gconstpointer b);

G_END_DECLS
