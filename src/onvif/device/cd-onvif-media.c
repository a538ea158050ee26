/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-media: the media services of one virtual device, ver10 (trt) and Media2 (tr2). Each
 * device has exactly one profile, and it describes what cordon serves for the camera, not what
 * the camera sends: H.264 High from cordon's encoder at the output size, rate, bitrate and GOP.
 * Every URI handed out points at cordon (its RTSP server, its snapshot endpoint) and carries no
 * credentials. Audio and metadata queries get empty, valid answers; anything that would change
 * a configuration is prohibited.
 *
 * Both versions describe the same profile and configurations, so each XML shape is written
 * once, parametrised where ver10 and Media2 differ: MediaVersion names the elements that
 * differ, and each version's encoder configuration puts the shared fields in its schema's order.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: [camera] bitrate, gop (the size and rate come with the call).
 */
#define G_LOG_DOMAIN "CdOnvifMedia"

#include "cd-onvif-media.h"

#include "cd-error.h"

/* not a codec setting of x264 in bitrate mode: a mid-range value in QualityRange */
#define QUALITY	      "<tt:Quality>5</tt:Quality>"
#define QUALITY_RANGE "<tt:QualityRange><tt:Min>0</tt:Min><tt:Max>10</tt:Max></tt:QualityRange>"
/* the profile of the default template's caps (pipelines/encode-x264.pipeline) */
#define H264_PROFILE "High"
/* gst-rtsp-server's default session timeout */
#define SESSION_TIMEOUT "<tt:SessionTimeout>PT60S</tt:SessionTimeout>"
#define MULTICAST_NONE                                                                             \
	"<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type>"                                        \
	"<tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"                                    \
	"<tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"

/* appends one profile or configuration as @element */
typedef void (*AppendFunc)(GString *out, const CdOnvifCall *call, const gchar *element);

/* where ver10 and Media2 differ in the shapes they share */
typedef struct {
	const gchar *profile_name;   /* the element of a profile's Name */
	const gchar *configurations; /* holds a profile's configurations; NULL: the profile does */
	const gchar *video_source;   /* a profile's video source configuration element */
	const gchar *video_encoder;  /* a profile's video encoder configuration element */
	AppendFunc append_video_encoder;
	void (*append_uri)(GString *out, const gchar *uri); /* a Get*Uri reply's content */
} MediaVersion;

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

/* an optional argument must be absent or one of @allowed; @refusal says what is served */
static gboolean
check_choice(const CdOnvifCall *call,
	     const gchar *element,
	     const gchar *const *allowed,
	     const gchar *refusal,
	     GError **error)
{
	g_autofree gchar *value = cd_soap_request_get_text(call->request, element);

	if (value == NULL || g_strv_contains(allowed, value))
		return TRUE;
	g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, refusal);
	return FALSE;
}

/* a configuration asked for by token, optionally in a profile: both must be ours */
static gboolean
check_configuration(const CdOnvifCall *call, const gchar *expected, GError **error)
{
	return check_token(call, "ConfigurationToken", expected, error) &&
	       check_profile(call, FALSE, error);
}

static void
append_size(GString *out, const gchar *element, guint width, guint height)
{
	g_string_append_printf(out,
			       "<%s><tt:Width>%u</tt:Width><tt:Height>%u</tt:Height></%s>",
			       element,
			       width,
			       height,
			       element);
}

static void
append_range(GString *out, const gchar *element, guint min, guint max)
{
	g_string_append_printf(out,
			       "<%s><tt:Min>%u</tt:Min><tt:Max>%u</tt:Max></%s>",
			       element,
			       min,
			       max,
			       element);
}

static void
append_bitrate_range(GString *out, const CdOnvifCall *call)
{
	guint bitrate = call->camera->bitrate_kbps;

	append_range(out, "tt:BitrateRange", bitrate, bitrate);
}

