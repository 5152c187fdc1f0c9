import { z } from 'zod';

/**
 * The one starting point for every string a person or a file hands Berth (forms, definition
 * files, the API). Each has a length limit and refuses control characters, so nothing odd
 * reaches the database (Postgres refuses NUL in text and the insert would fail as a 500), a log
 * line, a terminal or a config file. text.test.ts walks the input schemas and fails on a string
 * that did not start here.
 */

// Unicode's control characters (\p{Cc}: C0, DEL and C1). Multi-line text keeps tab, line feed
// and carriage return (a textarea posts CRLF); single-line text keeps none of them.
const CONTROL_SINGLE = /\p{Cc}/u;
const CONTROL_MULTI = /(?![\t\n\r])\p{Cc}/u;

export const NO_CONTROLS = 'Remove the control characters (such as NUL or escape): plain text only';
export const ONE_LINE = 'Keep it on one line, without tabs or control characters (such as NUL or escape)';
export const NO_NUL = 'Remove the NUL character: it cannot be stored';

const tooLong = (max: number) => `At most ${max} characters`;

/** The checks themselves, shared instances: the schema walk in text.test.ts recognizes them. */
export const singleLineCheck = z.refine<string>((s) => !CONTROL_SINGLE.test(s), ONE_LINE);
export const multiLineCheck = z.refine<string>((s) => !CONTROL_MULTI.test(s), NO_CONTROLS);
export const noNulCheck = z.refine<string>((s) => !s.includes('\0'), NO_NUL);
export const TEXT_CHECKS: readonly unknown[] = [singleLineCheck, multiLineCheck, noNulCheck];

/** A name, an address, a path, a URL: one line of plain text, at most `max` characters. */
export const singleLine = (max: number) => z.string().max(max, tooLong(max)).check(singleLineCheck);

/**
 * The same, trimmed first: surrounding whitespace a form, a YAML block scalar or an API client
 * adds (a final newline, a tab) is dropped before the check, as it was before there was one.
 */
export const trimmedLine = (max: number) => z.string().trim().max(max, tooLong(max)).check(singleLineCheck);

/** Text typed in a textarea (commands one per line, an nginx snippet): lines and tabs allowed. */
export const multiLine = (max: number) => z.string().max(max, tooLong(max)).check(multiLineCheck);

/**
 * Opaque text that may legitimately hold any character but NUL: env values (certificates, JSON),
 * passwords, pasted keys. Still finite, and still storable.
 */
export const opaqueText = (max: number) => z.string().max(max, tooLong(max)).check(noNulCheck);
