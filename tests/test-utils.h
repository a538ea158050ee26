/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#include "cd-daemon.h"
#include "cd-emulator.h"

#define VIEWER_USER	"viewer"
#define VIEWER_PASSWORD "viewer-Pa55word"
#define OTHER_USER	"other"
#define OTHER_PASSWORD	"other-Pa55word"
#define CAMERA_USER	"admin"
#define CAMERA_PASSWORD "camera-S3cret-9d1e"

void
cd_test_init(int *argc, char ***argv);
gboolean
cd_test_logs_contain(const gchar *needle);
CdEmulator *
cd_test_camera_start(CdEmulatorCodec codec, guint port, guint width, guint height);
gchar *
cd_test_camera_section(const gchar *name, const gchar *url, const gchar *extra);
CdDaemon *
cd_test_cordon_start(const gchar *server_extra, const gchar *cameras);
gsize
cd_test_rss_kib(void);

/* luma means that tell the emulator's bright test pattern from cordon's black slate */
#define CD_TEST_LIVE_LUMA  60.0
#define CD_TEST_SLATE_LUMA 40.0
/* mean luma difference from the frame before that tells a moving picture from a repeated one */
#define CD_TEST_MOVING_LUMA 2.0

typedef gboolean (*CdTestPredicate)(gpointer user_data);

gboolean
cd_test_wait_until(CdTestPredicate predicate, gpointer user_data, guint timeout_ms);

/**
 * CdTestClient:
 *
 * A real RTSP client: rtspsrc -> depay -> parse -> avdec -> appsink, which keeps the SDP it
 * was given, every RTP payload it received (bounded) and per-frame statistics.
 */
typedef struct _CdTestClient CdTestClient;

CdTestClient *
cd_test_client_new(const gchar *url, const gchar *user, const gchar *password, gboolean tcp);
void
cd_test_client_start(CdTestClient *client);
void
cd_test_client_stop(CdTestClient *client);
void
cd_test_client_free(CdTestClient *client);
guint
cd_test_client_get_frames(CdTestClient *client);
guint
cd_test_client_get_live_frames(CdTestClient *client);
guint
cd_test_client_get_slate_frames(CdTestClient *client);
guint
cd_test_client_get_moving_frames(CdTestClient *client);
void
cd_test_client_get_size(CdTestClient *client, gint *width, gint *height);
gchar *
cd_test_client_get_sdp(CdTestClient *client);
gboolean
cd_test_client_payloads_contain(CdTestClient *client, const gchar *needle);
gboolean
cd_test_client_has_failed(CdTestClient *client);
const GError *
cd_test_client_get_error(CdTestClient *client);
gboolean
cd_test_client_has_ended(CdTestClient *client);
guint
cd_test_client_get_pad_count(CdTestClient *client);

gboolean
cd_test_client_wait_frames(CdTestClient *client, guint frames, guint timeout_ms);
gboolean
cd_test_client_wait_live_frames(CdTestClient *client, guint frames, guint timeout_ms);
gboolean
cd_test_client_wait_slate_frames(CdTestClient *client, guint frames, guint timeout_ms);
gboolean
cd_test_client_wait_failed(CdTestClient *client, guint timeout_ms);

guint
cd_test_rtsp_describe(const gchar *host, guint port, const gchar *path, const gchar *user,
		      const gchar *password, gchar **response);
guint
cd_test_rtsp_describe_status(const gchar *host, guint port, const gchar *path);
guint
cd_test_closed_port(void);
#include <gio/gio.h>
GSocket *
cd_test_silent_camera_new(guint *port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdTestClient, cd_test_client_free)

G_END_DECLS
