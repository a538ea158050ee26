/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-discovery-probe: a WS-Discovery datagram, as anyone on the recorder-side network (or a
 * spoofed source) may send it to UDP 3702, through cd_probe_parse() and then matched against a
 * device's real scopes (cd_onvif_scopes() of a camera with a location) with cd_probe_matches(),
 * and each of its scopes with cd_probe_scope_matches(), as the discovery service answers it.
 *
 * Checked besides crashes and leaks: a parsed Probe has a MessageID that is neither empty nor
 * over CD_PROBE_MAX_MESSAGE_ID (it is echoed back: a long one would amplify), nothing over
 * CD_PROBE_MAX_BYTES is parsed, no scope is empty, a device's own scope asked for by a MatchBy
 * rule we know is found, and a Probe that lists no scope matches exactly when its types do.
 */
#include <string.h>

#include "cd-camera.h"
#include "cd-discovery-probe.h"
#include "cd-onvif-identity.h"
#include "fuzz-common.h"

#define MATCH_BY_RFC3986 CD_WSD_NS_WSD "/rfc3986"
#define MATCH_BY_STRCMP0 CD_WSD_NS_WSD "/strcmp0"

static GStrv device_scopes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(CdCamera) camera = cd_camera_new("front-door");

	cd_fuzz_init();
	camera->location = g_strdup("Building A, front door");
	device_scopes = cd_onvif_scopes(camera);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(CdProbe) probe = NULL;
	g_autoptr(GError) error = NULL;
	gboolean matches;
	gboolean known_rule;

	probe = cd_probe_parse((const gchar *)data, size, &error);
	if (probe == NULL) {
		CD_FUZZ_CHECK(error != NULL);
		return 0;
	}
	CD_FUZZ_CHECK(error == NULL);
	CD_FUZZ_CHECK(size <= CD_PROBE_MAX_BYTES);
	CD_FUZZ_CHECK(probe->message_id != NULL && probe->message_id[0] != '\0');
	CD_FUZZ_CHECK(strlen(probe->message_id) <= CD_PROBE_MAX_MESSAGE_ID);
	CD_FUZZ_CHECK(probe->scopes != NULL);
	known_rule = probe->match_by == NULL || g_strcmp0(probe->match_by, MATCH_BY_RFC3986) == 0 ||
		     g_strcmp0(probe->match_by, MATCH_BY_STRCMP0) == 0;
	for (guint i = 0; probe->scopes[i] != NULL; i++) {
		CD_FUZZ_CHECK(probe->scopes[i][0] != '\0');
		for (guint j = 0; device_scopes[j] != NULL; j++) {
			gboolean scope_matches = cd_probe_scope_matches(probe->match_by,
									probe->scopes[i],
									device_scopes[j]);
			/* a device's own scope, asked for by any rule we know, is found */
			if (known_rule && g_strcmp0(probe->scopes[i], device_scopes[j]) == 0)
				CD_FUZZ_CHECK(scope_matches);
		}
	}
	matches = cd_probe_matches(probe, (const gchar *const *)device_scopes);
	if (probe->scopes[0] == NULL)
		CD_FUZZ_CHECK(matches == probe->types_match);
	return 0;
}
