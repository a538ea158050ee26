/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-device: the ONVIF device service (http://www.onvif.org/ver10/device/wsdl) of one
 * virtual device: who it is (cordon's identity, never the camera's), which services it has and
 * where, its clock, scopes and the recorder-side network interface it is reached on. Every
 * answer is read-only and describes cordon; nothing here changes anything or talks to a camera.
 * Operations that would change the device are listed as prohibited so that they get
 * ter:OperationProhibited rather than ter:ActionNotSupported.
 *
 * Threads: the handlers run on the thread of the server that calls them and keep no state.
 * Keys used: [server] discovery (what GetDiscoveryMode and the capabilities say).
 */
#define G_LOG_DOMAIN "CdOnvifDevice"

#include "cd-onvif-device.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <string.h>

#include "cd-error.h"
#include "cd-onvif-identity.h"
#include "cd-onvif-media.h"

#define WSDL_URL	"http://www.onvif.org/Documents/Specifications.aspx"
#define RESOLV_CONF	"/etc/resolv.conf"
#define MAX_DNS_SERVERS 3
#define NO_HW_ADDRESS	"00:00:00:00:00:00"

static gchar *
xaddr(const CdOnvifCall *call, const gchar *path)
{
	g_autofree gchar *url = g_strconcat(call->base_url, path, NULL);

	return cd_xml_escape(url);
}

static void
append_version(GString *out, const gchar *element)
{
	g_string_append_printf(out,
			       "<%s><tt:Major>%d</tt:Major><tt:Minor>%d</tt:Minor></%s>",
			       element,
			       CD_ONVIF_VERSION_MAJOR,
			       CD_ONVIF_VERSION_MINOR,
			       element);
}

static gchar *
device_capabilities(const CdOnvifCall *call)
{
	return g_strdup_printf(
	    "<tds:Capabilities>"
	    "<tds:Network IPFilter=\"false\" ZeroConfiguration=\"false\" IPVersion6=\"false\" "
	    "DynDNS=\"false\" Dot11Configuration=\"false\" HostnameFromDHCP=\"false\" NTP=\"0\"/>"
	    "<tds:Security TLS1.0=\"false\" TLS1.1=\"false\" TLS1.2=\"false\" "
	    "OnboardKeyGeneration=\"false\" AccessPolicyConfig=\"false\" "
	    "DefaultAccessPolicy=\"false\" Dot1X=\"false\" RemoteUserHandling=\"false\" "
	    "X.509Token=\"false\" SAMLToken=\"false\" KerberosToken=\"false\" "
	    "UsernameToken=\"true\" HttpDigest=\"true\" RELToken=\"false\"/>"
	    "<tds:System DiscoveryResolve=\"false\" DiscoveryBye=\"%s\" RemoteDiscovery=\"false\" "
	    "SystemBackup=\"false\" SystemLogging=\"false\" FirmwareUpgrade=\"false\" "
	    "HttpFirmwareUpgrade=\"false\" HttpSystemBackup=\"false\" HttpSystemLogging=\"false\" "
	    "HttpSupportInformation=\"false\"/>"
	    "</tds:Capabilities>",
	    call->config->discovery_enabled ? "true" : "false");
}

/*
 * The clock is the host's: cordon never sets it, so SetSystemDateAndTime is prohibited. NTP
 * says that the time is kept by the host rather than by whoever calls Set; clients use the
 * answer to compute their offset for WS-Security Created.
 */
static gchar *
get_system_date_and_time(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *date_time =
	    g_strdup_printf("<tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute>"
			    "<tt:Second>%d</tt:Second></tt:Time>"
			    "<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month>"
			    "<tt:Day>%d</tt:Day></tt:Date>",
			    g_date_time_get_hour(now),
			    g_date_time_get_minute(now),
			    g_date_time_get_second(now),
			    g_date_time_get_year(now),
			    g_date_time_get_month(now),
			    g_date_time_get_day_of_month(now));

	return g_strdup_printf("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
			       "<tt:DateTimeType>NTP</tt:DateTimeType>"
			       "<tt:DaylightSavings>false</tt:DaylightSavings>"
			       "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
			       "<tt:UTCDateTime>%s</tt:UTCDateTime>"
			       "<tt:LocalDateTime>%s</tt:LocalDateTime>"
			       "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
			       date_time,
			       date_time);
}

static gchar *
get_device_information(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *serial = cd_onvif_serial_number(call->camera);
	g_autofree gchar *firmware = cd_xml_escape(cd_onvif_firmware_version());

	return g_strdup_printf("<tds:GetDeviceInformationResponse>"
			       "<tds:Manufacturer>" CD_ONVIF_MANUFACTURER "</tds:Manufacturer>"
			       "<tds:Model>" CD_ONVIF_MODEL "</tds:Model>"
			       "<tds:FirmwareVersion>%s</tds:FirmwareVersion>"
			       "<tds:SerialNumber>%s</tds:SerialNumber>"
			       "<tds:HardwareId>" CD_ONVIF_HARDWARE_ID "</tds:HardwareId>"
			       "</tds:GetDeviceInformationResponse>",
			       firmware,
			       serial);
}

static void
append_device_capabilities(GString *out, const CdOnvifCall *call)
{
	g_autofree gchar *device = xaddr(call, CD_ONVIF_PATH_DEVICE);

	g_string_append_printf(out,
			       "<tt:Device><tt:XAddr>%s</tt:XAddr>"
			       "<tt:Network><tt:IPFilter>false</tt:IPFilter>"
			       "<tt:ZeroConfiguration>false</tt:ZeroConfiguration>"
			       "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS>"
			       "</tt:Network>"
			       "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve>"
			       "<tt:DiscoveryBye>%s</tt:DiscoveryBye>"
			       "<tt:RemoteDiscovery>false</tt:RemoteDiscovery>"
			       "<tt:SystemBackup>false</tt:SystemBackup>"
			       "<tt:SystemLogging>false</tt:SystemLogging>"
			       "<tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>",
			       device,
			       call->config->discovery_enabled ? "true" : "false");
	append_version(out, "tt:SupportedVersions");
	g_string_append(out,
			"</tt:System>"
			"<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2>"
			"<tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration>"
			"<tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>"
			"<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>"
			"<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken>"
			"</tt:Security></tt:Device>");
}

static void
append_media_capabilities(GString *out, const CdOnvifCall *call)
{
	g_autofree gchar *media = xaddr(call, CD_ONVIF_PATH_MEDIA);

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
			       media);
}

