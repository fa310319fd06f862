/**
 * Host names that resolve to the machine itself, its container host or its cloud's instance-metadata service,
 * gathered from the platforms' documentation: RFC 6761 §6.3 (`localhost`), Debian/Red Hat /etc/hosts aliases,
 * Docker Desktop and Podman host names, the Kubernetes API service, public wildcard names that resolve to
 * 127.0.0.1 (`localtest.me`, `lvh.me`, `vcap.me`), and the metadata names of AWS, GCP, Azure, Alibaba, Oracle,
 * DigitalOcean, Equinix Metal and Rancher.
 */

/** Names of the local machine or its container host. */
export const LOOPBACK_NAMES: ReadonlySet<string> = new Set([
  'localhost', 'localhost.localdomain', 'localhost4', 'localhost4.localdomain4', 'localhost6', 'localhost6.localdomain6',
  'ip6-localhost', 'ip6-loopback', 'ipv6-localhost', 'ipv6-loopback', 'loopback',
  'host.docker.internal', 'gateway.docker.internal', 'kubernetes.docker.internal', 'host.containers.internal',
  'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local',
  'localtest.me', 'lvh.me', 'vcap.me', 'lacolhost.com', 'spoofed.burpcollaborator.net'
])

/** Parent domains every subdomain of which resolves to 127.0.0.1. */
export const LOOPBACK_DOMAINS: readonly string[] = ['.localhost', '.localtest.me', '.lvh.me', '.vcap.me']

/** Wildcard DNS services that resolve a name embedding an address to that address (`10.0.0.1.nip.io`). */
export const ADDRESS_DOMAINS: readonly string[] = ['.nip.io', '.sslip.io', '.xip.io', '.traefik.me', '.localip.me']

/** Instance-metadata services by name. */
export const METADATA_NAMES: ReadonlySet<string> = new Set([
  'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal',
  'metadata.packet.net', 'metadata.platformequinix.com', 'rancher-metadata', 'metadata.azure.internal',
  'metadata.tencentyun.com', 'metadata.oraclecloud.com'
])
