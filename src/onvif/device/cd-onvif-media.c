/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-media: the media service ver10 (trt) of one virtual device: its table of operations,
 * their handlers and its capabilities, in GetServices and in GetCapabilities (tt:Media). The
 * handlers check a request's arguments and answer with the shapes of cd-onvif-media-shapes, in
 * ver10's elements. Audio and metadata queries get empty, valid answers; anything that would
 * change a configuration is prohibited. Media2 is cd-onvif-media2.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: none here; the shapes read [camera] bitrate and gop.
 */
#define G_LOG_DOMAIN "CdOnvifMedia"

#include "cd-onvif-media.h"

#include "cd-onvif-media-shapes.h"

/* ver10: a profile always holds its configurations */
static void
append_profile(GString *out, const CdOnvifCall *call, const gchar *element)
{
	cd_onvif_media_append_profile(out, call, &cd_onvif_media_version_ver10, element, TRUE);
}

static gchar *
get_profiles(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with(call, "trt:Profiles", append_profile);
}

static gchar *
get_profile(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_profile(call, TRUE, error))
		return NULL;
	return cd_onvif_media_respond_with(call, "trt:Profile", append_profile);
}

static gchar *
get_video_sources(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with(call,
					   "trt:VideoSources",
					   cd_onvif_media_append_video_source);
}

static gchar *
get_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with(call,
					   "trt:Configurations",
					   cd_onvif_media_append_video_source_configuration);
}

static gchar *
get_video_source_configuration(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_token(call,
					"ConfigurationToken",
					CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN,
					error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   "trt:Configuration",
					   cd_onvif_media_append_video_source_configuration);
}

static gchar *
get_compatible_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_profile(call, TRUE, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   "trt:Configurations",
					   cd_onvif_media_append_video_source_configuration);
}

static gchar *
get_video_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_configuration(call, CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   "trt:Options",
					   cd_onvif_media_append_video_source_options);
}

static gchar *
get_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_respond_with(call,
					   "trt:Configurations",
					   cd_onvif_media_append_video_encoder_ver10);
}

static gchar *
get_video_encoder_configuration(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_token(call,
					"ConfigurationToken",
					CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN,
					error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   "trt:Configuration",
					   cd_onvif_media_append_video_encoder_ver10);
}

static gchar *
get_compatible_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_profile(call, TRUE, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   "trt:Configurations",
					   cd_onvif_media_append_video_encoder_ver10);
}

static gchar *
get_video_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_configuration(call, CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error))
		return NULL;
	return cd_onvif_media_respond_with(call,
					   "trt:Options",
					   cd_onvif_media_append_video_encoder_options_ver10);
}

static gchar *
get_guaranteed_number_of_video_encoder_instances(const CdOnvifCall *call, GError **error)
{
	if (!cd_onvif_media_check_token(call,
					"ConfigurationToken",
					CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN,
					error))
		return NULL;
	return g_strdup("<trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>"
			"<trt:TotalNumber>1</trt:TotalNumber><trt:H264>1</trt:H264>"
			"</trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>");
}

/*
 * RTP unicast over UDP, over the RTSP connection (TCP, RTSP) all use the same RTSP URL; the
 * client picks the transport in SETUP. Multicast and RTSP over HTTP are not served.
 */
static gchar *
get_stream_uri(const CdOnvifCall *call, GError **error)
{
	static const gchar *const streams[] = {"RTP-Unicast", NULL};
	static const gchar *const protocols[] = {"RTSP", "UDP", "TCP", NULL};

	if (!cd_onvif_media_check_profile(call, TRUE, error) ||
	    !cd_onvif_media_check_choice(call,
					 "Stream",
					 streams,
					 "only RTP-Unicast streams are served",
					 error) ||
	    !cd_onvif_media_check_choice(call,
					 "Protocol",
					 protocols,
					 "only the RTSP, UDP and TCP transports are served",
					 error))
		return NULL;
	return cd_onvif_media_respond_with_stream_uri(call, &cd_onvif_media_version_ver10);
}

static gchar *
get_snapshot_uri(const CdOnvifCall *call, GError **error)
{
	return cd_onvif_media_get_snapshot_uri(call, &cd_onvif_media_version_ver10, error);
}

static void
append_capabilities(GString *out, const CdOnvifCall *call)
{
	g_string_append(out,
			"<trt:Capabilities SnapshotUri=\"true\" Rotation=\"false\" "
			"VideoSourceMode=\"false\" OSD=\"false\" TemporaryOSDText=\"false\" "
			"EXICompression=\"false\">"
			"<trt:ProfileCapabilities MaximumNumberOfProfiles=\"1\"/>"
			"<trt:StreamingCapabilities RTPMulticast=\"false\" RTP_TCP=\"true\" "
			"RTP_RTSP_TCP=\"true\" NonAggregateControl=\"false\" "
			"NoRTSPStreaming=\"false\"/></trt:Capabilities>");
}