/* what every configuration begins with (tt:ConfigurationEntity); @attributes may be "" */
static void
open_configuration(GString *out,
		   const gchar *element,
		   const gchar *token,
		   const gchar *attributes,
		   const gchar *name)
{
	g_string_append_printf(out,
			       "<%s token=\"%s\"%s>"
			       "<tt:Name>%s</tt:Name><tt:UseCount>1</tt:UseCount>",
			       element,
			       token,
			       attributes,
			       name);
}

static void
append_video_source_configuration(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_autofree gchar *name = cd_xml_escape(call->camera->name);

	open_configuration(out, element, CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, "", name);
	g_string_append_printf(out,
			       "<tt:SourceToken>" CD_ONVIF_VIDEO_SOURCE_TOKEN "</tt:SourceToken>"
			       "<tt:Bounds x=\"0\" y=\"0\" width=\"%u\" height=\"%u\"/></%s>",
			       call->width,
			       call->height,
			       element);
}

/* the encoder configuration up to its Resolution, alike in both versions but for attributes */
static void
open_video_encoder(GString *out,
		   const CdOnvifCall *call,
		   const gchar *element,
		   const gchar *attributes)
{
	open_configuration(out, element, CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, attributes, "H.264");
	g_string_append(out, "<tt:Encoding>H264</tt:Encoding>");
	append_size(out, "tt:Resolution", call->width, call->height);
}

/* ver10 limits the encoding interval, Media2 says the rate is not constant instead */
static void
append_rate_control(GString *out,
		    const CdOnvifCall *call,
		    const gchar *attributes,
		    const gchar *encoding_interval)
{
	g_string_append_printf(out,
			       "<tt:RateControl%s><tt:FrameRateLimit>%u</tt:FrameRateLimit>"
			       "%s<tt:BitrateLimit>%u</tt:BitrateLimit></tt:RateControl>",
			       attributes,
			       call->fps,
			       encoding_interval,
			       call->camera->bitrate_kbps);
}

/* ver10: RateControl and the H264 block are what many clients insist on */
static void
append_video_encoder_configuration(GString *out, const CdOnvifCall *call, const gchar *element)
{
	open_video_encoder(out, call, element, "");
	g_string_append(out, QUALITY);
	append_rate_control(out, call, "", "<tt:EncodingInterval>1</tt:EncodingInterval>");
	g_string_append_printf(out,
			       "<tt:H264><tt:GovLength>%u</tt:GovLength>"
			       "<tt:H264Profile>" H264_PROFILE "</tt:H264Profile></tt:H264>",
			       call->camera->gop);
	g_string_append_printf(out, MULTICAST_NONE SESSION_TIMEOUT "</%s>", element);
}

/* Media2: the GOP and profile are attributes, and Quality comes last */
static void
append_video_encoder2(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_autofree gchar *attributes =
	    g_strdup_printf(" GovLength=\"%u\" Profile=\"" H264_PROFILE "\"", call->camera->gop);

	open_video_encoder(out, call, element, attributes);
	append_rate_control(out, call, " ConstantBitRate=\"false\"", "");
	g_string_append_printf(out, MULTICAST_NONE QUALITY "</%s>", element);
}

static void
append_media_uri(GString *out, const gchar *uri)
{
	g_string_append_printf(out,
			       "<trt:MediaUri><tt:Uri>%s</tt:Uri>"
			       "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
			       "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
			       "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>",
			       uri);
}

static void
append_uri2(GString *out, const gchar *uri)
{
	g_string_append_printf(out, "<tr2:Uri>%s</tr2:Uri>", uri);
}

static const MediaVersion ver10 = {
    .profile_name = "tt:Name",
    .configurations = NULL,
    .video_source = "tt:VideoSourceConfiguration",
    .video_encoder = "tt:VideoEncoderConfiguration",
    .append_video_encoder = append_video_encoder_configuration,
    .append_uri = append_media_uri,
};

static const MediaVersion media2 = {
    .profile_name = "tr2:Name",
    .configurations = "tr2:Configurations",
    .video_source = "tr2:VideoSource",
    .video_encoder = "tr2:VideoEncoder",
    .append_video_encoder = append_video_encoder2,
    .append_uri = append_uri2,
};

