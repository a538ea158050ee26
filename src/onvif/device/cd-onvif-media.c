/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-media: the media services of one virtual device, ver10 (trt) and Media2 (tr2). Each
 * device has exactly one profile, and it describes what cordon serves for the camera, not what
 * the camera sends: H.264 High from cordon's encoder at the output size, rate, bitrate and GOP.
 * Every URI handed out points at cordon (its RTSP server, its snapshot endpoint) and carries no
 * credentials. Audio and metadata queries get empty, valid answers; anything that would change
 * a configuration is prohibited.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: [camera] bitrate, gop (the size and rate come with the call).
 */
#define G_LOG_DOMAIN "CdOnvifMedia"

#include "cd-onvif-media.h"

#include "cd-error.h"

/* not a codec setting of x264 in bitrate mode: a mid-range value in QualityRange */
#define QUALITY	      "5"
#define QUALITY_RANGE "<tt:QualityRange><tt:Min>0</tt:Min><tt:Max>10</tt:Max></tt:QualityRange>"
/* the profile of the default template's caps (pipelines/encode-x264.pipeline) */
#define H264_PROFILE "High"
/* gst-rtsp-server's default session timeout */
#define SESSION_TIMEOUT "PT60S"
#define MULTICAST_NONE                                                                             \
	"<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type>"                                        \
	"<tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"                                    \
	"<tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"

/* a token the client sent must be ours; a missing optional one is fine */
static gboolean
check_token(const CdOnvifCall *call, const gchar *element, const gchar *expected, GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, element);

	if (token == NULL || g_strcmp0(token, expected) == 0)
		return TRUE;
	g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no such %s", element);
	return FALSE;
}

static gboolean
check_profile(const CdOnvifCall *call, gboolean required, GError **error)
{
	g_autofree gchar *token = cd_soap_request_get_text(call->request, "ProfileToken");

	if (token == NULL && required) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "ProfileToken missing");
		return FALSE;
	}
	return check_token(call, "ProfileToken", CD_ONVIF_PROFILE_TOKEN, error);
}

static gchar *
snapshot_uri(const CdOnvifCall *call)
{
	g_autofree gchar *url = g_strconcat(call->base_url, CD_ONVIF_PATH_SNAPSHOT, NULL);

	return cd_xml_escape(url);
}

static void
append_video_source_configuration(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_autofree gchar *name = cd_xml_escape(call->camera->name);

	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN "\">"
			       "<tt:Name>%s</tt:Name><tt:UseCount>1</tt:UseCount>"
			       "<tt:SourceToken>" CD_ONVIF_VIDEO_SOURCE_TOKEN "</tt:SourceToken>"
			       "<tt:Bounds x=\"0\" y=\"0\" width=\"%u\" height=\"%u\"/></%s>",
			       element,
			       name,
			       call->width,
			       call->height,
			       element);
}

/* ver10: RateControl and the H264 block are what many clients insist on */
static void
append_video_encoder_configuration(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN "\">"
			       "<tt:Name>H.264</tt:Name><tt:UseCount>1</tt:UseCount>"
			       "<tt:Encoding>H264</tt:Encoding>"
			       "<tt:Resolution><tt:Width>%u</tt:Width><tt:Height>%u</tt:Height>"
			       "</tt:Resolution>"
			       "<tt:Quality>" QUALITY "</tt:Quality>"
			       "<tt:RateControl><tt:FrameRateLimit>%u</tt:FrameRateLimit>"
			       "<tt:EncodingInterval>1</tt:EncodingInterval>"
			       "<tt:BitrateLimit>%u</tt:BitrateLimit></tt:RateControl>"
			       "<tt:H264><tt:GovLength>%u</tt:GovLength>"
			       "<tt:H264Profile>" H264_PROFILE
			       "</tt:H264Profile></tt:H264>" MULTICAST_NONE
			       "<tt:SessionTimeout>" SESSION_TIMEOUT "</tt:SessionTimeout></%s>",
			       element,
			       call->width,
			       call->height,
			       call->fps,
			       call->camera->bitrate_kbps,
			       call->camera->gop,
			       element);
}

static void
append_profile(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_PROFILE_TOKEN "\" fixed=\"true\">"
			       "<tt:Name>main</tt:Name>",
			       element);
	append_video_source_configuration(out, call, "tt:VideoSourceConfiguration");
	append_video_encoder_configuration(out, call, "tt:VideoEncoderConfiguration");
	g_string_append_printf(out, "</%s>", element);
}

