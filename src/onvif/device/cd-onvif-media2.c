/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-media2: the media service Media2 (ver20, tr2) of one virtual device: its table of
 * operations, their handlers and its capabilities in GetServices. The handlers check a
 * request's arguments and answer with the shapes of cd-onvif-media-shapes, in Media2's
 * elements. Metadata queries get empty, valid answers, and so do audio ones with audio=off;
 * anything that would change a configuration is prohibited. GetCapabilities does not list it:
 * that is ver10's way of asking, and it knows no Media2.
 *
 * The profiles are those of cd-onvif-media: main, and sub unless the camera's sub=off, each
 * with the audio source and encoder configurations when audio is on. Media2's lists take
 * optional tokens that narrow them to one profile or configuration. Media2 names an audio
 * encoding by its RTP payload format: mpeg4-generic (RFC 3640, what cordon's AAC is sent as),
 * PCMU or PCMA.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: [camera] audio (through cd-onvif-media-shapes); every profile's settings come
 * with the call.
 */
#define G_LOG_DOMAIN "CdOnvifMedia"

#include "cd-onvif-media2.h"

#include "cd-error.h"

#include "cd-onvif-media-shapes.h"

/*
 * Type is repeatable, and cordon's configurations are few: any Type gets all of them (video,
 * and audio when on), as a camera that ignores the filter does
 */
static void
append_profile(GString *out,
	       const CdOnvifCall *call,
	       const CdOnvifProfile *profile,
	       const gchar *element)
{
	g_autofree gchar *type = cd_soap_request_get_text(call->request, "Type");

	cd_onvif_media_append_profile(out,
				      call,
				      profile,
				      &cd_onvif_media_version_media2,
				      element,
				      type != NULL);
}

/* the profile the request names by Token, or NULL: all of them */
static gchar *
get_profiles(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, "Token");
	const CdOnvifProfile *profile = NULL;

	for (guint i = 0; token != NULL && i < call->n_profiles; i++) {
		if (g_strcmp0(call->profiles[i].token, token) == 0)
			profile = &call->profiles[i];
	}
	if (token != NULL && profile == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no such Token");
		return NULL;
	}
	return cd_onvif_media_respond_with(call, profile, "tr2:Profiles", append_profile);
}

/*
 * RtspUnicast is Media2's name; RTSP and RTP-Unicast are what older clients send. RtspOverHttp
 * gets the http URL of the RTSP port, which serves the tunnel (not over TLS: see
 * cd_onvif_media_respond_with_stream_uri()).
 */
static gchar *
get_stream_uri(const CdOnvifCall *call, GError **error)
{
	static const gchar *const protocols[] = {"RtspUnicast",
						 "RTSP",
						 "RTP-Unicast",
						 "RtspOverHttp",
						 NULL};
	g_autofree gchar *protocol = cd_soap_request_get_text(call->request, "Protocol");
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_profile(call, TRUE, &profile, error) ||
	    !cd_onvif_media_check_choice(call,
					 "Protocol",
					 protocols,
					 "only RtspUnicast and RtspOverHttp streams are served",
					 error))
		return NULL;
	return cd_onvif_media_respond_with_stream_uri(call,
						      profile,
						      &cd_onvif_media_version_media2,
						      g_strcmp0(protocol, "RtspOverHttp") == 0,
						      error);
}

static gchar *
get_snapshot_uri(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_get_snapshot_uri(call, &cd_onvif_media_version_media2, error);
}

/* every profile's encoder, or the one named by configuration or profile */
static gchar *
get_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	const CdOnvifProfile *profile = NULL;

	if (!cd_onvif_media_check_encoder(call, &profile, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   profile,
					   "tr2:Configurations",
					   cd_onvif_media_append_video_encoder_media2);
}

static gchar *
get_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_checked_source(
	    call,
	    "tr2:Configurations",
	    cd_onvif_media_append_video_source_configuration,
	    error);
}

static gchar *
get_video_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_encoder_options(
	    call,
	    "tr2:Options",
	    cd_onvif_media_append_video_encoder_options_media2,
	    error);
}

static gchar *
get_video_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_checked_source(
	    call,
	    "tr2:Options",
	    cd_onvif_media_append_video_source_options,
	    error);
}

static gchar *
get_osd_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_checked_source(call,
							  "tr2:OSDOptions",
							  cd_onvif_media_append_osd_options,
							  error);
}

static gchar *
get_audio_source_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_SOURCE_CONFIG_TOKEN,
						 FALSE,
						 "tr2:Configurations",
						 cd_onvif_media_append_audio_source_configuration,
						 error);
}