/* for the handlers both versions list */
static const MediaVersion *
version_of(const CdOnvifCall *call)
{
	return call->service == &cd_onvif_media2_service ? &media2 : &ver10;
}

static void
append_profile_configurations(GString *out, const CdOnvifCall *call, const MediaVersion *version)
{
	if (version->configurations != NULL)
		g_string_append_printf(out, "<%s>", version->configurations);
	append_video_source_configuration(out, call, version->video_source);
	version->append_video_encoder(out, call, version->video_encoder);
	if (version->configurations != NULL)
		g_string_append_printf(out, "</%s>", version->configurations);
}

static void
append_profile_of(GString *out,
		  const CdOnvifCall *call,
		  const MediaVersion *version,
		  const gchar *element,
		  gboolean with_configurations)
{
	g_string_append_printf(out,
			       "<%s token=\"" CD_ONVIF_PROFILE_TOKEN "\" fixed=\"true\">"
			       "<%s>main</%s>",
			       element,
			       version->profile_name,
			       version->profile_name);
	if (with_configurations)
		append_profile_configurations(out, call, version);
	g_string_append_printf(out, "</%s>", element);
}

/* ver10: a profile always holds its configurations */
static void
append_profile(GString *out, const CdOnvifCall *call, const gchar *element)
{
	append_profile_of(out, call, &ver10, element, TRUE);
}

/* Type is repeatable; cordon's only configurations are video ones, so any Type gets both */
static void
append_profile2(GString *out, const CdOnvifCall *call, const gchar *element)
{
	g_autofree gchar *type = cd_soap_request_get_text(call->request, "Type");

	append_profile_of(out, call, &media2, element, type != NULL);
}

/*
 * A reply is named after the operation, in the prefix of the service it was posted to. The
 * name comes from the table the request was matched against, never unchecked from the client.
 */
static gchar *
response_element(const CdOnvifCall *call)
{
	return g_strdup_printf("%s:%sResponse",
			       call->service->prefix,
			       cd_soap_request_get_operation(call->request));
}

/* a reply whose content is one profile or configuration element */
static gchar *
respond_with(const CdOnvifCall *call, const gchar *element, AppendFunc func)
{
	g_autofree gchar *response = response_element(call);
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "<%s>", response);
	func(out, call, element);
	g_string_append_printf(out, "</%s>", response);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* @uri is escaped */
static gchar *
respond_with_uri(const CdOnvifCall *call, const gchar *uri)
{
	g_autofree gchar *response = response_element(call);
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "<%s>", response);
	version_of(call)->append_uri(out, uri);
	g_string_append_printf(out, "</%s>", response);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Audio and metadata: cordon serves video only, so every list is empty */
static gchar *
empty_list(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *response = response_element(call);

	return g_strdup_printf("<%s/>", response);
}

static gchar *
get_snapshot_uri(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *uri = NULL;

	if (!check_profile(call, TRUE, error))
		return NULL;
	uri = cd_onvif_service_url(call, CD_ONVIF_PATH_SNAPSHOT);
	return respond_with_uri(call, uri);
}

static gchar *
respond_with_stream_uri(const CdOnvifCall *call)
{
	g_autofree gchar *uri = cd_xml_escape(call->stream_uri);

	return respond_with_uri(call, uri);
}

/* Media ver10 */

static gchar *
get_profiles(const CdOnvifCall *call, GError **error)
{
	return respond_with(call, "trt:Profiles", append_profile);
}

static gchar *
get_profile(const CdOnvifCall *call, GError **error)
{
	if (!check_profile(call, TRUE, error))
		return NULL;
	return respond_with(call, "trt:Profile", append_profile);
}

static gchar *
get_video_sources(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out,
			       "<trt:GetVideoSourcesResponse>"
			       "<trt:VideoSources token=\"" CD_ONVIF_VIDEO_SOURCE_TOKEN "\">"
			       "<tt:Framerate>%u</tt:Framerate>",
			       call->fps);
	append_size(out, "tt:Resolution", call->width, call->height);
	g_string_append(out, "</trt:VideoSources></trt:GetVideoSourcesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	return respond_with(call, "trt:Configurations", append_video_source_configuration);
}

