/** The AAD a notification channel's settings (URLs, tokens, SMTP credentials) are sealed with. */
export const channelConfigAad = (channelId: string) => `notification_channels:${channelId}:config`;
