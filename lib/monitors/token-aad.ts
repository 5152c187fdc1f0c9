/** The AAD a heartbeat monitor's ping token is sealed with (the token is shown again in its URL). */
export const heartbeatTokenAad = (monitorId: string) => `monitors:${monitorId}:token`;