/* a response whose content is one profile or configuration element */
typedef void (*AppendFunc)(GString *out, const CdOnvifCall *call, const gchar *element);

static gchar *
respond_with(const CdOnvifCall *call, const gchar *response, const gchar *element, AppendFunc func)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "<%s>", response);
	func(out, call, element);
	g_string_append_printf(out, "</%s>", response);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_profiles(const CdOnvifCall *call, GError **error)
{
	return respond_with(call, "trt:GetProfilesResponse", "trt:Profiles", append_profile);
}

static gchar *
get_profile(const CdOnvifCall *call, GError **error)
{
	if (!check_profile(call, TRUE, error))
		return NULL;
	return respond_with(call, "trt:GetProfileResponse", "trt:Profile", append_profile);
}

static gchar *
get_video_sources(const CdOnvifCall *call, GError **error)
{
	return g_strdup_printf("<trt:GetVideoSourcesResponse>"
			       "<trt:VideoSources token=\"" CD_ONVIF_VIDEO_SOURCE_TOKEN "\">"
			       "<tt:Framerate>%u</tt:Framerate>"
			       "<tt:Resolution><tt:Width>%u</tt:Width><tt:Height>%u</tt:Height>"
			       "</tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>",
			       call->fps,
			       call->width,
			       call->height);
}

static gchar *
get_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	return respond_with(call,
			    "trt:GetVideoSourceConfigurationsResponse",
			    "trt:Configurations",
			    append_video_source_configuration);
}

static gchar *
get_video_source_configuration(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error))
		return NULL;
	return respond_with(call,
			    "trt:GetVideoSourceConfigurationResponse",
			    "trt:Configuration",
			    append_video_source_configuration);
}

static gchar *
get_compatible_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	if (!check_profile(call, TRUE, error))
		return NULL;
	return respond_with(call,
			    "trt:GetCompatibleVideoSourceConfigurationsResponse",
			    "trt:Configurations",
			    append_video_source_configuration);
}

static gchar *
get_video_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error) ||
	    !check_profile(call, FALSE, error))
		return NULL;
	return g_strdup_printf(
	    "<trt:GetVideoSourceConfigurationOptionsResponse><trt:Options>"
	    "<tt:BoundsRange>"
	    "<tt:XRange><tt:Min>0</tt:Min><tt:Max>0</tt:Max></tt:XRange>"
	    "<tt:YRange><tt:Min>0</tt:Min><tt:Max>0</tt:Max></tt:YRange>"
	    "<tt:WidthRange><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max></tt:WidthRange>"
	    "<tt:HeightRange><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max>"
	    "</tt:HeightRange></tt:BoundsRange>"
	    "<tt:VideoSourceTokensAvailable>" CD_ONVIF_VIDEO_SOURCE_TOKEN
	    "</tt:VideoSourceTokensAvailable>"
	    "</trt:Options></trt:GetVideoSourceConfigurationOptionsResponse>",
	    call->width,
	    call->width,
	    call->height,
	    call->height);
}

static gchar *
get_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	return respond_with(call,
			    "trt:GetVideoEncoderConfigurationsResponse",
			    "trt:Configurations",
			    append_video_encoder_configuration);
}

static gchar *
get_video_encoder_configuration(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error))
		return NULL;
	return respond_with(call,
			    "trt:GetVideoEncoderConfigurationResponse",
			    "trt:Configuration",
			    append_video_encoder_configuration);
}

static gchar *
get_compatible_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	if (!check_profile(call, TRUE, error))
		return NULL;
	return respond_with(call,
			    "trt:GetCompatibleVideoEncoderConfigurationsResponse",
			    "trt:Configurations",
			    append_video_encoder_configuration);
}

/* the H.264 options, each range holding the one value cordon serves */
static void
append_h264_options(GString *out, const CdOnvifCall *call)
{
	g_string_append_printf(out,
			       "<tt:ResolutionsAvailable><tt:Width>%u</tt:Width>"
			       "<tt:Height>%u</tt:Height></tt:ResolutionsAvailable>"
			       "<tt:GovLengthRange><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max>"
			       "</tt:GovLengthRange>"
			       "<tt:FrameRateRange><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max>"
			       "</tt:FrameRateRange>"
			       "<tt:EncodingIntervalRange><tt:Min>1</tt:Min><tt:Max>1</tt:Max>"
			       "</tt:EncodingIntervalRange>"
			       "<tt:H264ProfilesSupported>" H264_PROFILE
			       "</tt:H264ProfilesSupported>",
			       call->width,
			       call->height,
			       call->camera->gop,
			       call->camera->gop,
			       call->fps,
			       call->fps);
}