static gchar *
get_audio_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN,
						 FALSE,
						 "tr2:Configurations",
						 cd_onvif_media_append_audio_encoder_media2,
						 error);
}

static gchar *
get_audio_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_get_audio_source_options(call, "tr2:Options", error);
}

/* tr2:Options is optional and repeatable: the one encoding cordon makes; none with audio=off */
static gchar *
get_audio_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with_audio(call,
						 CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN,
						 FALSE,
						 "tr2:Options",
						 cd_onvif_media_append_audio_encoder_options_media2,
						 error);
}

/* the configurations a profile holds: the audio ones only when the camera's audio is on */
static void
append_capabilities(GString *out, const CdOnvifCall *call)
{
	const gchar *configurations = cd_onvif_media_get_audio(call) != NULL
					  ? "VideoSource VideoEncoder AudioSource AudioEncoder"
					  : "VideoSource VideoEncoder";

	g_string_append_printf(out,
			       "<tr2:Capabilities SnapshotUri=\"true\" Rotation=\"false\" "
			       "VideoSourceMode=\"false\" OSD=\"false\" TemporaryOSDText=\"false\" "
			       "Mask=\"false\" SourceMask=\"false\">"
			       "<tr2:ProfileCapabilities MaximumNumberOfProfiles=\"%u\" "
			       "ConfigurationsSupported=\"%s\"/>"
			       "<tr2:StreamingCapabilities RTSPStreaming=\"true\" "
			       "RTPMulticast=\"false\" RTP_RTSP_TCP=\"true\" "
			       "NonAggregateControl=\"false\" AutoStartMulticast=\"false\"/>"
			       "</tr2:Capabilities>",
			       call->n_profiles,
			       configurations);
}

static const CdOnvifOperation media2_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", cd_onvif_get_service_capabilities),
    CD_ONVIF_READ("GetProfiles", get_profiles),
    CD_ONVIF_READ("GetStreamUri", get_stream_uri),
    CD_ONVIF_READ("GetSnapshotUri", get_snapshot_uri),
    CD_ONVIF_READ("GetVideoEncoderConfigurations", get_video_encoder_configurations),
    CD_ONVIF_READ("GetVideoSourceConfigurations", get_video_source_configurations),
    CD_ONVIF_READ("GetVideoEncoderConfigurationOptions", get_video_encoder_configuration_options),
    CD_ONVIF_READ("GetAudioSourceConfigurations", get_audio_source_configurations),
    CD_ONVIF_READ("GetAudioEncoderConfigurations", get_audio_encoder_configurations),
    CD_ONVIF_READ("GetAudioOutputConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioDecoderConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetMetadataConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetVideoSourceConfigurationOptions", get_video_source_configuration_options),
    CD_ONVIF_READ("GetAudioSourceConfigurationOptions", get_audio_source_configuration_options),
    CD_ONVIF_READ("GetAudioEncoderConfigurationOptions", get_audio_encoder_configuration_options),
    CD_ONVIF_READ("GetOSDs", cd_onvif_media_get_osds),
    CD_ONVIF_READ("GetOSDOptions", get_osd_options),
    CD_ONVIF_PROHIBITED("CreateProfile"),
    CD_ONVIF_PROHIBITED("DeleteProfile"),
    CD_ONVIF_PROHIBITED("AddConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveConfiguration"),
    CD_ONVIF_PROHIBITED("SetVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("SetVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("StartMulticastStreaming"),
    CD_ONVIF_PROHIBITED("StopMulticastStreaming"),
    CD_ONVIF_PROHIBITED("SetVideoSourceMode"),
    CD_ONVIF_PROHIBITED("CreateOSD"),
    CD_ONVIF_PROHIBITED("SetOSD"),
    CD_ONVIF_PROHIBITED("DeleteOSD"),
    CD_ONVIF_PROHIBITED("CreateMask"),
    CD_ONVIF_PROHIBITED("SetMask"),
    CD_ONVIF_PROHIBITED("DeleteMask"),
};

/* not in GetCapabilities: that is ver10's way of asking, and it knows no Media2 */
const CdOnvifService cd_onvif_media2_service = {
    .ns = CD_SOAP_NS_MEDIA2,
    .prefix = "tr2",
    .path = CD_ONVIF_PATH_MEDIA2,
    .operations = media2_operations,
    .n_operations = G_N_ELEMENTS(media2_operations),
    .append_capabilities = append_capabilities,
};