/* GetCapabilities' tt:Media */
static void
append_category_capabilities(GString *out, const CdOnvifCall *call, const gchar *xaddr)
{
	g_string_append_printf(out,
			       "<tt:Media><tt:XAddr>%s</tt:XAddr>"
			       "<tt:StreamingCapabilities>"
			       "<tt:RTPMulticast>false</tt:RTPMulticast>"
			       "<tt:RTP_TCP>true</tt:RTP_TCP>"
			       "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
			       "</tt:StreamingCapabilities>"
			       "<tt:Extension><tt:ProfileCapabilities>"
			       "<tt:MaximumNumberOfProfiles>1</tt:MaximumNumberOfProfiles>"
			       "</tt:ProfileCapabilities></tt:Extension></tt:Media>",
			       xaddr);
}

static const CdOnvifOperation media_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", cd_onvif_get_service_capabilities),
    CD_ONVIF_READ("GetProfiles", get_profiles),
    CD_ONVIF_READ("GetProfile", get_profile),
    CD_ONVIF_READ("GetVideoSources", get_video_sources),
    CD_ONVIF_READ("GetVideoSourceConfigurations", get_video_source_configurations),
    CD_ONVIF_READ("GetVideoSourceConfiguration", get_video_source_configuration),
    CD_ONVIF_READ("GetCompatibleVideoSourceConfigurations",
		  get_compatible_video_source_configurations),
    CD_ONVIF_READ("GetVideoSourceConfigurationOptions", get_video_source_configuration_options),
    CD_ONVIF_READ("GetVideoEncoderConfigurations", get_video_encoder_configurations),
    CD_ONVIF_READ("GetVideoEncoderConfiguration", get_video_encoder_configuration),
    CD_ONVIF_READ("GetCompatibleVideoEncoderConfigurations",
		  get_compatible_video_encoder_configurations),
    CD_ONVIF_READ("GetVideoEncoderConfigurationOptions", get_video_encoder_configuration_options),
    CD_ONVIF_READ("GetGuaranteedNumberOfVideoEncoderInstances",
		  get_guaranteed_number_of_video_encoder_instances),
    CD_ONVIF_READ("GetStreamUri", get_stream_uri),
    CD_ONVIF_READ("GetSnapshotUri", get_snapshot_uri),
    CD_ONVIF_READ("GetAudioSources", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioOutputs", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioSourceConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioEncoderConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioOutputConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetAudioDecoderConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetMetadataConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_READ("GetVideoAnalyticsConfigurations", cd_onvif_media_empty_list),
    CD_ONVIF_PROHIBITED("CreateProfile"),
    CD_ONVIF_PROHIBITED("DeleteProfile"),
    CD_ONVIF_PROHIBITED("SetVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("SetVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("SetAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("SetMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("SetVideoAnalyticsConfiguration"),
    CD_ONVIF_PROHIBITED("AddVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("AddVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("AddAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("AddMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("AddPTZConfiguration"),
    CD_ONVIF_PROHIBITED("AddVideoAnalyticsConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveVideoSourceConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveVideoEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioSourceConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioEncoderConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioOutputConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveAudioDecoderConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveMetadataConfiguration"),
    CD_ONVIF_PROHIBITED("RemovePTZConfiguration"),
    CD_ONVIF_PROHIBITED("RemoveVideoAnalyticsConfiguration"),
    CD_ONVIF_PROHIBITED("StartMulticastStreaming"),
    CD_ONVIF_PROHIBITED("StopMulticastStreaming"),
    CD_ONVIF_PROHIBITED("SetVideoSourceMode"),
    CD_ONVIF_PROHIBITED("CreateOSD"),
    CD_ONVIF_PROHIBITED("SetOSD"),
    CD_ONVIF_PROHIBITED("DeleteOSD"),
};

const CdOnvifService cd_onvif_media_service = {
    .ns = CD_SOAP_NS_MEDIA,
    .prefix = "trt",
    .path = CD_ONVIF_PATH_MEDIA,
    .operations = media_operations,
    .n_operations = G_N_ELEMENTS(media_operations),
    .append_capabilities = append_capabilities,
    .category = "Media",
    .append_category_capabilities = append_category_capabilities,
};