static gchar *
get_video_source_configuration(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error))
		return NULL;
	return respond_with(call, "trt:Configuration", append_video_source_configuration);
}

static gchar *
get_compatible_video_source_configurations(const CdOnvifCall *call, GError **error)
{
	if (!check_profile(call, TRUE, error))
		return NULL;
	return respond_with(call, "trt:Configurations", append_video_source_configuration);
}

static gchar *
get_video_source_configuration_options(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = NULL;

	if (!check_configuration(call, CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error))
		return NULL;
	out = g_string_new("<trt:GetVideoSourceConfigurationOptionsResponse><trt:Options>"
			   "<tt:BoundsRange>");
	append_range(out, "tt:XRange", 0, 0);
	append_range(out, "tt:YRange", 0, 0);
	append_range(out, "tt:WidthRange", call->width, call->width);
	append_range(out, "tt:HeightRange", call->height, call->height);
	g_string_append(out,
			"</tt:BoundsRange>"
			"<tt:VideoSourceTokensAvailable>" CD_ONVIF_VIDEO_SOURCE_TOKEN
			"</tt:VideoSourceTokensAvailable>"
			"</trt:Options></trt:GetVideoSourceConfigurationOptionsResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	return respond_with(call, "trt:Configurations", append_video_encoder_configuration);
}

static gchar *
get_video_encoder_configuration(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "ConfigurationToken", CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error))
		return NULL;
	return respond_with(call, "trt:Configuration", append_video_encoder_configuration);
}

static gchar *
get_compatible_video_encoder_configurations(const CdOnvifCall *call, GError **error)
{
	if (!check_profile(call, TRUE, error))
		return NULL;
	return respond_with(call, "trt:Configurations", append_video_encoder_configuration);
}

/* the H.264 options, each range holding the one value cordon serves */
static void
append_h264_options(GString *out, const CdOnvifCall *call)
{
	append_size(out, "tt:ResolutionsAvailable", call->width, call->height);
	append_range(out, "tt:GovLengthRange", call->camera->gop, call->camera->gop);
	append_range(out, "tt:FrameRateRange", call->fps, call->fps);
	append_range(out, "tt:EncodingIntervalRange", 1, 1);
	g_string_append(out,
			"<tt:H264ProfilesSupported>" H264_PROFILE "</tt:H264ProfilesSupported>");
}

