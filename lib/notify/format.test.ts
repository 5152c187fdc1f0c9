import { describe, expect, it } from 'vitest';
import { discordMessage, emailMessage, slackMessage, telegramMessage, type OutgoingEvent } from './format';

const e: OutgoingEvent = {
  type: 'monitor.down',
  title: 'shop.test is down',
  text: 'GET / answered 502 <html>',
  url: 'https://b.test/apps/1',
  at: '2030-01-01T00:00:00.000Z',
};

describe('message formatting', () => {
  it('Slack: bold title, escaped text, a link', () => {
    expect(slackMessage(e).text).toBe('*shop.test is down*\nGET / answered 502 &lt;html&gt;\n<https://b.test/apps/1|Open in Berth>');
    expect(slackMessage({ ...e, url: undefined }).text).toBe('*shop.test is down*\nGET / answered 502 &lt;html&gt;');
  });

  it('Discord: no mentions, cut to 2,000 characters', () => {
    const long = discordMessage({ ...e, text: '@everyone '.repeat(500) });
    expect(long.content).toHaveLength(2000);
    expect(long.content.endsWith('…')).toBe(true);
    expect(long.allowed_mentions).toEqual({ parse: [] });
  });

  it('Telegram: plain text for the chat, cut to 4,096 characters', () => {
    expect(telegramMessage(e, '@ops')).toEqual({
      chat_id: '@ops',
      text: 'shop.test is down\nGET / answered 502 <html>\nhttps://b.test/apps/1',
      disable_web_page_preview: true,
    });
    expect(telegramMessage({ ...e, text: 'x'.repeat(5000) }, '1').text).toHaveLength(4096);
  });

  it('Email: a one-line subject, the link and the event type in the body', () => {
    const m = emailMessage({ ...e, title: 'two\nlines' });
    expect(m.subject).toBe('[Berth] two lines');
    expect(m.text).toContain('https://b.test/apps/1');
    expect(m.text).toContain('(monitor.down)');
  });
});
