/**
 * The custom server (scripts/server.ts) overwrites this header on every request with the
 * socket's peer address (or the proxy's X-Forwarded-For when BERTH_TRUST_PROXY=1), so a
 * client cannot choose its own address for rate limiting or the audit trail.
 */
export const CLIENT_IP_HEADER = 'x-berth-client-ip';