/* Analytics, Events, Imaging and PTZ are absent: cordon has none of them */
static gchar *
get_capabilities(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *category = cd_soap_request_get_text(call->request, "Category");
	gboolean all = category == NULL || g_strcmp0(category, "All") == 0;
	gboolean device = all || g_strcmp0(category, "Device") == 0;
	gboolean media = all || g_strcmp0(category, "Media") == 0;
	g_autoptr(GString) out = NULL;

	if (!device && !media) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_NOT_SUPPORTED,
				    "no such service: cordon has device and media services only");
		return NULL;
	}
	out = g_string_new("<tds:GetCapabilitiesResponse><tds:Capabilities>");
	if (device)
		append_device_capabilities(out, call);
	if (media)
		append_media_capabilities(out, call);
	g_string_append(out, "</tds:Capabilities></tds:GetCapabilitiesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
append_service(GString *out,
	       const CdOnvifCall *call,
	       const gchar *ns,
	       const gchar *path,
	       const gchar *capabilities)
{
	g_autofree gchar *url = xaddr(call, path);

	g_string_append_printf(out,
			       "<tds:Service><tds:Namespace>%s</tds:Namespace>"
			       "<tds:XAddr>%s</tds:XAddr>",
			       ns,
			       url);
	if (capabilities != NULL)
		g_string_append_printf(out,
				       "<tds:Capabilities>%s</tds:Capabilities>",
				       capabilities);
	append_version(out, "tds:Version");
	g_string_append(out, "</tds:Service>");
}

static gchar *
get_services(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *include = cd_soap_request_get_text(call->request, "IncludeCapability");
	gboolean with_capabilities =
	    g_strcmp0(include, "true") == 0 || g_strcmp0(include, "1") == 0;
	g_autofree gchar *device = with_capabilities ? device_capabilities(call) : NULL;
	g_autofree gchar *media = with_capabilities ? cd_onvif_media_capabilities() : NULL;
	g_autofree gchar *media2 = with_capabilities ? cd_onvif_media2_capabilities() : NULL;
	g_autoptr(GString) out = g_string_new("<tds:GetServicesResponse>");

	append_service(out, call, CD_SOAP_NS_DEVICE, CD_ONVIF_PATH_DEVICE, device);
	append_service(out, call, CD_SOAP_NS_MEDIA, CD_ONVIF_PATH_MEDIA, media);
	append_service(out, call, CD_SOAP_NS_MEDIA2, CD_ONVIF_PATH_MEDIA2, media2);
	g_string_append(out, "</tds:GetServicesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_service_capabilities(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *capabilities = device_capabilities(call);

	return g_strconcat("<tds:GetServiceCapabilitiesResponse>",
			   capabilities,
			   "</tds:GetServiceCapabilitiesResponse>",
			   NULL);
}

static gchar *
get_scopes(const CdOnvifCall *call, GError **error)
{
	g_auto(GStrv) scopes = cd_onvif_scopes(call->camera);
	g_autoptr(GString) out = g_string_new("<tds:GetScopesResponse>");

	for (guint i = 0; scopes[i] != NULL; i++) {
		g_autofree gchar *scope = cd_xml_escape(scopes[i]);
		g_string_append_printf(out,
				       "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef>"
				       "<tt:ScopeItem>%s</tt:ScopeItem></tds:Scopes>",
				       scope);
	}
	g_string_append(out, "</tds:GetScopesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gchar *
get_hostname(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *name = cd_xml_escape(g_get_host_name());

	return g_strdup_printf("<tds:GetHostnameResponse><tds:HostnameInformation>"
			       "<tt:FromDHCP>false</tt:FromDHCP><tt:Name>%s</tt:Name>"
			       "</tds:HostnameInformation></tds:GetHostnameResponse>",
			       name);
}

/* an IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d */
static GInetAddress *
unmap_ipv4(GInetAddress *address)
{
	const guint8 *bytes = g_inet_address_to_bytes(address);
	static const guint8 prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6 &&
	    memcmp(bytes, prefix, sizeof(prefix)) == 0)
		return g_inet_address_new_from_bytes(bytes + 12, G_SOCKET_FAMILY_IPV4);
	return g_object_ref(address);
}

static gboolean
sockaddr_is(const struct sockaddr *sa, GInetAddress *address)
{
	const guint8 *bytes = g_inet_address_to_bytes(address);

	if (sa == NULL)
		return FALSE;
	if (sa->sa_family == AF_INET && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4)
		return memcmp(&((const struct sockaddr_in *)sa)->sin_addr, bytes, 4) == 0;
	if (sa->sa_family == AF_INET6 && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
		return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, bytes, 16) == 0;
	return FALSE;
}

static guint
prefix_length(const struct sockaddr *netmask)
{
	const guint8 *bytes;
	gsize len;
	guint bits = 0;

	if (netmask == NULL)
		return 0;
	if (netmask->sa_family == AF_INET) {
		bytes = (const guint8 *)&((const struct sockaddr_in *)netmask)->sin_addr;
		len = 4;
	} else if (netmask->sa_family == AF_INET6) {
		bytes = (const guint8 *)&((const struct sockaddr_in6 *)netmask)->sin6_addr;
		len = 16;
	} else {
		return 0;
	}
	for (gsize i = 0; i < len; i++)
		bits += (guint)__builtin_popcount(bytes[i]);
	return bits;
}

static gchar *
hardware_address(struct ifaddrs *list, const gchar *name)
{
	for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		const struct sockaddr_ll *ll = (const struct sockaddr_ll *)ifa->ifa_addr;
		if (ll == NULL || ll->sll_family != AF_PACKET ||
		    g_strcmp0(ifa->ifa_name, name) != 0 || ll->sll_halen != 6)
			continue;
		return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
				       ll->sll_addr[0],
				       ll->sll_addr[1],
				       ll->sll_addr[2],
				       ll->sll_addr[3],
				       ll->sll_addr[4],
				       ll->sll_addr[5]);
	}
	return g_strdup(NO_HW_ADDRESS);
}

static void
append_interface(GString *out, struct ifaddrs *list, struct ifaddrs *ifa, GInetAddress *address)
{
	g_autofree gchar *name = cd_xml_escape(ifa->ifa_name);
	g_autofree gchar *mac = hardware_address(list, ifa->ifa_name);
	g_autofree gchar *text = g_inet_address_to_string(address);
	guint prefix = prefix_length(ifa->ifa_netmask);

	g_string_append_printf(out,
			       "<tds:NetworkInterfaces token=\"%s\"><tt:Enabled>%s</tt:Enabled>"
			       "<tt:Info><tt:Name>%s</tt:Name><tt:HwAddress>%s</tt:HwAddress>"
			       "</tt:Info>",
			       name,
			       (ifa->ifa_flags & IFF_UP) ? "true" : "false",
			       name,
			       mac);
	if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4)
		g_string_append_printf(out,
				       "<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>"
				       "<tt:Manual><tt:Address>%s</tt:Address>"
				       "<tt:PrefixLength>%u</tt:PrefixLength></tt:Manual>"
				       "<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>",
				       text,
				       prefix);
	else
		g_string_append_printf(out,
				       "<tt:IPv6><tt:Enabled>true</tt:Enabled><tt:Config>"
				       "<tt:DHCP>Off</tt:DHCP>"
				       "<tt:Manual><tt:Address>%s</tt:Address>"
				       "<tt:PrefixLength>%u</tt:PrefixLength></tt:Manual>"
				       "</tt:Config></tt:IPv6>",
				       text,
				       prefix);
	g_string_append(out, "</tds:NetworkInterfaces>");
}

