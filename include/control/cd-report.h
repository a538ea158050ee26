/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera-state.h"
#include "cd-camera-stats.h"
#include "cd-camera-view.h"
#include "cd-camera.h"
#include "cd-daemon.h"

G_BEGIN_DECLS

/**
 * CdProfileReport:
 *
 * One profile of one camera: what it is set to serve, what it serves, and who watches.
 */
typedef struct {
	CdProfile profile;
	gchar *path;	    /* the RTSP mount path, "/NAME" or "/NAME/sub" */
	CdOutputFormat format; /* the size and rate served now; 0 until known */
	guint bitrate_kbps; /* configured encoder target */
	guint gop;	    /* configured */
	CdOutputStats output;
	guint viewers;	    /* viewers of this profile now */
} CdProfileReport;

/**
 * CdCameraReport:
 *
 * One configured camera. A disabled camera has @enabled %FALSE, state
 * %CD_CAMERA_STATE_DISABLED, no profiles and zero counters.
 */
typedef struct {
	gchar *name;
	gchar *location;	   /* nullable: [camera] location */
	gboolean enabled;
	CdCameraState state;
	gint64 state_since;	   /* wall clock, µs */
	gchar *last_error;	   /* nullable; plain words, never a secret or a URL's userinfo */
	CdInputStats input;
	guint n_profiles;
	CdProfileReport profiles[CD_N_PROFILES];
	guint viewers;		   /* all profiles */
	guint onvif_port;	   /* 0 without an ONVIF device */
} CdCameraReport;

/**
 * CdProcessReport:
 *
 * The process as the kernel counts it.
 */
typedef struct {
	guint64 resident_bytes;
	guint64 virtual_bytes;
	gdouble cpu_seconds;	  /* user + system since start */
	guint open_fds;
	guint max_fds;
	guint threads;
	gint64 start_time;	  /* wall clock, µs */
} CdProcessReport;

/**
 * CdReport:
 *
 * Everything the status API, the metrics and the status page show, taken at one moment on
 * the main thread: plain copies, free to read from any thread afterwards.
 */
typedef struct {
	gchar *version;
	gint64 now;		  /* wall clock, µs, when taken */
	gint64 started_at;	  /* wall clock, µs */
	gchar *config_path;
	gint64 config_loaded_at;  /* wall clock, µs: start or the last reload applied */
	guint reloads;		  /* reloads applied */
	guint rtsp_port;
	guint rtsp_connections;	  /* recorder-side RTSP connections open now */
	GPtrArray *cameras;	  /* (element-type CdCameraReport), in file order */
	GPtrArray *viewers;	  /* (element-type CdViewerStats) */
	CdProcessReport process;
} CdReport;

CdReport *
cd_report_new(CdDaemon *daemon);
void
cd_report_free(CdReport *report);
const CdCameraReport *
cd_report_find_camera(const CdReport *report, const gchar *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdReport, cd_report_free)

G_END_DECLS