static gchar *
get_video_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = NULL;

	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error) ||
	    !check_profile(call, FALSE, error))
		return NULL;
	out = g_string_new(
	    "<trt:GetVideoEncoderConfigurationOptionsResponse><trt:Options>" QUALITY_RANGE
	    "<tt:H264>");
	append_h264_options(out, call);
	g_string_append(out, "</tt:H264><tt:Extension><tt:H264>");
	append_h264_options(out, call);
	g_string_append_printf(out,
			       "<tt:BitrateRange><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max>"
			       "</tt:BitrateRange></tt:H264></tt:Extension>"
			       "</trt:Options></trt:GetVideoEncoderConfigurationOptionsResponse>",
			       call->camera->bitrate_kbps,
			       call->camera->bitrate_kbps);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_guaranteed_number_of_video_encoder_instances(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error))
		return NULL;
	return g_strdup("<trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>"
			"<trt:TotalNumber>1</trt:TotalNumber><trt:H264>1</trt:H264>"
			"</trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>");
}

static gchar *
media_uri(const gchar *response, const gchar *uri)
{
	return g_strdup_printf("<%s><trt:MediaUri><tt:Uri>%s</tt:Uri>"
			       "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
			       "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
			       "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></%s>",
			       response,
			       uri,
			       response);
}

/*
 * RTP unicast over UDP, over the RTSP connection (TCP, RTSP) all use the same RTSP URL; the
 * client picks the transport in SETUP. Multicast and RTSP over HTTP are not served.
 */
static gchar *
get_stream_uri(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *stream = cd_soap_request_get_text(call->request, "Stream");
	g_autofree gchar *protocol = cd_soap_request_get_text(call->request, "Protocol");
	g_autofree gchar *uri = NULL;

	if (!check_profile(call, TRUE, error))
		return NULL;
	if (stream != NULL && g_strcmp0(stream, "RTP-Unicast") != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "only RTP-Unicast streams are served");
		return NULL;
	}
	if (protocol != NULL && g_strcmp0(protocol, "RTSP") != 0 &&
	    g_strcmp0(protocol, "UDP") != 0 && g_strcmp0(protocol, "TCP") != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "only the RTSP, UDP and TCP transports are served");
		return NULL;
	}
	uri = cd_xml_escape(call->stream_uri);
	return media_uri("trt:GetStreamUriResponse", uri);
}

static gchar *
get_snapshot_uri(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *uri = NULL;

	if (!check_profile(call, TRUE, error))
		return NULL;
	uri = snapshot_uri(call);
	return media_uri("trt:GetSnapshotUriResponse", uri);
}

/**
 * cd_onvif_media_capabilities:
 *
 * Returns: (transfer full): the media service's trt:Capabilities element
 */
gchar *
cd_onvif_media_capabilities(void)
{
	return g_strdup("<trt:Capabilities SnapshotUri=\"true\" Rotation=\"false\" "
			"VideoSourceMode=\"false\" OSD=\"false\" TemporaryOSDText=\"false\" "
			"EXICompression=\"false\">"
			"<trt:ProfileCapabilities MaximumNumberOfProfiles=\"1\"/>"
			"<trt:StreamingCapabilities RTPMulticast=\"false\" RTP_TCP=\"true\" "
			"RTP_RTSP_TCP=\"true\" NonAggregateControl=\"false\" "
			"NoRTSPStreaming=\"false\"/></trt:Capabilities>");
}

static gchar *
get_service_capabilities(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *capabilities = cd_onvif_media_capabilities();

	return g_strconcat("<trt:GetServiceCapabilitiesResponse>",
			   capabilities,
			   "</trt:GetServiceCapabilitiesResponse>",
			   NULL);
}

/*
 * Audio and metadata: cordon serves video only, so every list is empty. The operation name
 * comes from the table the request was matched against, never unchecked from the client.
 */
static gchar *
empty_list(const CdOnvifCall *call, GError **error)
{
	return g_strdup_printf("<trt:%sResponse/>", cd_soap_request_get_operation(call->request));
}