/*
 * Only the interface the request arrived on: the recorder side. The camera network and any
 * other interface of the host stay unmentioned. cordon does not manage addresses, so the one
 * in use is reported as it is, read-only (SetNetworkInterfaces is prohibited).
 */
static gchar *
get_network_interfaces(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = g_string_new("<tds:GetNetworkInterfacesResponse>");
	g_autoptr(GInetAddress) address = NULL;
	struct ifaddrs *list = NULL;

	if (call->local_address != NULL && getifaddrs(&list) == 0) {
		address = unmap_ipv4(call->local_address);
		for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
			if (!sockaddr_is(ifa->ifa_addr, address))
				continue;
			append_interface(out, list, ifa, address);
			break;
		}
		freeifaddrs(list);
	}
	g_string_append(out, "</tds:GetNetworkInterfacesResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* the host's resolvers, as configured; cordon changes none of them */
static gchar *
get_dns(const CdOnvifCall *call, GError **error)
{
	g_autoptr(GString) out = g_string_new("<tds:GetDNSResponse><tds:DNSInformation>"
					      "<tt:FromDHCP>false</tt:FromDHCP>");
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) lines = NULL;
	guint found = 0;

	if (g_file_get_contents(RESOLV_CONF, &contents, NULL, NULL))
		lines = g_strsplit(contents, "\n", -1);
	for (guint i = 0; lines != NULL && lines[i] != NULL && found < MAX_DNS_SERVERS; i++) {
		g_auto(GStrv) words = g_strsplit_set(g_strstrip(lines[i]), " \t", 3);
		g_autoptr(GInetAddress) server = NULL;
		g_autofree gchar *text = NULL;
		gboolean ipv4;

		if (g_strv_length(words) < 2 || g_strcmp0(words[0], "nameserver") != 0)
			continue;
		server = g_inet_address_new_from_string(words[1]);
		if (server == NULL)
			continue;
		text = g_inet_address_to_string(server);
		ipv4 = g_inet_address_get_family(server) == G_SOCKET_FAMILY_IPV4;
		g_string_append_printf(out,
				       "<tt:DNSManual><tt:Type>%s</tt:Type>"
				       "<tt:%s>%s</tt:%s></tt:DNSManual>",
				       ipv4 ? "IPv4" : "IPv6",
				       ipv4 ? "IPv4Address" : "IPv6Address",
				       text,
				       ipv4 ? "IPv4Address" : "IPv6Address");
		found++;
	}
	g_string_append(out, "</tds:DNSInformation></tds:GetDNSResponse>");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* cordon configures no time server: the host keeps its clock */
static gchar *
get_ntp(const CdOnvifCall *call, GError **error)
{
	return g_strdup("<tds:GetNTPResponse><tds:NTPInformation>"
			"<tt:FromDHCP>false</tt:FromDHCP>"
			"</tds:NTPInformation></tds:GetNTPResponse>");
}

static gchar *
get_network_protocols(const CdOnvifCall *call, GError **error)
{
	return g_strdup_printf("<tds:GetNetworkProtocolsResponse>"
			       "<tds:NetworkProtocols><tt:Name>HTTP</tt:Name>"
			       "<tt:Enabled>true</tt:Enabled><tt:Port>%u</tt:Port>"
			       "</tds:NetworkProtocols>"
			       "<tds:NetworkProtocols><tt:Name>RTSP</tt:Name>"
			       "<tt:Enabled>true</tt:Enabled><tt:Port>%u</tt:Port>"
			       "</tds:NetworkProtocols>"
			       "</tds:GetNetworkProtocolsResponse>",
			       call->onvif_port,
			       call->rtsp_port);
}

static gchar *
get_discovery_mode(const CdOnvifCall *call, GError **error)
{
	return g_strdup_printf("<tds:GetDiscoveryModeResponse>"
			       "<tds:DiscoveryMode>%s</tds:DiscoveryMode>"
			       "</tds:GetDiscoveryModeResponse>",
			       call->config->discovery_enabled ? "Discoverable"
							       : "NonDiscoverable");
}

static gchar *
get_wsdl_url(const CdOnvifCall *call, GError **error)
{
	return g_strdup("<tds:GetWsdlUrlResponse><tds:WsdlUrl>" WSDL_URL
			"</tds:WsdlUrl></tds:GetWsdlUrlResponse>");
}

static gchar *
get_endpoint_reference(const CdOnvifCall *call, GError **error)
{
	g_autofree gchar *reference = cd_onvif_endpoint_reference(call->camera);

	return g_strdup_printf("<tds:GetEndpointReferenceResponse><tds:GUID>%s</tds:GUID>"
			       "</tds:GetEndpointReferenceResponse>",
			       reference);
}

static const CdOnvifOperation device_operations[] = {
    /* ONVIF Core's PRE_AUTH class: answered to anyone, even with a wrong token attached */
    CD_ONVIF_PRE_AUTH("GetSystemDateAndTime", get_system_date_and_time),
    CD_ONVIF_PRE_AUTH("GetCapabilities", get_capabilities),
    CD_ONVIF_PRE_AUTH("GetServices", get_services),
    CD_ONVIF_PRE_AUTH("GetServiceCapabilities", get_service_capabilities),
    CD_ONVIF_PRE_AUTH("GetHostname", get_hostname),
    CD_ONVIF_PRE_AUTH("GetWsdlUrl", get_wsdl_url),
    CD_ONVIF_PRE_AUTH("GetEndpointReference", get_endpoint_reference),
    CD_ONVIF_READ("GetDeviceInformation", get_device_information),
    CD_ONVIF_READ("GetScopes", get_scopes),
    CD_ONVIF_READ("GetNetworkInterfaces", get_network_interfaces),
    CD_ONVIF_READ("GetDNS", get_dns),
    CD_ONVIF_READ("GetNTP", get_ntp),
    CD_ONVIF_READ("GetNetworkProtocols", get_network_protocols),
    CD_ONVIF_READ("GetDiscoveryMode", get_discovery_mode),
    /* users are cordon's configuration, not the device's: not even listed */
    CD_ONVIF_PROHIBITED("GetUsers"),
    CD_ONVIF_PROHIBITED("SetUser"),
    CD_ONVIF_PROHIBITED("CreateUsers"),
    CD_ONVIF_PROHIBITED("DeleteUsers"),
    CD_ONVIF_PROHIBITED("SetRemoteUser"),
    CD_ONVIF_PROHIBITED("SystemReboot"),
    CD_ONVIF_PROHIBITED("SetSystemFactoryDefault"),
    CD_ONVIF_PROHIBITED("UpgradeSystemFirmware"),
    CD_ONVIF_PROHIBITED("StartFirmwareUpgrade"),
    CD_ONVIF_PROHIBITED("StartSystemRestore"),
    CD_ONVIF_PROHIBITED("RestoreSystem"),
    CD_ONVIF_PROHIBITED("GetSystemBackup"),
    CD_ONVIF_PROHIBITED("GetSystemLog"),
    CD_ONVIF_PROHIBITED("GetSystemSupportInformation"),
    CD_ONVIF_PROHIBITED("SetSystemDateAndTime"),
    CD_ONVIF_PROHIBITED("SetNetworkInterfaces"),
    CD_ONVIF_PROHIBITED("SetNetworkProtocols"),
    CD_ONVIF_PROHIBITED("SetNetworkDefaultGateway"),
    CD_ONVIF_PROHIBITED("SetZeroConfiguration"),
    CD_ONVIF_PROHIBITED("SetIPAddressFilter"),
    CD_ONVIF_PROHIBITED("AddIPAddressFilter"),
    CD_ONVIF_PROHIBITED("RemoveIPAddressFilter"),
    CD_ONVIF_PROHIBITED("SetDynamicDNS"),
    CD_ONVIF_PROHIBITED("SetDNS"),
    CD_ONVIF_PROHIBITED("SetNTP"),
    CD_ONVIF_PROHIBITED("SetHostname"),
    CD_ONVIF_PROHIBITED("SetHostnameFromDHCP"),
    CD_ONVIF_PROHIBITED("SetScopes"),
    CD_ONVIF_PROHIBITED("AddScopes"),
    CD_ONVIF_PROHIBITED("RemoveScopes"),
    CD_ONVIF_PROHIBITED("SetDiscoveryMode"),
    CD_ONVIF_PROHIBITED("SetRemoteDiscoveryMode"),
    CD_ONVIF_PROHIBITED("SetAccessPolicy"),
    CD_ONVIF_PROHIBITED("CreateCertificate"),
    CD_ONVIF_PROHIBITED("LoadCertificates"),
    CD_ONVIF_PROHIBITED("LoadCACertificates"),
    CD_ONVIF_PROHIBITED("DeleteCertificates"),
    CD_ONVIF_PROHIBITED("SetCertificatesStatus"),
    CD_ONVIF_PROHIBITED("SetClientCertificateMode"),
    CD_ONVIF_PROHIBITED("SetRelayOutputSettings"),
    CD_ONVIF_PROHIBITED("SetRelayOutputState"),
    CD_ONVIF_PROHIBITED("SendAuxiliaryCommand"),
    CD_ONVIF_PROHIBITED("SetDot1XConfiguration"),
    CD_ONVIF_PROHIBITED("CreateDot1XConfiguration"),
    CD_ONVIF_PROHIBITED("DeleteDot1XConfiguration"),
    CD_ONVIF_PROHIBITED("SetGeoLocation"),
    CD_ONVIF_PROHIBITED("DeleteGeoLocation"),
    CD_ONVIF_PROHIBITED("SetStorageConfiguration"),
    CD_ONVIF_PROHIBITED("CreateStorageConfiguration"),
    CD_ONVIF_PROHIBITED("DeleteStorageConfiguration"),
    CD_ONVIF_PROHIBITED("SetHashingAlgorithm"),
};

/**
 * cd_onvif_device_lookup:
 * @operation: the local name of the request's first Body element
 *
 * Returns: (nullable): the operation, or %NULL for one the device service does not know
 */
const CdOnvifOperation *
cd_onvif_device_lookup(const gchar *operation)
{
	for (guint i = 0; i < G_N_ELEMENTS(device_operations); i++) {
		if (g_strcmp0(device_operations[i].name, operation) == 0)
			return &device_operations[i];
	}
	return NULL;
}
