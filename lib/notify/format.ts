import type { NotifyEvent } from '@/db/schema';
import type { NotifyEventType } from '@/lib/model/notifications';

/** An event as sent: a real one from the outbox, or the "Send test" message (type `test`). */
export type OutgoingEvent = Omit<NotifyEvent, 'type'> & { type: NotifyEventType | 'test' };

/** Limits of the receivers (Discord 2,000 characters, Telegram 4,096); longer text is cut, not refused. */
const DISCORD_MAX = 2000;
const TELEGRAM_MAX = 4096;
const SLACK_MAX = 3000;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

// Slack's mrkdwn treats these three as markup; everything else is literal.
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(e: OutgoingEvent): { text: string } {
  const link = e.url ? `\n<${e.url}|Open in Berth>` : '';
  return { text: clip(`*${slackEscape(e.title)}*\n${slackEscape(e.text)}${link}`, SLACK_MAX) };
}

export function discordMessage(e: OutgoingEvent): { content: string; allowed_mentions: { parse: [] } } {
  const link = e.url ? `\n<${e.url}>` : '';
  // No @everyone or role pings from text that came from a server's output.
  return { content: clip(`**${e.title}**\n${e.text}${link}`, DISCORD_MAX), allowed_mentions: { parse: [] } };
}

/** Plain text (no parse_mode): nothing in an event needs escaping, and nothing can break the markup. */
export function telegramMessage(e: OutgoingEvent, chatId: string): { chat_id: string; text: string; disable_web_page_preview: true } {
  const link = e.url ? `\n${e.url}` : '';
  return { chat_id: chatId, text: clip(`${e.title}\n${e.text}${link}`, TELEGRAM_MAX), disable_web_page_preview: true };
}

export function emailMessage(e: OutgoingEvent): { subject: string; text: string } {
  const link = e.url ? `\n\n${e.url}` : '';
  // A subject is one line: a title with a newline would start the body early.
  const subject = `[Berth] ${e.title.replace(/[\r\n]+/g, ' ')}`.slice(0, 200);
  return { subject, text: `${e.text}${link}\n\n-- \nSent by Berth (${e.type}) at ${e.at}.\n` };
}

/** The generic webhook gets the event as it is: receivers script against its fields. */
export function webhookBody(e: OutgoingEvent): OutgoingEvent {
  return e;
}