static const CdOnvifOperation media_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", get_service_capabilities),
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
    CD_ONVIF_READ("GetAudioSources", empty_list),
    CD_ONVIF_READ("GetAudioOutputs", empty_list),
    CD_ONVIF_READ("GetAudioSourceConfigurations", empty_list),
    CD_ONVIF_READ("GetAudioEncoderConfigurations", empty_list),
    CD_ONVIF_READ("GetAudioOutputConfigurations", empty_list),
    CD_ONVIF_READ("GetAudioDecoderConfigurations", empty_list),
    CD_ONVIF_READ("GetMetadataConfigurations", empty_list),
    CD_ONVIF_READ("GetVideoAnalyticsConfigurations", empty_list),
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

static const CdOnvifOperation *
lookup(const CdOnvifOperation *table, gsize n_entries, const gchar *operation)
{
	for (gsize i = 0; i < n_entries; i++) {
		if (g_strcmp0(table[i].name, operation) == 0)
			return &table[i];
	}
	return NULL;
}

/**
 * cd_onvif_media_lookup:
 * @operation: the local name of the request's first Body element
 *
 * Returns: (nullable): the ver10 media operation, or %NULL for one cordon does not know
 */
const CdOnvifOperation *
cd_onvif_media_lookup(const gchar *operation)
{
	return lookup(media_operations, G_N_ELEMENTS(media_operations), operation);
}

/* Media2 (ver20) */

static void
append_video_source2(GString *out, const CdOnvifCall *call, const gchar *element)
{
	append_video_source_configuration(out, call, element);
}

static void
append_video_encoder2(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_string_append_printf(
	    out,
	    "<%s token=\"" CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN "\" GovLength=\"%u\" "
	    "Profile=\"" H264_PROFILE "\">"
	    "<tt:Name>H.264</tt:Name><tt:UseCount>1</tt:UseCount>"
	    "<tt:Encoding>H264</tt:Encoding>"
	    "<tt:Resolution><tt:Width>%u</tt:Width><tt:Height>%u</tt:Height>"
	    "</tt:Resolution>"
	    "<tt:RateControl ConstantBitRate=\"false\">"
	    "<tt:FrameRateLimit>%u</tt:FrameRateLimit>"
	    "<tt:BitrateLimit>%u</tt:BitrateLimit></tt:RateControl>" MULTICAST_NONE
	    "<tt:Quality>" QUALITY "</tt:Quality></%s>",
	    element,
	    call->camera->gop,
	    call->width,
	    call->height,
	    call->fps,
	    call->camera->bitrate_kbps,
	    element);
}

/* Type is repeatable; cordon's only configurations are video ones, so any Type gets both */
static void
append_profile2(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_autofree gchar *type = cd_soap_request_get_text(call->request, "Type");

	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_PROFILE_TOKEN "\" fixed=\"true\">"
			       "<tr2:Name>main</tr2:Name>",
			       element);
	if (type != NULL) {
		g_string_append(out, "<tr2:Configurations>");
		append_video_source2(out, call, "tr2:VideoSource");
		append_video_encoder2(out, call, "tr2:VideoEncoder");
		g_string_append(out, "</tr2:Configurations>");
	}
	g_string_append_printf(out, "</%s>", element);
}

static gchar *
get_profiles2(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "Token", CD_ONVIF_PROFILE_TOKEN, error))
		return NULL;
	return respond_with(call, "tr2:GetProfilesResponse", "tr2:Profiles", append_profile2);
}

/* RtspUnicast is Media2's name; RTSP and RTP-Unicast are what older clients send */
static gchar *
get_stream_uri2(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *protocol = cd_soap_request_get_text(call->request, "Protocol");
	g_autofree gchar *uri = NULL;

	if (!check_profile(call, TRUE, error))
		return NULL;
	if (protocol != NULL && g_strcmp0(protocol, "RtspUnicast") != 0 &&
	    g_strcmp0(protocol, "RTSP") != 0 && g_strcmp0(protocol, "RTP-Unicast") != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "only RtspUnicast streams are served");
		return NULL;
	}
	uri = cd_xml_escape(call->stream_uri);
	return g_strdup_printf("<tr2:GetStreamUriResponse><tr2:Uri>%s</tr2:Uri>"
			       "</tr2:GetStreamUriResponse>",
			       uri);
}

static gchar *
get_snapshot_uri2(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *uri = NULL;

	if (!check_profile(call, TRUE, error))
		return NULL;
	uri = snapshot_uri(call);
	return g_strdup_printf("<tr2:GetSnapshotUriResponse><tr2:Uri>%s</tr2:Uri>"
			       "</tr2:GetSnapshotUriResponse>",
			       uri);
}

