/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera-stats: the plain values the media path hands to the status API and metrics: what a
 * camera sends (CdInputStats), what each profile's encoder makes (CdOutputStats) and who
 * watches (CdViewerStats). Filled by the ingest, the transcode and the RTSP frontend; read by
 * control/cd-report. Any thread: these are copies, owned by whoever asked for them.
 */
#define G_LOG_DOMAIN "CdCameraStats"

#include "cd-camera-stats.h"

void
cd_input_stats_clear(CdInputStats *stats)
{
	g_clear_pointer(&stats->codec, g_free);
}

void
cd_viewer_stats_free(CdViewerStats *stats)
{
	g_free(stats->camera);
	g_free(stats->profile);
	g_free(stats->user);
	g_free(stats->address);
	g_free(stats->transport);
	g_free(stats);
}