static gchar *
get_video_encoder_configuration_options(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = NULL;

	if (!check_configuration(call, CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error))
		return NULL;
	out = g_string_new(
	    "<trt:GetVideoEncoderConfigurationOptionsResponse><trt:Options>" QUALITY_RANGE
	    "<tt:H264>");
	append_h264_options(out, call);
	g_string_append(out, "</tt:H264><tt:Extension><tt:H264>");
	append_h264_options(out, call);
	append_bitrate_range(out, call);
	g_string_append(out,
			"</tt:H264></tt:Extension>"
			"</trt:Options></trt:GetVideoEncoderConfigurationOptionsResponse>");
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

/*
 * RTP unicast over UDP, over the RTSP connection (TCP, RTSP) all use the same RTSP URL; the
 * client picks the transport in SETUP. Multicast and RTSP over HTTP are not served.
 */
static gchar *
get_stream_uri(const CdOnvifCall *call, GError **error)
{
	static const gchar *const streams[] = {"RTP-Unicast", NULL};
	static const gchar *const protocols[] = {"RTSP", "UDP", "TCP", NULL};

	if (!check_profile(call, TRUE, error) ||
	    !check_choice(call, "Stream", streams, "only RTP-Unicast streams are served", error) ||
	    !check_choice(call,
			  "Protocol",
			  protocols,
			  "only the RTSP, UDP and TCP transports are served",
			  error))
		return NULL;
	return respond_with_stream_uri(call);
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

/* Media2 (ver20) */

static gchar *
get_profiles2(const CdOnvifCall *call, GError **error)
{
	if (!check_token(call, "Token", CD_ONVIF_PROFILE_TOKEN, error))
		return NULL;
	return respond_with(call, "tr2:Profiles", append_profile2);
}

/* RtspUnicast is Media2's name; RTSP and RTP-Unicast are what older clients send */
static gchar *
get_stream_uri2(const CdOnvifCall *call, GError **error)
{
	static const gchar *const protocols[] = {"RtspUnicast", "RTSP", "RTP-Unicast", NULL};

	if (!check_profile(call, TRUE, error) ||
	    !check_choice(call,
			  "Protocol",
			  protocols,
			  "only RtspUnicast streams are served",
			  error))
		return NULL;
	return respond_with_stream_uri(call);
}

static gchar *
get_video_encoder_configurations2(const CdOnvifCall *call, GError **error)
{
	if (!check_configuration(call, CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error))
		return NULL;
	return respond_with(call, "tr2:Configurations", append_video_encoder2);
}

static gchar *
get_video_source_configurations2(const CdOnvifCall *call, GError **error)
{
	if (!check_configuration(call, CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN, error))
		return NULL;
	return respond_with(call, "tr2:Configurations", append_video_source_configuration);
}

static gchar *
get_video_encoder_configuration_options2(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (!check_configuration(call, CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN, error))
		return NULL;
	g_string_append_printf(out,
			       "<tr2:GetVideoEncoderConfigurationOptionsResponse>"
			       "<tr2:Options GovLengthRange=\"%u %u\" FrameRatesSupported=\"%u\" "
			       "ProfilesSupported=\"" H264_PROFILE "\" "
			       "ConstantBitRateSupported=\"false\">"
			       "<tt:Encoding>H264</tt:Encoding>" QUALITY_RANGE,
			       call->camera->gop,
			       call->camera->gop,
			       call->fps);
	append_size(out, "tt:ResolutionsAvailable", call->width, call->height);
	append_bitrate_range(out, call);
	g_string_append(out, "</tr2:Options></tr2:GetVideoEncoderConfigurationOptionsResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
append_capabilities2(GString *out, const CdOnvifCall *call)
{
	g_string_append(out,
			"<tr2:Capabilities SnapshotUri=\"true\" Rotation=\"false\" "
			"VideoSourceMode=\"false\" OSD=\"false\" TemporaryOSDText=\"false\" "
			"Mask=\"false\" SourceMask=\"false\">"
			"<tr2:ProfileCapabilities MaximumNumberOfProfiles=\"1\" "
			"ConfigurationsSupported=\"VideoSource VideoEncoder\"/>"
			"<tr2:StreamingCapabilities RTSPStreaming=\"true\" RTPMulticast=\"false\" "
			"RTP_RTSP_TCP=\"true\" NonAggregateControl=\"false\" "
			"AutoStartMulticast=\"false\"/></tr2:Capabilities>");
}

static const CdOnvifOperation media2_operations[] = {
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", cd_onvif_get_service_capabilities),
    CD_ONVIF_READ("GetProfiles", get_profiles2),
    CD_ONVIF_READ("GetStreamUri", get_stream_uri2),
    CD_ONVIF_READ("GetSnapshotUri", get_snapshot_uri),
    CD_ONVIF_READ("GetVideoEncoderConfigurations", get_video_encoder_configurations2),
    CD_ONVIF_READ("GetVideoSourceConfigurations", get_video_source_configurations2),
    CD_ONVIF_READ("GetVideoEncoderConfigurationOptions", get_video_encoder_configuration_options2),
    CD_ONVIF_READ("GetAudioSourceConfigurations", empty_list),
    CD_ONVIF_READ("GetAudioEncoderConfigurations", empty_list),
    CD_ONVIF_READ("GetAudioOutputConfigurations", empty_list),
    CD_ONVIF_READ("GetAudioDecoderConfigurations", empty_list),
    CD_ONVIF_READ("GetMetadataConfigurations", empty_list),
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
    .append_capabilities = append_capabilities2,
};