static gchar *
get_video_encoder_configurations2(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error) ||
	    !check_profile(call, FALSE, error))
		return NULL;
	return respond_with(call,
			    "tr2:GetVideoEncoderConfigurationsResponse",
			    "tr2:Configurations",
			    append_video_encoder2);
}

static gchar *
get_video_source_configurations2(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error) ||
	    !check_profile(call, FALSE, error))
		return NULL;
	return respond_with(call,
			    "tr2:GetVideoSourceConfigurationsResponse",
			    "tr2:Configurations",
			    append_video_source2);
}

static gchar *
get_video_encoder_configuration_options2(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error) ||
	    !check_profile(call, FALSE, error))
		return NULL;
	return g_strdup_printf("<tr2:GetVideoEncoderConfigurationOptionsResponse>"
			       "<tr2:Options GovLengthRange=\"%u %u\" FrameRatesSupported=\"%u\" "
			       "ProfilesSupported=\"" H264_PROFILE "\" "
			       "ConstantBitRateSupported=\"false\">"
			       "<tt:Encoding>H264</tt:Encoding>" QUALITY_RANGE
			       "<tt:ResolutionsAvailable><tt:Width>%u</tt:Width>"
			       "<tt:Height>%u</tt:Height></tt:ResolutionsAvailable>"
			       "<tt:BitrateRange><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max>"
			       "</tt:BitrateRange></tr2:Options>"
			       "</tr2:GetVideoEncoderConfigurationOptionsResponse>",
			       call->camera->gop,
			       call->camera->gop,
			       call->fps,
			       call->width,
			       call->height,
			       call->camera->bitrate_kbps,
			       call->camera->bitrate_kbps);
}

/**
 * cd_onvif_media2_capabilities:
 *
 * Returns: (transfer full): the Media2 service's tr2:Capabilities element
 */
gchar *
cd_onvif_media2_capabilities(void)
{
	return g_strdup("<tr2:Capabilities SnapshotUri=\"true\" Rotation=\"false\" "
			"VideoSourceMode=\"false\" OSD=\"false\" TemporaryOSDText=\"false\" "
			"Mask=\"false\" SourceMask=\"false\">"
			"<tr2:ProfileCapabilities MaximumNumberOfProfiles=\"1\" "
			"ConfigurationsSupported=\"VideoSource VideoEncoder\"/>"
			"<tr2:StreamingCapabilities RTSPStreaming=\"true\" RTPMulticast=\"false\" "
			"RTP_RTSP_TCP=\"true\" NonAggregateControl=\"false\" "
			"AutoStartMulticast=\"false\"/></tr2:Capabilities>");
}

static gchar *
get_service_capabilities2(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *capabilities = cd_onvif_media2_capabilities();

	return g_strconcat("<tr2:GetServiceCapabilitiesResponse>",
			   capabilities,
			   "</tr2:GetServiceCapabilitiesResponse>",
			   NULL);
}

static gchar *
empty_list2(const CdOnvifCall *call, GError **error)
{
	return g_strdup_printf("<tr2:%sResponse/>", cd_soap_request_get_operation(call->request));
}

static const CdOnvifOperation media2_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", get_service_capabilities2),
    CD_ONVIF_READ("GetProfiles", get_profiles2),
    CD_ONVIF_READ("GetStreamUri", get_stream_uri2),
    CD_ONVIF_READ("GetSnapshotUri", get_snapshot_uri2),
    CD_ONVIF_READ("GetVideoEncoderConfigurations", get_video_encoder_configurations2),
    CD_ONVIF_READ("GetVideoSourceConfigurations", get_video_source_configurations2),
    CD_ONVIF_READ("GetVideoEncoderConfigurationOptions", get_video_encoder_configuration_options2),
    CD_ONVIF_READ("GetAudioSourceConfigurations", empty_list2),
    CD_ONVIF_READ("GetAudioEncoderConfigurations", empty_list2),
    CD_ONVIF_READ("GetAudioOutputConfigurations", empty_list2),
    CD_ONVIF_READ("GetAudioDecoderConfigurations", empty_list2),
    CD_ONVIF_READ("GetMetadataConfigurations", empty_list2),
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

/**
 * cd_onvif_media2_lookup:
 * @operation: the local name of the request's first Body element
 *
 * Returns: (nullable): the Media2 operation, or %NULL for one cordon does not know
 */
const CdOnvifOperation *
cd_onvif_media2_lookup(const gchar *operation)
{
	return lookup(media2_operations, G_N_ELEMENTS(media2_operations), operation);
}
